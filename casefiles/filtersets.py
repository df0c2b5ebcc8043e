"""Filters for the case list: what staff narrow cases by, and a free-text `q` across scripts."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_countries import countries

from casefiles.choices import CaseStatus
from casefiles.models import Article, Case, Detention
from casefiles.search import cases_matching, persons_matching


def detained_now_condition() -> Exists:
    today = timezone.localdate()
    return Exists(Detention.objects.custodial_on(today).filter(case=OuterRef("pk")))


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_q",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Reference, title or any name"}
        ),
    )
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, empty_label="Any status")
    country = django_filters.ChoiceFilter(choices=countries, empty_label="Any country")
    person = django_filters.CharFilter(
        label="Person",
        method="filter_person",
        widget=forms.TextInput(attrs={"placeholder": "Any spelling, any script"}),
    )
    article = django_filters.ModelChoiceFilter(
        queryset=Article.objects.all(),
        field_name="charges__article",
        distinct=True,
        empty_label="Any article",
    )
    detained_now = django_filters.BooleanFilter(
        label="Someone detained now",
        method="filter_detained_now",
        widget=forms.CheckboxInput,
    )
    opened = django_filters.DateFromToRangeFilter(
        field_name="opened_on",
        label="Opened between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("reference", "reference"),
            ("title", "title"),
            ("opened_on", "opened"),
            ("status", "status"),
            ("country", "country"),
        ),
        field_labels={"opened_on": "Opened"},
        label="Sort by",
        empty_label="Newest first",
    )

    class Meta:
        model = Case
        fields = ["q", "status", "country", "person", "article", "detained_now", "opened"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        used = set(Case.objects.order_by().values_list("country", flat=True).distinct())
        self.filters["country"].extra["choices"] = [
            (code, name) for code, name in countries if code in used
        ]
        self.form.fields["country"].choices = [
            ("", "Any country"),
            *self.filters["country"].extra["choices"],
        ]

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        text = (
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(summary__icontains=value)
        )
        by_name = cases_matching(value, Case.objects.all()).values("pk")
        return queryset.filter(text | Q(pk__in=by_name))

    def filter_person(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        persons = persons_matching(value).values("pk")
        return queryset.filter(parties__person__in=persons).distinct()

    def filter_detained_now(self, queryset: QuerySet[Case], name: str, value) -> QuerySet[Case]:
        if value:
            return queryset.filter(detained_now_condition())
        return queryset
