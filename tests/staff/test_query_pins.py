"""Query counts pinned at two sizes: /search/ with 10 and with 500 matching persons, cases
and letters, and /letters/ with 10 and with 500 letters, run the same number of queries.
(The dashboard, the case list and the case page are pinned beside their own tests:
test_dashboard.py, test_case_list.py, test_timeline.py.)

Rows are written in bulk, the search keys rebuilt after, as an import does: 500 of each
through the factories took most of a minute."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casefiles.choices import CaseStatus, PartyRole
from casefiles.models import Case, CaseParty
from casefiles.search import search_names_rebuild
from letters.models import Letter, LetterCase, LetterRecipient, LetterSignatory
from people.models import Alias, Person
from tests.conftest import password_login
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


def _petrovs(count: int) -> None:
    """`count` persons named Petrov (each with an alias), each the prisoner of a case titled
    after them, each case with a letter about Petrov with the recipients and signatories of
    a real one."""
    model = make_letter(reference="LTR-MODEL")
    persons = Person.objects.bulk_create(
        Person(given_name=f"Oleg{n}", family_name="Petrov") for n in range(count)
    )
    Alias.objects.bulk_create(
        Alias(person=person, name=f"O. Petrov {person.pk}") for person in persons
    )
    cases = Case.objects.bulk_create(
        Case(
            reference=f"KZ-PETROV-{n:04d}",
            title=f"Petrov case {n}",
            country="KZ",
            status=CaseStatus.ACTIVE,
            opened_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
        )
        for n in range(count)
    )
    CaseParty.objects.bulk_create(
        CaseParty(case=case, person=person, role=PartyRole.POLITICAL_PRISONER)
        for case, person in zip(cases, persons, strict=True)
    )
    letters = Letter.objects.bulk_create(
        Letter(
            case=case,
            reference=f"LTR-PETROV-{n:04d}",
            subject=f"About Mr Petrov {n}",
            dated_on=datetime.date(2024, 3, 1),
            body=model.body,
        )
        for n, case in enumerate(cases)
    )
    LetterCase.objects.bulk_create(
        LetterCase(letter=letter, case=letter.case) for letter in letters
    )
    recipients = list(model.recipients.all())
    LetterRecipient.objects.bulk_create(
        LetterRecipient(
            letter=letter,
            kind=recipient.kind,
            order=recipient.order,
            title_line=recipient.title_line,
            address_block=recipient.address_block,
        )
        for letter in letters
        for recipient in recipients
    )
    signatories = list(model.signatories.all())
    LetterSignatory.objects.bulk_create(
        LetterSignatory(
            letter=letter,
            person=signatory.person,
            position=signatory.position,
            order=signatory.order,
            signs_as=signatory.signs_as,
            status=signatory.status,
            signed_at=signatory.signed_at,
            signed_via=signatory.signed_via,
        )
        for letter in letters
        for signatory in signatories
    )
    search_names_rebuild()


def _queries(client, url: str, params: dict) -> tuple[int, object]:
    client.get(url, params)  # warm: the session and the content types cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


# Pinned: the user with their permissions (1: the session comes from the cache); the rows
# in hidden cases for the person and the organisation rule (2); the names containing the
# query, ranked, with the cases of their persons — with 10 matches, too few persons to fill
# the page, the names with near spellings instead, in the same query (1); persons best match
# first (1) and their aliases (1); organisations (1); cases (1); letters (1) with their case
# links (1). More matches never add one.
SEARCH_QUERIES = {10: 10, 500: 10}


@pytest.mark.parametrize("count", [10, 500])
def test_search_runs_the_same_queries_with_10_and_500_matches(client, viewer, count):
    _petrovs(count)
    client = password_login(client, viewer)

    queries, response = _queries(client, reverse("staff:search"), {"q": "Petrov"})

    results = response.context["results"]
    shown = min(count, 50)
    assert len(results.persons) == len(results.cases) == shown
    letters = {section.title: records for section, records in results.sections}["Letters"]
    assert len(letters) == shown
    assert queries == SEARCH_QUERIES[count]


# Pinned: the user with their permissions (1); count for the paginator (1); the page of letters
# (1) with their case links (1); letters waiting for signatures and ready to send (2). The case
# filter is typed: no list of the cases with letters.
LETTER_LIST_QUERIES = 6


@pytest.mark.parametrize("count", [10, 500])
def test_the_letters_list_runs_the_same_queries_with_10_and_500_letters(client, viewer, count):
    _petrovs(count)
    client = password_login(client, viewer)

    queries, response = _queries(client, reverse("letters:list"), {})

    assert response.context["page"].paginator.count == count + 1  # and the model letter
    assert queries == LETTER_LIST_QUERIES


# The case list's own queries (test_case_list.CASE_LIST_QUERIES) and one more: the cases the
# text or the person's names find, read once as a list of ids.
CASE_LIST_FOUND_QUERIES = 7


@pytest.mark.parametrize("params", [{"q": "Petrov"}, {"person": "Петров"}])
@pytest.mark.parametrize("count", [10, 500])
def test_the_case_list_filtered_by_a_name_runs_the_same_queries_with_10_and_500(
    client, viewer, count, params
):
    _petrovs(count)
    client = password_login(client, viewer)

    queries, response = _queries(client, reverse("staff:case_list"), params)

    assert response.context["page"].paginator.count == count
    assert queries == CASE_LIST_FOUND_QUERIES
