"""Staff roles as Django groups, and the permissions each grants.

Each app's data migration calls `grant_app_permissions` for its own models, so
`people` names no higher app. A test checks that every model is covered.
"""

from __future__ import annotations

from collections.abc import Iterable

VIEWER = "Viewer"
EDITOR = "Editor"
LETTERS = "Letters"
ADMINISTRATOR = "Administrator"
HEALTH = "Health data"
ROLES = (VIEWER, EDITOR, LETTERS, ADMINISTRATOR, HEALTH)

ALL_ACTIONS = ("view", "add", "change", "delete")
READ = ("view",)


def _create_permissions(apps, app_label: str) -> None:
    """Make an app's permissions now: on a fresh database post_migrate has not run yet."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    # Migration app configs are stubs; create_permissions only checks that the
    # app has a models module.
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None


def grant_app_permissions(
    apps,
    app_label: str,
    grants: dict[str, tuple[str, ...]],
    *,
    sensitive: Iterable[str] = (),
    sensitive_grants: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """Give each role in `grants` those actions on every model of `app_label`.

    Models named in `sensitive` are left out of `grants` and given only by
    `sensitive_grants`. Historical (audit) models are readable by everyone who
    can read the model and writable by no one. Runs inside a data migration,
    so permissions are created first: on a fresh database post_migrate has not
    made them yet.
    """
    _create_permissions(apps, app_label)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    sensitive = set(sensitive)

    for model in apps.get_app_config(app_label).get_models():
        name = model._meta.model_name
        is_history = name.startswith("historical")
        base = name.removeprefix("historical") if is_history else name
        role_actions = (sensitive_grants or {}) if base in sensitive else grants
        for role, actions in role_actions.items():
            if is_history:
                actions = tuple(a for a in actions if a == "view")
            group, _ = Group.objects.get_or_create(name=role)
            perms = Permission.objects.filter(
                content_type__app_label=app_label,
                codename__in=[f"{action}_{name}" for action in actions],
            )
            group.permissions.add(*perms)


def create_roles(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def grant_named_permission(apps, app_label: str, codename: str, roles: Iterable[str]) -> None:
    """Give a custom permission (one from a model's Meta.permissions) to some roles."""
    _create_permissions(apps, app_label)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    for role in roles:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(permission)
