"""Filters of the API lists (django-filter). The case list reuses the staff page's
`CaseFilterSet`; the rest filter by the ids of the records they belong to.

Ids are filtered as numbers, never checked against the related table: "no such case"
for a hidden case's id would tell that it exists."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Model, Q, QuerySet

from casefiles.filtersets import CaseFilterSet
from casefiles.models import CaseParty, Charge, Detention, Event, Hearing, SentenceStep, Source
from casefiles.search import best_match_first, organisations_matching, persons_matching
from casefiles.views.base import QUERY_MAX
from people.models import Organisation, Person, Position

ID_MAX = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


def _search(**kwargs) -> django_filters.CharFilter:
    return django_filters.CharFilter(method="filter_q", max_length=QUERY_MAX, **kwargs)


class ApiCaseFilterSet(CaseFilterSet):
    """The case list's filters, with the text boxes bounded as the page bounds them."""

    q = django_filters.CharFilter(
        method="filter_q", max_length=QUERY_MAX, help_text="Reference, title or any name."
    )
    person = django_filters.CharFilter(
        method="filter_person",
        max_length=QUERY_MAX,
        help_text="A party's name in any spelling and any script.",
    )


class PersonFilterSet(django_filters.FilterSet):
    q = _search(help_text="Any name or alias, in any script or spelling; best match first.")
    case = IdFilter(field_name="case_parties__case", distinct=True, help_text="A party to case.")

    class Meta:
        model = Person
        fields = ["q", "case"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        found = persons_matching(value, queryset)
        return best_match_first(found, value, owner="person")


class OrganisationFilterSet(django_filters.FilterSet):
    q = _search(help_text="Name, abbreviation or original-script name, in any script.")

    class Meta:
        model = Organisation
        fields = ["q", "kind", "country"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        found = organisations_matching(value, queryset)
        return best_match_first(found, value, owner="organisation")


class PositionFilterSet(django_filters.FilterSet):
    person = IdFilter()
    organisation = IdFilter()

    class Meta:
        model = Position
        fields = ["person", "organisation"]


def _case_fact_filterset(model_class: type[Model], *choice_fields: str) -> type:
    """Filters for a fact of a case: its case, its person (where it has one) and its kinds."""
    attrs: dict = {"case": IdFilter()}
    names = ["case"]
    if any(field.name == "person" for field in model_class._meta.get_fields()):
        attrs["person"] = IdFilter()
        names.append("person")
    meta = type("Meta", (), {"model": model_class, "fields": [*names, *choice_fields]})
    return type(
        f"{model_class.__name__}FilterSet", (django_filters.FilterSet,), {**attrs, "Meta": meta}
    )


PartyFilterSet = _case_fact_filterset(CaseParty, "role")
ChargeFilterSet = _case_fact_filterset(Charge, "status")
DetentionFilterSet = _case_fact_filterset(Detention, "measure")
SentenceStepFilterSet = _case_fact_filterset(SentenceStep, "kind")
EventFilterSet = _case_fact_filterset(Event, "kind")


class HearingFilterSet(django_filters.FilterSet):
    case = IdFilter()
    held = django_filters.DateFromToRangeFilter(field_name="held_on")

    class Meta:
        model = Hearing
        fields = ["case", "kind", "held"]


class SourceFilterSet(django_filters.FilterSet):
    q = _search(help_text="Words of the title or publisher.")

    class Meta:
        model = Source
        fields = ["q"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:10]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(publisher__icontains=word))
        return queryset
