"""Every staff page runs no more queries with many rows than with few: a case grown from a
handful of facts to dozens of each kind, dozens more cases, persons and letters, and no
page asks the database once per row.

(The pages users open most are pinned to an exact count beside their own tests:
test_dashboard.py, test_case_list.py, test_timeline.py, test_query_pins.py.)"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casefiles.models import EventParticipant, SentenceStep
from people.roles import EDITOR, LETTERS
from tests.conftest import logged_in, make_user
from tests.factories import (
    CaseFactory,
    CasePartyFactory,
    ChargeFactory,
    DetentionFactory,
    EventFactory,
    HearingFactory,
    PersonFactory,
    SourceFactory,
)
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db
D = datetime.date


def _grow(case, count: int, *, start: int = 0) -> None:
    """`count` more of every kind of fact in `case`, each with a person and a source, and
    `count` more cases with their prisoner, persons named alike and letters."""
    source = SourceFactory(title="Court records")
    for n in range(start, start + count):
        day = D(2020, 1, 1) + datetime.timedelta(days=n)
        person = PersonFactory(given_name=f"Oleg{n}", family_name="Petrov")
        CasePartyFactory(case=case, person=person)
        event = EventFactory(case=case, occurred_on=day)
        event.sources.add(source)
        EventParticipant.objects.create(event=event, person=person, role="target")
        ChargeFactory(case=case, person=person, brought_on=day).sources.add(source)
        DetentionFactory(case=case, person=person, started_on=day, planned_end=day)
        HearingFactory(case=case, held_on=day).defendants.add(person)
        SentenceStep.objects.create(
            case=case, person=person, kind="imposed", occurred_on=day, months=12
        )
        other = CaseFactory(reference=f"KZ-GROW-{n:03d}", title=f"Petrov case {n}")
        CasePartyFactory(case=other, person=person)
        make_letter(case=case if n % 2 else other)


def _pages(case) -> dict[str, str]:
    """A page of every kind staff open, for one case and the records in it."""
    event = case.events.order_by("pk").first()
    party = case.parties.order_by("pk").first()
    person = party.person
    charge = case.charges.order_by("pk").first()
    detention = case.detentions.order_by("pk").first()
    hearing = case.hearings.order_by("pk").first()
    step = case.sentence_steps.order_by("pk").first()
    source = event.sources.order_by("pk").first()
    letter = case.letters.order_by("pk").first()
    return {
        "dashboard": reverse("staff:dashboard"),
        "case list": reverse("staff:case_list"),
        "case list, free text": reverse("staff:case_list") + "?q=Petrov",
        "case list, detained now": reverse("staff:case_list") + "?detained_now=true",
        "case page": reverse("staff:case_detail", args=[case.pk]),
        "case page, one kind": reverse("staff:case_detail", args=[case.pk]) + "?kind=hearing",
        "case page, one person": reverse("staff:case_detail", args=[case.pk])
        + f"?person={person.pk}",
        "earlier entries": reverse("staff:case_timeline", args=[case.pk]) + "?page=2",
        "brief": reverse("staff:case_brief", args=[case.pk]),
        "person page": reverse("staff:person_detail", args=[person.pk]),
        "person picker": reverse("staff:person_picker") + "?q=Petrov",
        "search": reverse("staff:search") + "?q=Petrov",
        "letters list": reverse("letters:list"),
        "letter page": reverse("letters:detail", args=[letter.pk]),
        "new case": reverse("staff:case_new"),
        "new person": reverse("staff:person_add"),
        "edit person": reverse("staff:person_edit", args=[person.pk]),
        "add party": reverse("staff:party_add", args=[case.pk]),
        "edit party": reverse("staff:party_edit", args=[party.pk]),
        "add event": reverse("staff:event_add", args=[case.pk]),
        "edit event": reverse("staff:event_edit", args=[event.pk]),
        "add charge": reverse("staff:charge_add", args=[case.pk]),
        "edit charge": reverse("staff:charge_edit", args=[charge.pk]),
        "verdict": reverse("staff:verdict_record", args=[case.pk]),
        "log detention": reverse("staff:detention_log", args=[case.pk]),
        "edit detention": reverse("staff:detention_edit", args=[detention.pk]),
        "log hearing": reverse("staff:hearing_log", args=[case.pk]),
        "edit hearing": reverse("staff:hearing_edit", args=[hearing.pk]),
        "log sentence step": reverse("staff:sentence_step_log", args=[case.pk]),
        "edit sentence step": reverse("staff:sentence_step_edit", args=[step.pk]),
        "add source": reverse("staff:source_add", args=[case.pk]),
        "edit source": reverse("staff:source_edit", args=[source.pk]),
        "calendar": reverse("staff:calendar"),
        "import": reverse("staff:import_upload"),
    }


def _counts(client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        client.get(url)  # the first request warms the caches (content types, sessions)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        counts[name] = len(queries)
    return counts


def test_no_staff_page_runs_more_queries_with_more_rows():
    user = make_user("greta_grows", EDITOR, LETTERS)
    client = logged_in(user)
    case = CaseFactory(reference="KZ-GROW", title="The growing case")
    _grow(case, 2)
    pages = _pages(case)
    few = _counts(client, pages)

    _grow(case, 25, start=2)
    many = _counts(client, pages)

    # Never more; fewer is allowed: with few names matching, search and the pickers also look
    # for near spellings, which a full page of matches makes pointless.
    grown = {name: (few[name], many[name]) for name in pages if many[name] > few[name]}
    assert not grown, f"queries (with few rows, with many) of the pages that grew: {grown}"
