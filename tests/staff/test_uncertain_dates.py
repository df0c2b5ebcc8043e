"""Dates known only to the month or year on charges and detentions, and decisions of
international bodies, as the case page's timeline shows them."""

from __future__ import annotations

import datetime
from typing import cast

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casefiles.models import Article, Charge, Detention
from casefiles.timeline import case_timeline
from tests.factories import ArticleFactory, CasePartyFactory, EventFactory, PersonFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def case_with_prisoner(db):
    party = CasePartyFactory(person=PersonFactory(given_name="Bekizhan", family_name="Mendygazyev"))
    return party.case, party.person


def _charge(case, person, **fields) -> Charge:
    article = cast(Article, ArticleFactory())
    charge = Charge(case=case, person=person, article=article, **fields)
    charge.full_clean()
    charge.save()
    return charge


def test_a_charge_decided_in_august_2017_shows_the_month_and_sorts_before_september(
    case_with_prisoner, editor_client
):
    case, person = case_with_prisoner
    charge = _charge(
        case,
        person,
        brought_on=D(2016, 3, 14),
        status="convicted",
        decided_on=D(2017, 8, 20),
        decided_on_precision="month",
    )
    EventFactory(case=case, occurred_on=D(2017, 9, 2), title="Appeal filed")
    page = editor_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    decided = page.index(f'id="charge-{charge.pk}-decided"')
    assert "August 2017" in page[decided : decided + 400]
    assert "20 Aug 2017" not in page
    assert decided < page.index("Appeal filed")


def test_a_month_precise_date_is_stored_as_the_1st_and_a_year_precise_one_as_1_january(
    case_with_prisoner,
):
    case, person = case_with_prisoner
    charge = _charge(
        case,
        person,
        brought_on=D(2016, 3, 14),
        brought_on_precision="year",
        status="acquitted",
        decided_on=D(2017, 8, 20),
        decided_on_precision="month",
    )
    charge.refresh_from_db()
    assert (charge.brought_on, charge.decided_on) == (D(2016, 1, 1), D(2017, 8, 1))
    assert (charge.brought_on_display, charge.decided_on_display) == ("2016", "August 2017")


def test_a_decision_in_march_2016_is_not_refused_for_a_charge_brought_14_march_2016(
    case_with_prisoner,
):
    case, person = case_with_prisoner
    charge = _charge(
        case,
        person,
        brought_on=D(2016, 3, 14),
        status="acquitted",
        decided_on=D(2016, 3, 1),
        decided_on_precision="month",
    )
    charge.refresh_from_db()
    assert charge.decided_on_display == "March 2016"


def test_a_decision_in_february_2016_is_refused_for_a_charge_brought_14_march_2016(
    case_with_prisoner,
):
    case, person = case_with_prisoner
    with pytest.raises(ValidationError) as refused:
        _charge(
            case,
            person,
            brought_on=D(2016, 3, 14),
            status="acquitted",
            decided_on=D(2016, 2, 1),
            decided_on_precision="month",
        )
    assert refused.value.message_dict["decided_on"] == [
        "A charge cannot be decided before it is brought. "
        "Decided February 2016, charged 14 Mar 2016."
    ]
    assert not Charge.objects.exists()


def test_a_day_precise_decision_before_the_charge_is_still_refused(case_with_prisoner):
    case, person = case_with_prisoner
    with pytest.raises(ValidationError) as refused:
        _charge(
            case,
            person,
            brought_on=D(2016, 3, 14),
            status="acquitted",
            decided_on=D(2016, 3, 13),
        )
    assert refused.value.message_dict["decided_on"] == [
        "A charge cannot be decided before it is brought. Decided 13 Mar 2016, charged 14 Mar 2016."
    ]


def test_a_detention_started_in_april_2018_is_logged_on_the_staff_form(
    case_with_prisoner, editor_client
):
    case, person = case_with_prisoner
    form = editor_client.get(reverse("staff:detention_log", args=[case.pk])).content.decode()
    assert 'name="started_on_precision"' in form
    response = editor_client.post(
        reverse("staff:detention_log", args=[case.pk]),
        {
            "person": person.pk,
            "measure": "pretrial",
            "started_on": "2018-04-17",
            "started_on_precision": "month",
            "term": "2 months",
        },
    )
    assert response.status_code == 302
    detention = Detention.objects.get()
    assert (detention.started_on, detention.started_on_precision) == (D(2018, 4, 1), "month")
    # Two months from "April 2018" is no day: the planned end is left for the order to state.
    assert detention.planned_end is None
    assert (detention.term_length, detention.term_unit) == (2, "months")
    page = editor_client.get(response["Location"]).content.decode()
    entry = page.index(f'id="detention-{detention.pk}"')
    assert "April 2018" in page[entry : entry + 400]


def test_a_detention_cannot_end_before_the_month_it_started(case_with_prisoner, editor_client):
    case, person = case_with_prisoner
    response = editor_client.post(
        reverse("staff:detention_log", args=[case.pk]),
        {
            "person": person.pk,
            "measure": "pretrial",
            "started_on": "2018-04-17",
            "started_on_precision": "month",
            "actual_end": "2018-03-30",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["actual_end"] == [
        "The detention cannot end (30 Mar 2018) before it starts (April 2018)."
    ]
    assert not Detention.objects.exists()


def test_a_un_working_group_opinion_shows_on_the_timeline_as_a_un_opinion(
    case_with_prisoner, editor, editor_client
):
    case, _ = case_with_prisoner
    EventFactory(
        case=case,
        occurred_on=D(2019, 5, 3),
        kind="un_opinion",
        title="UN Working Group on Arbitrary Detention: Opinion No. 12/2019",
    )
    EventFactory(case=case, occurred_on=D(2019, 6, 1), title="Search of the flat")
    entries = case_timeline(case, user=editor, kinds=["un_opinion"])
    assert [(entry.kind_label, entry.title) for entry in entries] == [
        ("UN opinion", "UN Working Group on Arbitrary Detention: Opinion No. 12/2019")
    ]
    page = editor_client.get(
        reverse("staff:case_detail", args=[case.pk]), {"kind": "un_opinion"}
    ).content.decode()
    assert 'value="un_opinion"' in page  # offered as a filter like any other kind
    assert '<span class="kind">UN opinion</span>' in page
    assert "Search of the flat" not in page
