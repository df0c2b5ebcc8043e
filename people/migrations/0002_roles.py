from django.db import migrations

from people.roles import (
    ADMINISTRATOR,
    ALL_ACTIONS,
    EDITOR,
    HEALTH,
    LETTERS,
    READ,
    VIEWER,
    create_roles,
    grant_app_permissions,
)


def grant(apps, schema_editor):
    create_roles(apps, schema_editor)
    grant_app_permissions(
        apps,
        "people",
        {VIEWER: READ, EDITOR: ALL_ACTIONS, LETTERS: READ, ADMINISTRATOR: ALL_ACTIONS},
        sensitive={"healthcondition"},
        sensitive_grants={HEALTH: ALL_ACTIONS, ADMINISTRATOR: ALL_ACTIONS},
    )
    # Administrators manage staff accounts and their roles.
    grant_app_permissions(apps, "auth", {ADMINISTRATOR: ALL_ACTIONS})


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
