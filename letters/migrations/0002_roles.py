from django.db import migrations

from people.roles import ADMINISTRATOR, ALL_ACTIONS, EDITOR, LETTERS, READ, VIEWER, grant_app_permissions


def grant(apps, schema_editor):
    grant_app_permissions(
        apps,
        "letters",
        {VIEWER: READ, EDITOR: READ, LETTERS: ALL_ACTIONS, ADMINISTRATOR: ALL_ACTIONS},
    )


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial"), ("people", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
