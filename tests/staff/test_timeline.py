"""The case timeline: one chronological list, dates as precise as they are known."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from casefiles import services
from casefiles.choices import ChargeStatus, EventKind
from casefiles.models import EventParticipant, SentenceStep
from casefiles.timeline import TIMELINE_PAGE_SIZE, case_timeline
from people.dates import DatePrecision
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

D = datetime.date
pytestmark = pytest.mark.django_db


def test_the_demo_timeline_lists_the_november_search_before_the_june_detention(demo, viewer):
    timeline = case_timeline(demo.case, user=viewer)
    titles = [entry.title for entry in timeline]
    search = next(
        i for i, e in enumerate(timeline) if e.kind == "event" and e.date == D(2020, 11, 6)
    )
    detention = next(i for i, e in enumerate(timeline) if e.kind == "detention_start")
    assert search < detention, titles
    assert timeline[detention].date == D(2021, 6, 5)
    assert [entry.date for entry in timeline] == sorted(entry.date for entry in timeline)


def test_the_demo_timeline_has_every_kind_of_fact_including_the_letter(demo, viewer):
    kinds = {entry.kind for entry in case_timeline(demo.case, user=viewer)}
    assert {
        "event",
        "detention_start",
        "detention_planned_end",
        "charge_brought",
        "charge_decided",
        "letter_sent",
    } <= kinds


def test_dates_are_shown_only_as_precisely_as_they_are_known(viewer):
    case = CaseFactory()
    EventFactory(case=case, occurred_on=D(2021, 6, 1), precision=DatePrecision.MONTH, title="m")
    EventFactory(
        case=case, occurred_on=D(2020, 1, 1), precision=DatePrecision.APPROXIMATE, title="a"
    )
    EventFactory(case=case, occurred_on=D(2019, 1, 1), precision=DatePrecision.YEAR, title="y")
    EventFactory(case=case, occurred_on=D(2021, 6, 5), title="d")
    shown = [entry.date_display for entry in case_timeline(case, user=viewer)]
    assert shown == ["2019", "about 2020", "June 2021", "5 Jun 2021"]


def test_on_one_day_the_charge_comes_before_the_detention_and_the_hearing_after(viewer):
    case = CaseFactory()
    person = PersonFactory()
    day = D(2021, 6, 5)
    hearing = HearingFactory(case=case, held_on=day)
    detention = DetentionFactory(case=case, person=person, started_on=day)
    charge = ChargeFactory(case=case, person=person, brought_on=day)
    anchors = [entry.anchor for entry in case_timeline(case, user=viewer)]
    assert anchors == [f"charge-{charge.pk}", f"detention-{detention.pk}", f"hearing-{hearing.pk}"]


def test_a_detention_contributes_its_start_planned_end_and_actual_end(viewer):
    detention = DetentionFactory(
        started_on=D(2021, 6, 5),
        term_length=2,
        term_unit="months",
        planned_end=D(2021, 8, 5),
        actual_end=D(2021, 9, 1),
    )
    entries = case_timeline(detention.case, user=viewer)
    assert [(e.kind, e.date) for e in entries] == [
        ("detention_start", D(2021, 6, 5)),
        ("detention_planned_end", D(2021, 8, 5)),
        ("detention_end", D(2021, 9, 1)),
    ]
    assert "for 2 months" in entries[0].title


def test_entries_carry_their_people_and_sources(viewer):
    event = EventFactory(title="Search of the KSS premises")
    person = PersonFactory(given_name="Baurzhan", family_name="Jussupov")
    EventParticipant.objects.create(event=event, person=person, role="target")
    source = SourceFactory(title="Qaharman report")
    event.sources.add(source)
    (entry,) = case_timeline(event.case, user=viewer)
    assert entry.persons == [person] and entry.sources == [source]


def test_filtering_by_kind_and_by_person_narrows_the_timeline(viewer):
    case = CaseFactory()
    bekizhan, other = PersonFactory(), PersonFactory()
    DetentionFactory(case=case, person=bekizhan)
    ChargeFactory(case=case, person=other)
    EventFactory(case=case, kind=EventKind.SEARCH)
    assert {e.kind for e in case_timeline(case, user=viewer, kinds=["event"])} == {"event"}
    only_bekizhan = case_timeline(case, user=viewer, person_id=bekizhan.pk)
    assert [e.kind for e in only_bekizhan] == ["detention_start"]


def test_the_case_page_filters_the_timeline_from_its_query_string(demo, viewer_client):
    url = reverse("staff:case_detail", args=[demo.case.pk])
    response = viewer_client.get(url, {"kind": "detention_start"})
    assert {e.kind for e in response.context["timeline"]} == {"detention_start"}
    response = viewer_client.get(url, {"person": demo.persons["jussupov"].pk})
    assert all(e.involves(demo.persons["jussupov"].pk) for e in response.context["timeline"])
    assert response.context["timeline"]


def test_letters_appear_only_for_users_who_may_read_letters(demo, outsider):
    from casefiles.timeline import case_timeline

    kinds = {e.kind for e in case_timeline(demo.case, user=AnonymousUser())}
    assert "letter_sent" not in kinds


def test_a_decided_charge_shows_its_outcome_and_the_sentence_its_own_entry(viewer):
    charge = ChargeFactory(
        status=ChargeStatus.CONVICTED, brought_on=None, decided_on=D(2021, 5, 17)
    )
    CasePartyFactory(case=charge.case, person=charge.person)
    services.sentence_step_log(
        case=charge.case,
        person=charge.person,
        kind="imposed",
        occurred_on=D(2021, 5, 17),
        sentence_kind="probation",
        months=60,
    )
    timeline = case_timeline(charge.case, user=viewer)
    decided = [e for e in timeline if e.kind == "charge_decided"]
    assert "convicted" in decided[0].title
    sentence = [e for e in timeline if e.kind == "sentence_step"]
    assert "5 years of probation" in sentence[0].title


def _fill_case(case, count: int) -> None:
    """`count` timeline facts of every kind, each with a person and a source."""
    person = PersonFactory()
    CasePartyFactory(case=case, person=person)
    source = SourceFactory()
    for n in range(count // 4):
        day = D(2020, 1, 1) + datetime.timedelta(days=n)
        event = EventFactory(case=case, occurred_on=day)
        event.sources.add(source)
        EventParticipant.objects.create(event=event, person=person, role="target")
        ChargeFactory(case=case, person=person, brought_on=day).sources.add(source)
        DetentionFactory(case=case, person=person, started_on=day, planned_end=day)
        hearing = HearingFactory(case=case, held_on=day)
        hearing.defendants.add(person)
        SentenceStep.objects.create(
            case=case, person=person, kind="increased", occurred_on=day, months=1
        ).sources.add(source)


# Pinned (the target is 12 at most): the user with their permissions (1: the
# session comes from the cache, see tests/settings.py); the case with its assigned staff's
# names, its parties, charges and sentence steps (4: the timeline and the sentences card
# reuse the charges and steps); the case's detentions read with the custody runs of those
# held now in it, across the visible cases (1); events (1), hearings (1); letters (1: none
# here, so no signatory or reply queries; the Letters card reuses them); then for the page
# of entries shown only: the sources they cite, read with their citations from the five
# citation tables in one query (1), and who took part, the events' participants read with
# the hearings' defendants (1); the sources card (1), whatever the number of sources.
# Whatever the number of entries: the providers read the case's rows without what they
# cite, and the page's entries alone are completed.
CASE_PAGE_QUERIES = 12


@pytest.mark.parametrize("count", [10, 500])
def test_the_case_page_runs_the_same_queries_with_10_and_500_entries(
    viewer_client, django_assert_num_queries, count
):
    case = CaseFactory()
    _fill_case(case, count)
    url = reverse("staff:case_detail", args=[case.pk])
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        response = viewer_client.get(url)
    assert len(response.context["timeline"]) == min(count + count // 4, TIMELINE_PAGE_SIZE)


# Pinned: the 12 above, plus the letter's signatories and replies (2): the demo case has
# a letter sent.
DEMO_CASE_PAGE_QUERIES = 14


def test_the_demo_case_page_with_a_letter_runs_a_fixed_number_of_queries(
    demo, viewer_client, django_assert_num_queries
):
    with django_assert_num_queries(DEMO_CASE_PAGE_QUERIES):
        viewer_client.get(reverse("staff:case_detail", args=[demo.case.pk]))


def test_the_case_page_names_its_assigned_staff_escaped(viewer_client):
    from django.contrib.auth.models import User

    case = CaseFactory()
    case.assigned_staff.add(
        User.objects.create_user("aigerim", first_name="Aigerim", last_name="<b>Sadykova</b>"),
        User.objects.create_user("no_name"),
    )
    html = viewer_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert "Aigerim &lt;b&gt;Sadykova&lt;/b&gt;, no_name" in html
    assert "<b>Sadykova</b>" not in html


def test_a_case_without_assigned_staff_has_no_staff_card(viewer_client):
    case = CaseFactory()
    html = viewer_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert "Assigned staff" not in html


def test_a_hearing_lists_its_defendants_by_name_then_its_judge_court_and_postponement(
    viewer, client
):
    from tests.factories import OrganisationFactory

    case = CaseFactory()
    zhanna = PersonFactory(given_name="Zhanna", family_name="Abenova")
    bolat = PersonFactory(given_name="Bolat", family_name="Zhakupov")
    judge = PersonFactory(given_name="Marat", family_name="Iskakov")
    court = OrganisationFactory(name="Almaty City Court")
    later = HearingFactory(case=case, held_on=D(2021, 9, 14))
    hearing = HearingFactory(
        case=case, judge=judge, court=court, postponed=True, postponed_to=later
    )
    hearing.defendants.set([bolat, zhanna])

    (entry, _later) = [e for e in case_timeline(case, user=viewer) if e.kind == "hearing"]
    assert entry.persons == [zhanna, bolat, judge]
    assert entry.title == (
        "Extension of detention hearing — Almaty City Court — postponed to 14 Sep 2021"
    )
    # The judge's own timeline filter finds the hearing they sat in, and only that one.
    judged = case_timeline(case, user=viewer, person_id=judge.pk)
    assert [e.anchor for e in judged] == [f"hearing-{hearing.pk}"]

    client.force_login(viewer)
    page = client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert page.index("Abenova") < page.index("Zhakupov") < page.index("Iskakov")
