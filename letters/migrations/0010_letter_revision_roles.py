from django.db import migrations

from people.roles import ADMINISTRATOR, ALL_ACTIONS, EDITOR, LETTERS, READ, VIEWER, grant_app_permissions


def grant(apps, schema_editor):
    # Same grants as 0002, 0004 and 0008, now covering LetterRevision too (a no-op for the
    # rest); the letterhead stays the Administrators' to change.
    grant_app_permissions(
        apps,
        "letters",
        {VIEWER: READ, EDITOR: READ, LETTERS: ALL_ACTIONS, ADMINISTRATOR: ALL_ACTIONS},
        sensitive=["letterhead"],
        sensitive_grants={VIEWER: READ, EDITOR: READ, LETTERS: READ, ADMINISTRATOR: ALL_ACTIONS},
    )


class Migration(migrations.Migration):
    dependencies = [("letters", "0009_letter_revisions_frozen_text")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
