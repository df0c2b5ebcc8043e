"""The roles of the staff pages, as model permissions: reading needs `view_<model>`, writing
`add_<model>` (Editor) — the same checks as the pages' `permission_required`."""

from __future__ import annotations

from rest_framework import permissions


class RolePermission(permissions.DjangoModelPermissions):
    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method not in view.allowed_methods and request.method != "OPTIONS":
            # A read-only endpoint: let the method be refused as such (405), once the
            # caller is known to hold the role that reads it.
            model = self._queryset(view).model
            return request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        return super().has_permission(request, view)
