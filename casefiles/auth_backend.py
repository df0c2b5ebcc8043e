"""Django's model backend, reading a signed-in user and their permissions in one query.

Every staff page checks permissions, so what Django's own backend runs on each request (the
user, then the user's permissions, then their groups') is paid on every page. Staff hold
their rights through groups (people/roles.py), but direct permissions still count: the user
is read with both, aggregated into one column by a subquery.

That query is compiled once per process (`_user_sql`), not on each request: building it
through the ORM cost more than running it (3.6 against 0.4 ms).
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat

from casefiles.aggregates import Joined

# Codenames and app labels are identifiers: they never hold a comma.
SEPARATOR = ","


def _permission_keys(user_filter: Q):
    return (
        Permission.objects.filter(user_filter)
        .order_by()
        .annotate(all=Value(1))
        .values("all")
        .annotate(
            keys=Joined(
                Concat(F("content_type__app_label"), Value("."), F("codename")),
                separator=SEPARATOR,
            )
        )
        .values("keys")
    )


def _keys(row: str | None) -> set[str]:
    return set(row.split(SEPARATOR)) if row else set()


# Stands for the user's id while the query is compiled; replaced by the real one on each use.
_USER_ID_PLACEHOLDER = -7_349_113


@functools.cache
def _user_sql(alias: str, vendor: str) -> tuple[str, tuple, int]:
    """The SQL reading one user with their permission keys, its parameters, and where the
    user's id goes among them (compiled for the database `alias`, of `vendor`)."""
    del vendor  # part of the cache key only: a test run may swap the database behind alias
    user_model = get_user_model()
    queryset = (
        user_model._default_manager.using(alias)
        .annotate(
            own_permission_keys=Subquery(_permission_keys(Q(user=OuterRef("pk")))),
            group_permission_keys=Subquery(_permission_keys(Q(group__user=OuterRef("pk")))),
        )
        .filter(pk=_USER_ID_PLACEHOLDER)
        .order_by()
    )
    sql, params = queryset.query.get_compiler(alias).as_sql()
    return sql, tuple(params), list(params).index(_USER_ID_PLACEHOLDER)


class ModelBackend1Query(ModelBackend):
    def get_user(self, user_id):
        """The user with their permissions, for AuthenticationMiddleware: one query."""
        user_model = get_user_model()
        try:
            user_id = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = router.db_for_read(user_model)
        sql, params, at = _user_sql(alias, connections[alias].vendor)
        found = user_model._default_manager.db_manager(alias).raw(
            sql, [*params[:at], user_id, *params[at + 1 :]]
        )
        user = next(iter(found), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        if not user.is_superuser:
            user._perm_cache = _keys(user.own_permission_keys) | _keys(user.group_permission_keys)
        return user

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                ).order_by()
            }
        return user_obj._perm_cache
