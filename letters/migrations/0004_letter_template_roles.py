from django.db import migrations

from people.roles import ADMINISTRATOR, ALL_ACTIONS, EDITOR, LETTERS, READ, VIEWER, grant_app_permissions


def grant(apps, schema_editor):
    # Same grants as 0002, now covering LetterTemplate too; adding a permission twice is a no-op.
    grant_app_permissions(
        apps,
        "letters",
        {VIEWER: READ, EDITOR: READ, LETTERS: ALL_ACTIONS, ADMINISTRATOR: ALL_ACTIONS},
    )


class Migration(migrations.Migration):
    dependencies = [("letters", "0003_letter_templates_and_version_html")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
