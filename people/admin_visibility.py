"""The back office applies the one visibility rule (people/visibility.py) like the staff pages.

Every ModelAdmin and inline of the project derives from these: change lists, change and
delete pages, choices of related records (including autocomplete, which reads the related
model's admin queryset), and simple-history's history pages. History is read-only: its
"revert" form answers GET only, so a POST to any history page changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, ManyToManyField, Model, QuerySet
from django.forms.renderers import BaseRenderer
from django.forms.utils import ErrorList
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from simple_history.admin import SimpleHistoryAdmin

from people.deletion import DeletionRulesAdminMixin
from people.visibility import sees_everything


def visible(queryset: QuerySet, user) -> QuerySet:
    """The rows of `queryset` the user may see; models without a rule are not restricted."""
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(user)
    return queryset


class QuickSelectMixin:
    """Draws a select exactly as Django's templates do, in Python.

    The back office's case page holds a hundred rows of inlines, each with several selects;
    Django's template draws every option through two included templates, which made most
    of the page's time. Widgets given other templates are drawn by those, as usual.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        if (
            self.template_name != "django/forms/widgets/select.html"  # type: ignore[attr-defined]
            or self.option_template_name != "django/forms/widgets/select_option.html"  # type: ignore[attr-defined]
        ):
            return super().render(name, value, attrs, renderer)  # type: ignore[misc]
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        parts = [
            format_html('<select name="{}"', widget["name"]),
            _attributes(widget["attrs"]),
            ">",
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts += [
                    format_html('\n  <option value="{}"', str(option["value"])),
                    _attributes(option["attrs"]),
                    format_html(">{}</option>\n", option["label"]),
                ]
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every part is escaped above


def _attributes(attrs: dict) -> str:
    """HTML attributes as django/forms/widgets/attrs.html writes them, escaped."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(QuickSelectMixin, forms.Select):
    pass


class LabelledAutocompleteMixin:
    """An autocomplete widget whose selected options can be labelled without a query.

    Django's widget looks up the records it shows as selected, one query per widget: on an
    inline of 20 rows with a person and sources, 40 queries. An inline formset
    (LabelledInlineFormSet) looks the records of all its rows up at once and hands each
    widget `labels`; a widget without them (the parent's form) asks as Django's does.
    """

    labels: dict[str, str] | None = None

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        labels = self.labels
        if labels is None:
            return super().optgroups(name, value, attr)  # type: ignore[misc]
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]  # type: ignore[attr-defined]
        options: list[dict[str, Any]] = []
        if not self.is_required and not self.allow_multiple_selected:  # type: ignore[attr-defined]
            options.append(self.create_option(name, "", "", False, 0))  # type: ignore[attr-defined]
        # As Django's: only records among the choices (those the user may see) are shown.
        for option_value in dict.fromkeys(selected):
            if option_value in labels:
                options.append(
                    self.create_option(  # type: ignore[attr-defined]
                        name, option_value, labels[option_value], True, len(options)
                    )
                )
        return [(None, options, 0)]


class LabelledAutocompleteSelect(QuickSelectMixin, LabelledAutocompleteMixin, AutocompleteSelect):
    pass


class LabelledAutocompleteSelectMultiple(
    QuickSelectMixin, LabelledAutocompleteMixin, AutocompleteSelectMultiple
):
    pass


class VisibleChoicesMixin:
    """Related records offered (and accepted when posted) are only those the user may see."""

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        related = db_field.related_model._default_manager
        kwargs["queryset"] = visible(kwargs.get("queryset", related.all()), request.user)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = LabelledAutocompleteSelect(
                db_field,
                self.admin_site,  # type: ignore[attr-defined]
                using=kwargs.get("using"),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: Any = None, **kwargs: Any) -> Any:
        related = db_field.related_model._default_manager
        kwargs["queryset"] = visible(kwargs.get("queryset", related.all()), request.user)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = LabelledAutocompleteSelectMultiple(
                db_field,
                self.admin_site,  # type: ignore[attr-defined]
                using=kwargs.get("using"),
            )
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


class QuickErrorList(ErrorList):
    """No errors draw nothing, without a template: a page of a hundred rows asks each of
    its fields for its errors, nearly always none."""

    def render(
        self, template_name: Any = None, context: Any = None, renderer: Any = None
    ) -> SafeString:
        if not self.data:
            return SafeString("")
        return super().render(template_name, context, renderer)


class LabelledInlineFormSet(forms.BaseInlineFormSet):
    """An inline formset whose autocomplete widgets cost one query per field, not per row.

    Once the rows' forms are built, the records selected in each autocomplete field of all
    rows are looked up together, among the field's choices (so, as Django's widget would,
    only those the user may see), and each row's widget labels its own from them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_class", QuickErrorList)
        super().__init__(*args, **kwargs)

    @cached_property
    def forms(self) -> list:
        forms = super().forms
        if forms:
            for name, field in forms[0].fields.items():
                if isinstance(_autocomplete(field), LabelledAutocompleteMixin):
                    labels = _labels(field, [form[name].value() for form in forms])
                    for form in forms:
                        _autocomplete(form.fields[name]).labels = labels  # type: ignore[union-attr]
        return forms


def _autocomplete(field: forms.Field) -> Any:
    """The widget itself, inside the admin's wrapper that adds the "add another" links."""
    return getattr(field.widget, "widget", field.widget)


def _labels(field: Any, values: list) -> dict[str, str]:
    """{value: label} of the records among `field`'s choices that `values` select."""
    wanted: set[str] = set()
    for value in values:
        for one in value if isinstance(value, (list, tuple)) else [value]:
            if one not in field.empty_values:
                wanted.add(str(one))
    if not wanted:
        return {}
    widget = _autocomplete(field)
    remote_opts = widget.field.remote_field.model._meta
    to_field = remote_opts.get_field(
        getattr(widget.field.remote_field, "field_name", remote_opts.pk.attname)
    ).attname
    records = field.queryset.using(widget.db).filter(**{f"{to_field}__in": wanted})
    return {str(getattr(record, to_field)): field.label_from_instance(record) for record in records}


class VisibleInlineMixin(VisibleChoicesMixin):
    """For inlines: choices of related records follow the visibility rule too; the rows
    come with the records their forms and titles show (one query each, not one per row)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = visible(super().get_queryset(request), request.user)  # type: ignore[misc]
        shown = self._shown_field_names()
        opts = self.model._meta  # type: ignore[attr-defined]
        # Titles of rows name their person, organisation or article (e.g. Charge.__str__).
        joined = [f.name for f in opts.fields if isinstance(f, ForeignKey) and f.name in shown]
        # A many-to-many field's current values are the form's initial data.
        many = [
            f.name for f in opts.many_to_many if isinstance(f, ManyToManyField) and f.name in shown
        ]
        return rows.select_related(*joined).prefetch_related(*many)

    def _shown_field_names(self) -> set[str]:
        declared = self.fields  # type: ignore[attr-defined]
        if declared:
            names: set[str] = set()
            for entry in declared:
                names.update(entry if isinstance(entry, (list, tuple)) else [entry])
            return names
        opts = self.model._meta  # type: ignore[attr-defined]
        excluded = set(self.exclude or ())  # type: ignore[attr-defined]
        return {f.name for f in [*opts.fields, *opts.many_to_many] if f.name not in excluded}

    def formfield_for_choice_field(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name not in self.radio_fields:  # type: ignore[attr-defined]
            kwargs.setdefault("widget", QuickSelect)
        return super().formfield_for_choice_field(db_field, request, **kwargs)  # type: ignore[misc]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("formset", self.formset)  # type: ignore[attr-defined]
        if not issubclass(kwargs["formset"], LabelledInlineFormSet):
            base = kwargs["formset"]
            kwargs["formset"] = type(base.__name__, (LabelledInlineFormSet, base), {})
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]


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

    shown_at_most = 10
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
            # The one count the page needs: "Showing 10 of 2,000". Asked even of a short
            # list, so that the page's queries are as many for 10 rows as for 10,000.
            self.total = rows.count()
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
    the newest `shown_at_most`, and a line "Showing 10 of 2,000 — see all" links to the
    model's change list filtered by the parent, where the rest are paginated."""

    # Ten: with six inlines of twenty, the page took over a second to draw and its form held
    # more fields than Django accepts in one POST (DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000).
    shown_at_most = 10
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
