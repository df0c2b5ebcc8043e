from django.db import migrations

from people.roles import ADMINISTRATOR, ALL_ACTIONS, EDITOR, LETTERS, READ, VIEWER, grant_app_permissions


def grant(apps, schema_editor):
    grant_app_permissions(
        apps,
        "casefiles",
        {VIEWER: READ, EDITOR: ALL_ACTIONS, LETTERS: READ, ADMINISTRATOR: ALL_ACTIONS},
    )


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0001_initial"), ("people", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
