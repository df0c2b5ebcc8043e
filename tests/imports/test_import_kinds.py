"""Each kind of import through its service: cases (with their political prisoner), then their
detentions, charges, events and sources, from the files in tests/fixtures/import/."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from casefiles.models import Article, Case, Charge, Detention, Event, ImportRun, Source
from casefiles.services.imports import import_apply, import_preview
from people.models import Person
from tests.imports.conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def _import(editor, kind: str) -> ImportRun:
    run = import_preview(
        user=editor, kind=kind, content=fixture_bytes(f"{kind}.csv"), name=f"{kind}.csv"
    )
    return import_apply(run=run, user=editor)


def _errors(run: ImportRun) -> list[str]:
    return [error for row in run.report for error in row["errors"]]


def _counts(run: ImportRun) -> tuple[int, int, int, int]:
    return (run.created, run.updated, run.matched, run.errors)


@pytest.fixture
def cases(editor) -> ImportRun:
    return _import(editor, "cases")


def test_cases_are_opened_with_their_person_as_political_prisoner(editor, cases):
    assert _counts(cases) == (2, 0, 0, 1)
    assert _errors(cases) == [
        "row 4, country: “Atlantis” is not a country: give its name or its two-letter code."
    ]
    bokayev = Case.objects.get(reference="KZ-2016-BOKAYEV")
    assert bokayev.country == "KZ"
    assert bokayev.opened_on == datetime.date(2016, 5, 1)
    assert not bokayev.restricted
    assert bokayev.parties.get().person.name_original == "Макс Бокаев"
    ayan = Case.objects.get(reference="KZ-2016-AYAN")
    assert ayan.restricted
    assert editor in ayan.assigned_staff.all()  # so the restricted case stays theirs
    assert _counts(_import(editor, "cases")) == (0, 0, 2, 1)
    assert Case.objects.count() == 2


def test_detentions_match_the_case_party_in_either_script(editor, cases):
    run = _import(editor, "detentions")
    assert _counts(run) == (2, 0, 0, 2)
    assert _errors(run) == [
        "row 4, arrest date (Дата ареста): 31.02.2021 is not a date: write 2017-08-03 or "
        "03.08.2017, 2017-08 for a month, 2017 for a year.",
        "row 5, name (ФИО): Nurlan Someone is not a party to case KZ-2016-AYAN: add them to "
        "the case (or import it) first.",
    ]
    pretrial = Detention.objects.get(measure="pretrial")
    assert pretrial.person.family_name == "Bokayev"
    assert pretrial.planned_end == datetime.date(2016, 7, 17)
    assert pretrial.facility == "SIZO Atyrau"
    prison = Detention.objects.get(measure="imprisonment")
    assert (prison.started_on, prison.started_on_precision) == (datetime.date(2016, 11, 1), "month")
    assert _counts(_import(editor, "detentions")) == (0, 0, 2, 2)
    assert Detention.objects.count() == 2


def test_charges_cite_articles_of_the_case_country(editor, cases):
    run = _import(editor, "charges")
    assert _counts(run) == (1, 0, 0, 2)
    assert _errors(run) == [
        "row 3, article: Art. 274 of the code of Kazakhstan is not on file: give its title in "
        "an “Article title” column to add it.",
        "row 4, verdict date: Give the date on which the charge was acquitted.",
    ]
    charge = Charge.objects.get()
    assert charge.article == Article.objects.get(jurisdiction="KZ", number="174", part="2")
    assert (charge.brought_on_precision, charge.status) == ("month", "convicted")
    assert charge.decided_on == datetime.date(2016, 11, 28)
    assert _counts(_import(editor, "charges")) == (0, 0, 1, 2)
    assert Charge.objects.count() == 1


def test_events_and_the_sources_that_support_them(editor, cases):
    events = _import(editor, "events")
    assert _counts(events) == (3, 0, 0, 1)
    assert _errors(events)[0].startswith("row 5, date: 2016-13-01 is not a date")
    verdict = Event.objects.get(kind="verdict")
    assert verdict.occurred_on == datetime.date(2016, 11, 28)
    assert Event.objects.get(kind="release").precision == "approx"
    sources = _import(editor, "sources")
    assert _counts(sources) == (1, 0, 0, 2)
    assert _errors(sources) == [
        "row 3, url: Enter a web address starting with http:// or https://.",
        "row 4, fact date: Case KZ-2016-AYAN records nothing on 2001-01-01.",
    ]
    source = Source.objects.get()
    assert list(source.events.all()) == [verdict]
    assert _counts(_import(editor, "events")) == (0, 0, 3, 1)
    assert _counts(_import(editor, "sources")) == (0, 0, 1, 2)
    assert (Event.objects.count(), Source.objects.count()) == (3, 1)


def test_nothing_is_written_when_a_row_is_refused_at_confirmation(editor):
    run = import_preview(
        user=editor, kind="cases", content=fixture_bytes("cases.csv"), name="cases.csv"
    )
    # Between the preview and the confirmation a colleague opens KZ-2016-AYAN, restricted
    # to others: row 3 is refused now, so neither case is written.
    Case.objects.create(
        reference="KZ-2016-AYAN", title="Opened by hand", country="KZ", restricted=True
    )
    with pytest.raises(ValidationError) as refusal:
        import_apply(run=run, user=editor)
    assert "row 3, reference: A case with this reference exists." in refusal.value.messages
    assert list(Case.objects.values_list("reference", flat=True)) == ["KZ-2016-AYAN"]
    assert not Person.objects.exists()
    run.refresh_from_db()
    assert run.status == "previewed"
