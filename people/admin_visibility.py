"""The back office applies the one visibility rule (people/visibility.py) like the staff pages.

Every ModelAdmin and inline of the project derives from these: change lists, change and
delete pages, choices of related records (including autocomplete, which reads the related
model's admin queryset), and simple-history's history pages. History is read-only: its
"revert" form answers GET only, so a POST to any history page changes nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import NoReverseMatch, reverse
from simple_history.admin import SimpleHistoryAdmin

from people.deletion import DeletionRulesAdminMixin
from people.visibility import sees_everything


def visible(queryset: QuerySet, user) -> QuerySet:
    """The rows of `queryset` the user may see; models without a rule are not restricted."""
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(user)
    return queryset


class VisibleChoicesMixin:
    """Related records offered (and accepted when posted) are only those the user may see."""

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        related = db_field.related_model._default_manager
        kwargs["queryset"] = visible(kwargs.get("queryset", related.all()), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: Any = None, **kwargs: Any) -> Any:
        related = db_field.related_model._default_manager
        kwargs["queryset"] = visible(kwargs.get("queryset", related.all()), request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class VisibleAdmin(DeletionRulesAdminMixin, VisibleChoicesMixin, SimpleHistoryAdmin):
    """Every back-office page of ours: the visibility rule, and the deletion rules
    (people/deletion.py) that keep sent letters, final PDFs and cited sources."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible(super().get_queryset(request), request.user)

    def _object_pk(self, object_id: str) -> Any:
        try:
            return self.model._meta.pk.to_python(object_id)  # type: ignore[union-attr]
        except (ValidationError, ValueError) as error:
            raise Http404("No such record.") from error

    def _require_history_access(self, request: HttpRequest, object_id: str) -> None:
        """404 for a record the user may not see, exactly as for one that never existed.

        The history of a deleted record is shown only to those who see everything: which
        case it belonged to can no longer be asked of the record itself.
        """
        pk = self._object_pk(object_id)
        if self.model._default_manager.filter(pk=pk).exists():
            if not self.get_queryset(request).filter(pk=pk).exists():
                raise Http404("No such record.")
        elif not sees_everything(request.user):
            raise Http404("No such record.")

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        self._require_history_access(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        self._require_history_access(request, object_id)
        if not version_id.isdigit():
            raise Http404("No such version.")
        if request.method != "GET":
            # History is a record of what happened; it is never edited or "reverted".
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)


class VisibleInlineMixin(VisibleChoicesMixin):
    """For inlines: choices of related records follow the visibility rule too."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible(super().get_queryset(request), request.user)  # type: ignore[misc]


class VisibleTabularInline(VisibleInlineMixin, admin.TabularInline):
    pass


class VisibleStackedInline(VisibleInlineMixin, admin.StackedInline):
    pass


class BoundedInlineFormSet(forms.BaseInlineFormSet):
    """An inline formset that holds at most `shown_at_most` rows, the newest first.

    Slicing the queryset would break the formset (it filters and re-reads it on save), so
    the rows are chosen by primary key: on the page, the newest `shown_at_most`; on save,
    those whose ids the page sent back (within the parent's visible rows), so a row added
    meanwhile does not push a shown one out of the form. Rows never shown are never in
    the formset, so saving cannot change or delete them.
    """

    shown_at_most = 20
    newest_first: tuple = ("-pk",)
    total: int = 0

    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_queryset"):
            rows = super().get_queryset()
            if self.is_bound:
                shown = self._posted_pks()
            else:
                shown = list(
                    rows.order_by(*self.newest_first).values_list("pk", flat=True)[
                        : self.shown_at_most
                    ]
                )
            # The one count the page needs: "Showing 20 of 2,000".
            self.total = rows.count() if len(shown) >= self.shown_at_most else len(shown)
            self._queryset = rows.filter(pk__in=shown).order_by(*self.newest_first)
        return self._queryset

    def _posted_pks(self) -> list:
        pk_field = self.model._meta.pk  # type: ignore[union-attr]
        pks = []
        for i in range(min(self.initial_form_count(), self.shown_at_most)):
            value = self.data.get(f"{self.add_prefix(i)}-{pk_field.name}")
            try:
                pk = pk_field.to_python(value)  # type: ignore[union-attr]
            except (ValidationError, ValueError):
                continue
            if pk is not None:
                pks.append(pk)
        return pks

    @property
    def see_all_url(self) -> str:
        """The model's change list, filtered to this parent (empty if it has none)."""
        opts = self.model._meta  # type: ignore[union-attr]
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            return ""
        return f"{url}?{self.fk.name}__{self.fk.target_field.attname}__exact={self.instance.pk}"


class BoundedInlineMixin:
    """For inlines of a parent with thousands of rows (a long case's events): the page shows
    the newest `shown_at_most`, and a line "Showing 20 of 2,000 — see all" links to the
    model's change list filtered by the parent, where the rest are paginated."""

    shown_at_most = 20
    newest_first: tuple = ("-pk",)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("formset", self.formset)  # type: ignore[attr-defined]
        base = kwargs["formset"]
        if not issubclass(base, BoundedInlineFormSet):
            base = type(f"Bounded{base.__name__}", (BoundedInlineFormSet, base), {})
        kwargs["formset"] = type(
            base.__name__,
            (base,),
            {"shown_at_most": self.shown_at_most, "newest_first": self.newest_first},
        )
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]


class BoundedTabularInline(BoundedInlineMixin, VisibleTabularInline):
    template = "admin/edit_inline/bounded.html"
    inner_template = "admin/edit_inline/tabular.html"


class BoundedStackedInline(BoundedInlineMixin, VisibleStackedInline):
    template = "admin/edit_inline/bounded.html"
    inner_template = "admin/edit_inline/stacked.html"


def shortcut_allowed(request: HttpRequest, model: type[Model], object_id: str) -> bool:
    """Whether the admin's "view on site" shortcut may reveal this record to the user."""
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        return False
    try:
        pk = model._meta.pk.to_python(object_id)  # type: ignore[union-attr]
    except (ValidationError, ValueError):
        return False
    return model_admin.get_queryset(request).filter(pk=pk).exists()
