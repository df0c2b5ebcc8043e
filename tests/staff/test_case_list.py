"""The case list: filters, sort, pages, CSV export, and a query count that does not grow."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from casefiles.choices import CaseStatus, PartyRole
from casefiles.models import Case, CaseParty, Detention
from people.models import Person
from tests.factories import (
    ArticleFactory,
    CaseFactory,
    CasePartyFactory,
    ChargeFactory,
    DetentionFactory,
    PersonFactory,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def _references(response) -> list[str]:
    return [case.reference for case in response.context["page"].object_list]


@pytest.fixture
def cases(db):
    kz = CaseFactory(
        reference="KZ-1", title="Activists of Zhanaozen", country="KZ", opened_on=D(2021, 6, 5)
    )
    by = CaseFactory(
        reference="BY-1",
        title="Minsk protesters",
        country="BY",
        status=CaseStatus.CLOSED,
        opened_on=D(2020, 8, 10),
    )
    ru = CaseFactory(
        reference="RU-1",
        title="Moscow journalists",
        country="RU",
        status=CaseStatus.MONITORING,
        opened_on=D(2022, 3, 1),
    )
    jussupov = PersonFactory(given_name="Baurzhan", family_name="Jussupov")
    CasePartyFactory(case=kz, person=jussupov)
    article = ArticleFactory(number="262", part="2", title="Participation in a criminal group")
    ChargeFactory(case=kz, person=jussupov, article=article)
    prisoner = PersonFactory()
    CasePartyFactory(case=by, person=prisoner)
    DetentionFactory(case=by, person=prisoner, started_on=D(2020, 8, 10))
    released = PersonFactory()
    DetentionFactory(case=ru, person=released, started_on=D(2022, 3, 1), actual_end=D(2022, 4, 1))
    return {"kz": kz, "by": by, "ru": ru, "article": article}


def test_without_filters_every_case_is_listed_newest_first(cases, viewer_client):
    assert _references(viewer_client.get(reverse("staff:case_list"))) == ["RU-1", "KZ-1", "BY-1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "closed"}, ["BY-1"]),
        ({"country": "KZ"}, ["KZ-1"]),
        ({"person": "Жусупов"}, ["KZ-1"]),
        ({"q": "zhusupov"}, ["KZ-1"]),
        ({"q": "minsk"}, ["BY-1"]),
        ({"q": "Jusupov"}, ["KZ-1"]),  # a letter dropped from a party's name
        ({"q": "ru-1"}, ["RU-1"]),  # the reference
        ({"q": "Zhanaozen activists"}, ["KZ-1"]),  # words of the title, in any order
        ({"detained_now": "on"}, ["BY-1"]),
        ({"opened_after": "2021-01-01", "opened_before": "2021-12-31"}, ["KZ-1"]),
        ({"sort": "reference"}, ["BY-1", "KZ-1", "RU-1"]),
        ({"sort": "-reference"}, ["RU-1", "KZ-1", "BY-1"]),
    ],
)
def test_each_filter_narrows_the_list(cases, viewer_client, params, expected):
    assert _references(viewer_client.get(reverse("staff:case_list"), params)) == expected


def test_the_article_filter_lists_cases_with_a_charge_under_it(cases, viewer_client):
    response = viewer_client.get(reverse("staff:case_list"), {"article": cases["article"].pk})
    assert _references(response) == ["KZ-1"]


def test_the_filtered_list_exports_to_csv(cases, viewer_client):
    response = viewer_client.get(reverse("staff:case_list"), {"country": "KZ", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Reference", "Title", "Country"]
    assert rows[1][:4] == ["KZ-1", "Activists of Zhanaozen", "Kazakhstan", "Active"]
    assert len(rows) == 2


def test_csv_cells_that_look_like_formulas_are_neutralised(viewer_client):
    CaseFactory(reference="X-1", title='=HYPERLINK("http://evil")')
    response = viewer_client.get(reverse("staff:case_list"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body


def test_the_list_is_paginated_keeping_the_filters(viewer_client):
    for n in range(30):
        CaseFactory(reference=f"KZ-P-{n:02d}", country="KZ")
    response = viewer_client.get(reverse("staff:case_list"), {"country": "KZ", "sort": "reference"})
    assert len(response.context["page"].object_list) == 25
    assert "country=KZ&amp;sort=reference&amp;page=2" in response.content.decode()
    second = viewer_client.get(
        reverse("staff:case_list"), {"country": "KZ", "sort": "reference", "page": 2}
    )
    assert len(second.context["page"].object_list) == 5


# Pinned: the user with their permissions and their groups' (1: the session comes from the
# cache, see tests/settings.py); the countries in use, for the country filter (1); count for
# the paginator (1); the page of cases with detained-now (1); their person parties (1); the
# articles for the article filter (1).
CASE_LIST_QUERIES = 6


@pytest.mark.parametrize("count", [10, 500])
def test_the_case_list_runs_the_same_queries_with_10_and_500_cases(
    viewer_client, django_assert_num_queries, count
):
    for n in range(count):
        case = CaseFactory(reference=f"KZ-N-{n:04d}")
        if n < 30:
            person = PersonFactory()
            CasePartyFactory(case=case, person=person)
            DetentionFactory(case=case, person=person)
    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = viewer_client.get(reverse("staff:case_list"))
    assert response.context["page"].paginator.count == count


def _held_cases(count: int) -> None:
    """`count` cases in two countries, each with someone held today (their term ending in
    five days) and someone released.
    Written in bulk: at 500 the factories would take most of the test's time."""
    cases = Case.objects.bulk_create(
        [
            Case(reference=f"KZ-H-{n:04d}", title="Held", country="KZ" if n % 2 else "BY")
            for n in range(count)
        ]
    )
    persons = Person.objects.bulk_create(
        [Person(given_name=f"Held{n}", family_name="Person") for n in range(2 * count)]
    )
    CaseParty.objects.bulk_create(
        [
            CaseParty(case=cases[n // 2], person=person, role=PartyRole.POLITICAL_PRISONER)
            for n, person in enumerate(persons)
        ]
    )
    Detention.objects.bulk_create(
        [
            Detention(
                case=cases[n // 2],
                person=person,
                measure="pretrial",
                started_on=D(2024, 1, 1),
                actual_end=D(2024, 2, 1) if n % 2 else None,
                planned_end=None if n % 2 else timezone.localdate() + datetime.timedelta(days=5),
            )
            for n, person in enumerate(persons)
        ]
    )


@pytest.mark.parametrize("count", [10, 500])
@pytest.mark.parametrize(
    "params",
    [
        {"detained_now": "on"},
        {"status": "active", "country": "KZ"},
        {"status": "active", "country": "KZ", "detained_now": "on", "sort": "reference"},
        {"term_ending": "on", "country": "KZ"},
    ],
)
def test_a_filtered_case_list_runs_the_same_queries_with_10_and_500_cases(
    viewer_client, django_assert_num_queries, count, params
):
    _held_cases(count)
    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = viewer_client.get(reverse("staff:case_list"), params)
    page = response.context["page"]
    assert page.paginator.count > 0
    assert len(page.object_list) == min(page.paginator.count, 25)


def test_every_case_listed_as_detained_now_is_tagged_and_only_those(viewer_client):
    _held_cases(4)
    released = CaseFactory(reference="KZ-RELEASED")
    DetentionFactory(case=released, started_on=D(2020, 1, 1), actual_end=D(2020, 6, 1))
    response = viewer_client.get(reverse("staff:case_list"))
    tagged = {case.reference: case.detained_now for case in response.context["page"]}
    assert tagged == {"KZ-H-0000": True, "KZ-H-0001": True, "KZ-H-0002": True,
                      "KZ-H-0003": True, "KZ-RELEASED": False}  # fmt: skip
    assert response.content.decode().count("detained now</span>") == 4
    detained = viewer_client.get(reverse("staff:case_list"), {"detained_now": "on"})
    assert detained.context["page"].paginator.count == 4


def _restricted_held_case():
    hidden = CaseFactory(reference="KZ-SECRET", restricted=True)
    DetentionFactory(case=hidden, person=PersonFactory(given_name="Hidden"))
    DetentionFactory(case=CaseFactory(reference="KZ-OPEN"))
    return hidden


@pytest.mark.parametrize("params", [{}, {"detained_now": "on"}, {"country": "KZ"}])
def test_a_restricted_case_is_neither_counted_nor_listed_for_staff_not_assigned(
    viewer_client, params
):
    _restricted_held_case()
    response = viewer_client.get(reverse("staff:case_list"), params)
    assert _references(response) == ["KZ-OPEN"]
    assert response.context["page"].paginator.count == 1
    assert "KZ-SECRET" not in response.content.decode()


def test_staff_assigned_to_a_restricted_case_find_it_with_the_filters(editor, editor_client):
    hidden = _restricted_held_case()
    hidden.assigned_staff.add(editor)
    response = editor_client.get(reverse("staff:case_list"), {"detained_now": "on"})
    assert sorted(_references(response)) == ["KZ-OPEN", "KZ-SECRET"]
    assert response.context["page"].paginator.count == 2


@pytest.mark.postgres
def test_cases_imported_in_bulk_are_found_by_the_free_text_without_a_vacuum(viewer_client):
    """The free text's trigram indexes take new cases straight in (no pending list that
    every search would read unsorted until a vacuum, as after a bulk import)."""
    from django.db import connection

    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    Case.objects.bulk_create(
        Case(reference=f"IMP-{i:05}", title=f"Imported case {i}", summary=f"Summary {i}")
        for i in range(2_000)
    )
    Case.objects.filter(reference="IMP-01234").update(summary="Held in Zhanaozen since May")

    with connection.cursor() as cursor:
        for column in ("reference", "title", "summary"):
            cursor.execute(
                "SELECT gin_clean_pending_list(%s::regclass)", [f"casefiles_case_{column}_trgm"]
            )
            assert cursor.fetchone() == (0,), f"{column}: new rows waited in a pending list"
    response = viewer_client.get(reverse("staff:case_list"), {"q": "zhanaozen since"})
    assert _references(response) == ["IMP-01234"]
