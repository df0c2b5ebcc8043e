"""Logging detentions and hearings: sensible defaults, clear refusals, back to the timeline."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casefiles.models import Detention, Hearing
from casefiles.services import add_months, detention_log, hearing_log, term_end, term_parse
from tests.factories import CaseFactory, CasePartyFactory, PersonFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2 months", (2, "months")),
        ("10 days", (10, "days")),
        ("1 year", (1, "years")),
        ("3m", (3, "months")),
        (" 6 Months ", (6, "months")),
    ],
)
def test_the_ordered_term_is_read_as_typed(text, parsed):
    assert term_parse(text) == parsed


@pytest.mark.parametrize("text", ["two months", "2", "months", "0 days", "2 weeks"])
def test_a_term_that_is_not_a_number_and_a_unit_is_refused_with_an_example(text):
    with pytest.raises(ValidationError):
        term_parse(text)


def test_two_months_from_5_june_2021_ends_5_august_2021():
    assert term_end(started_on=D(2021, 6, 5), length=2, unit="months") == D(2021, 8, 5)


def test_a_month_from_31_january_ends_on_the_last_day_of_february():
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert term_end(started_on=D(2021, 6, 5), length=10, unit="days") == D(2021, 6, 15)


@pytest.fixture
def case_with_prisoner(db):
    party = CasePartyFactory(person=PersonFactory(given_name="Bekizhan", family_name="Mendygazyev"))
    return party.case, party.person


def test_the_service_computes_the_planned_end_from_the_term(case_with_prisoner):
    case, person = case_with_prisoner
    detention = detention_log(
        case=case,
        person=person,
        measure="pretrial",
        started_on=D(2021, 6, 5),
        term_length=2,
        term_unit="months",
    )
    assert detention.planned_end == D(2021, 8, 5)
    assert detention.history.count() == 1


def test_the_service_refuses_a_person_who_is_not_a_party(case_with_prisoner):
    case, _ = case_with_prisoner
    stranger = PersonFactory(given_name="Rinat", family_name="Batkayev")
    with pytest.raises(ValidationError, match="Rinat Batkayev is not a party"):
        detention_log(case=case, person=stranger, measure="pretrial", started_on=D(2021, 6, 5))
    assert not Detention.objects.exists()


def test_the_detention_form_offers_the_prisoner_today_and_pretrial_detention(
    case_with_prisoner, editor_client
):
    case, person = case_with_prisoner
    response = editor_client.get(reverse("staff:detention_log", args=[case.pk]))
    form = response.context["form"]
    assert form.initial["person"] == person.pk
    assert form.initial["started_on"] == timezone.localdate()
    assert form["measure"].value() == "pretrial"


def test_logging_a_detention_goes_back_to_the_timeline_with_the_entry_marked(
    case_with_prisoner, editor_client
):
    case, person = case_with_prisoner
    response = editor_client.post(
        reverse("staff:detention_log", args=[case.pk]),
        {
            "person": person.pk,
            "measure": "pretrial",
            "started_on": "2021-06-05",
            "term": "2 months",
        },
    )
    detention = Detention.objects.get()
    anchor = f"detention-{detention.pk}"
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/?new={anchor}#{anchor}"
    assert detention.planned_end == D(2021, 8, 5)
    assert (detention.term_length, detention.term_unit) == (2, "months")
    page = editor_client.get(response["Location"])
    assert f'id="{anchor}" class="entry kind-detention_start new' in page.content.decode()


def test_it_rejects_a_detention_that_ends_before_it_starts(case_with_prisoner, editor_client):
    case, person = case_with_prisoner
    response = editor_client.post(
        reverse("staff:detention_log", args=[case.pk]),
        {
            "person": person.pk,
            "measure": "pretrial",
            "started_on": "2021-06-05",
            "actual_end": "2021-06-01",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["actual_end"] == [
        "The detention cannot end (1 Jun 2021) before it starts (5 Jun 2021)."
    ]
    assert not Detention.objects.exists()


def test_it_rejects_a_detention_of_someone_not_party_to_the_case(case_with_prisoner, editor_client):
    case, _ = case_with_prisoner
    stranger = PersonFactory(given_name="Rinat", family_name="Batkayev")
    response = editor_client.post(
        reverse("staff:detention_log", args=[case.pk]),
        {"person": stranger.pk, "measure": "pretrial", "started_on": "2021-06-05"},
    )
    assert response.status_code == 400
    assert "Rinat Batkayev is not a party to case" in response.context["form"].errors["person"][0]
    # The refused choice is shown back, not silently replaced.
    assert f'value="{stranger.pk}" selected' in response.content.decode()


def test_it_rejects_an_unreadable_term_with_an_example(case_with_prisoner, editor_client):
    case, person = case_with_prisoner
    response = editor_client.post(
        reverse("staff:detention_log", args=[case.pk]),
        {"person": person.pk, "measure": "pretrial", "started_on": "2021-06-05", "term": "two"},
    )
    assert "e.g. “2 months”" in response.context["form"].errors["term"][0]


def test_logging_a_hearing_puts_it_on_the_timeline_in_its_place(case_with_prisoner, editor_client):
    case, person = case_with_prisoner
    response = editor_client.post(
        reverse("staff:hearing_log", args=[case.pk]),
        {
            "held_on": "2021-07-30",
            "starts_at": "10:00",
            "kind": "extension",
            "defendants": [person.pk],
        },
    )
    hearing = Hearing.objects.get()
    assert response.status_code == 302
    assert list(hearing.defendants.all()) == [person]
    assert response["Location"].endswith(f"#hearing-{hearing.pk}")


def test_it_rejects_a_hearing_date_in_the_far_past(case_with_prisoner, editor_client):
    case, person = case_with_prisoner
    response = editor_client.post(
        reverse("staff:hearing_log", args=[case.pk]),
        {"held_on": "1921-07-30", "kind": "trial", "defendants": [person.pk]},
    )
    assert response.status_code == 400
    assert "check the year" in response.context["form"].errors["held_on"][0]
    assert not Hearing.objects.exists()


def test_it_rejects_a_hearing_of_a_defendant_not_party_to_the_case(case_with_prisoner):
    case, _ = case_with_prisoner
    with pytest.raises(ValidationError, match="not a party"):
        hearing_log(case=case, held_on=D(2021, 7, 30), kind="trial", defendants=[PersonFactory()])


def test_the_person_page_links_to_the_forms_with_the_person_chosen(
    case_with_prisoner, editor_client
):
    case, person = case_with_prisoner
    page = editor_client.get(reverse("staff:person_detail", args=[person.pk])).content.decode()
    assert f"/cases/{case.pk}/detentions/new/?person={person.pk}" in page
    response = editor_client.get(f"/cases/{case.pk}/hearings/new/?person={person.pk}")
    assert response.context["form"].initial["defendants"] == [person.pk]


def test_logging_in_a_case_the_user_cannot_see_is_not_found(editor_client):
    response = editor_client.get(reverse("staff:detention_log", args=[CaseFactory().pk + 1000]))
    assert response.status_code == 404


def test_logging_a_hearing_on_29_february_checks_the_far_past_without_crashing(
    case_with_prisoner, monkeypatch
):
    """date.replace(year=…) raises on a leap day when the target year is not a leap year."""
    case, person = case_with_prisoner
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2028, 2, 29))
    hearing = hearing_log(
        case=case, held_on=datetime.date(2028, 3, 1), kind="trial", defendants=[person]
    )
    assert hearing.pk is not None
    with pytest.raises(ValidationError, match="check the year"):
        hearing_log(
            case=case, held_on=datetime.date(1998, 2, 27), kind="trial", defendants=[person]
        )
