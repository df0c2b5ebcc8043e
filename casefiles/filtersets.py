"""Filters for the case list: what staff narrow cases by, and a free-text `q` across scripts."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull, Lookup
from django.utils import timezone
from django_countries import countries

from casefiles.choices import CaseStatus, SentenceStepKind
from casefiles.models import (
    SENTENCE_MONTHS_MAX,
    Article,
    Case,
    CaseParty,
    Detention,
    Hearing,
    SentenceStep,
)
from casefiles.search import among, matching_case_ids, matching_names
from casefiles.selectors import UPCOMING_DAYS, hearing_upcoming, term_ending

# On SQLite, up to this many cases found by a free-text query are listed by id (one
# parameter each); beyond, the match stays a subquery.
FOUND_IDS_LISTED = 1_000


def _found_once(found: QuerySet[Case]) -> Q | Lookup:
    """`pk IN` the cases `found`, read once. The case list counts its cases, then reads a
    page of them: left a subquery, the names and texts were searched twice more (at 20,000
    cases, most of the page's time). Listed, both queries read a handful of rows by primary
    key. PostgreSQL takes every id found as one array parameter (a common syllable finds
    thousands of cases, at most one id per case); SQLite lists up to FOUND_IDS_LISTED."""
    ids = found.order_by().values_list("pk", flat=True)
    if connection.vendor == "postgresql":
        return among("pk", list(ids))
    listed = list(ids[: FOUND_IDS_LISTED + 1])
    return Q(pk__in=ids if len(listed) > FOUND_IDS_LISTED else listed)


def countries_in_use() -> set[str]:
    """The countries of the cases, for the country filter's choices. Read as a loose index
    scan (the next country after the last one found, by the case_country_order_idx index):
    a handful of index probes, where DISTINCT over the column read all 20,000 cases. Raw SQL
    because the ORM has no recursive query; PostgreSQL and SQLite both run it."""
    table = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE used(country) AS (
                SELECT MIN(country) FROM {table}
                UNION ALL
                SELECT (SELECT MIN(country) FROM {table} WHERE country > used.country)
                FROM used WHERE used.country IS NOT NULL
            )
            SELECT country FROM used WHERE country IS NOT NULL
            """
        )
        return {row[0] for row in cursor.fetchall()}


def detained_now_condition() -> Exists:
    today = timezone.localdate()
    return Exists(Detention.objects.custodial_on(today).filter(case=OuterRef("pk")))


def detained_now_mark() -> IsNull:
    """Each listed case's "detained now" tag: the same rule as the filter, written as "the
    first such measure is not null", which PostgreSQL works out for the 25 cases of the page
    only. As an EXISTS in the row it read every custodial measure for each page."""
    today = timezone.localdate()
    first = Detention.objects.custodial_on(today).filter(case=OuterRef("pk")).order_by()
    return IsNull(Subquery(first.values("pk")[:1]), False)


def term_ending_condition() -> Exists:
    today = timezone.localdate()
    return Exists(Detention.objects.filter(term_ending(today=today), case=OuterRef("pk")))


def hearing_upcoming_condition() -> Exists:
    today = timezone.localdate()
    return Exists(Hearing.objects.filter(hearing_upcoming(today=today), case=OuterRef("pk")))


def _steps_since_verdict(kind: str) -> QuerySet[SentenceStep]:
    """Steps of `kind` of the outer verdict's person and case, on or after its day (on the
    same day, sentences.py orders the verdict first)."""
    return SentenceStep.objects.filter(
        case=OuterRef("case"),
        person=OuterRef("person"),
        kind=kind,
        occurred_on__gte=OuterRef("occurred_on"),
    ).order_by()


def _months_since_verdict(kind: str) -> Coalesce:
    total = (
        _steps_since_verdict(kind).values("case", "person").annotate(total=Sum("months"))
    ).values("total")
    return Coalesce(Subquery(total), Value(0))


def sentenced_over_condition(months: int) -> Exists:
    """Someone in the case whose current total is more than `months`, in SQL: the latest
    verdict's length plus increases and minus reductions since, with no overturn since
    (sentences.sentence_current's rule; a reduction below zero is not floored here, which
    only matters for a chain no court writes)."""
    later_verdict = SentenceStep.objects.filter(
        case=OuterRef("case"), person=OuterRef("person"), kind=SentenceStepKind.IMPOSED
    ).filter(
        Q(occurred_on__gt=OuterRef("occurred_on"))
        | Q(occurred_on=OuterRef("occurred_on"), pk__gt=OuterRef("pk"))
    )
    verdicts = (
        SentenceStep.objects.filter(kind=SentenceStepKind.IMPOSED, case=OuterRef("pk"))
        .exclude(Exists(later_verdict))
        .exclude(Exists(_steps_since_verdict(SentenceStepKind.OVERTURNED)))
        .annotate(
            total=Coalesce(F("months"), Value(0))
            + _months_since_verdict(SentenceStepKind.INCREASED)
            - _months_since_verdict(SentenceStepKind.REDUCED)
        )
        .filter(total__gt=months)
    )
    return Exists(verdicts)


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
    term_ending = django_filters.BooleanFilter(
        label=f"A detention term ends within {UPCOMING_DAYS} days or has run out",
        method="filter_term_ending",
        widget=forms.CheckboxInput,
    )
    hearing_upcoming = django_filters.BooleanFilter(
        label=f"A hearing in the next {UPCOMING_DAYS} days",
        method="filter_hearing_upcoming",
        widget=forms.CheckboxInput,
    )
    sentenced_over_years = django_filters.NumberFilter(
        label="Sentenced to more than (years)",
        method="filter_sentenced_over_years",
        min_value=0,
        max_value=SENTENCE_MONTHS_MAX // 12,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "placeholder": "e.g. 10"}),
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
        fields = [
            "q",
            "status",
            "country",
            "person",
            "article",
            "detained_now",
            "term_ending",
            "hearing_upcoming",
            "sentenced_over_years",
            "opened",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        used = countries_in_use()
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
        # One UNION, not the text OR'ed with the names: each part then uses its own indexes
        # (the text's trigram indexes, migration 0020; the names' keys) instead of testing
        # every case, and the names are matched once.
        found = matching_case_ids(value, also=Case.objects.filter(text).values("pk"))
        return queryset.filter(_found_once(Case.objects.filter(pk__in=found)))

    def filter_person(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        # The cases of the matching names' persons, as a list of ids: no join to the parties
        # (and no DISTINCT over every column to undo it).
        persons = matching_names(value).filter(person__isnull=False).values("person_id")
        return queryset.filter(
            _found_once(
                Case.objects.filter(
                    pk__in=CaseParty.objects.filter(person_id__in=persons).values("case_id")
                )
            )
        )

    def filter_detained_now(self, queryset: QuerySet[Case], name: str, value) -> QuerySet[Case]:
        if value:
            return queryset.filter(detained_now_condition())
        return queryset

    def filter_term_ending(self, queryset: QuerySet[Case], name: str, value) -> QuerySet[Case]:
        if value:
            return queryset.filter(term_ending_condition())
        return queryset

    def filter_hearing_upcoming(self, queryset: QuerySet[Case], name: str, value) -> QuerySet[Case]:
        if value:
            return queryset.filter(hearing_upcoming_condition())
        return queryset

    def filter_sentenced_over_years(
        self, queryset: QuerySet[Case], name: str, value
    ) -> QuerySet[Case]:
        if value is None:
            return queryset
        # Steps belong to the cases already in `queryset`, so visibility carries through.
        return queryset.filter(sentenced_over_condition(int(value * 12)))
