"""Sentence steps get the permissions every casefiles fact has: Editors and Administrators
record them, Viewers and Letters read them."""

from django.db import migrations

from people.roles import ADMINISTRATOR, ALL_ACTIONS, EDITOR, LETTERS, READ, VIEWER, grant_app_permissions


def grant(apps, schema_editor):
    grant_app_permissions(
        apps,
        "casefiles",
        {VIEWER: READ, EDITOR: ALL_ACTIONS, LETTERS: READ, ADMINISTRATOR: ALL_ACTIONS},
    )


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0011_sentence_steps"), ("people", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
