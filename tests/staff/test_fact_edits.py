"""Correcting recorded facts: a detention's end, a hearing postponed (and its next date), a
sentence step — with the same refusals on the staff pages and in the back office."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casefiles import services
from casefiles.models import Detention, Hearing, SentenceStep
from tests.conftest import logged_in
from tests.factories import (
    CaseFactory,
    CasePartyFactory,
    DetentionFactory,
    HearingFactory,
    OrganisationFactory,
    PersonFactory,
)

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def party(db):
    case = CaseFactory(country="KZ", reference="KZ-2021-EDIT")
    return CasePartyFactory(
        case=case, person=PersonFactory(given_name="Bekizhan", family_name="Mendygazyev")
    )


@pytest.fixture
def detention(party):
    return services.detention_log(
        case=party.case,
        person=party.person,
        measure="pretrial",
        started_on=D(2021, 6, 5),
        term_length=2,
        term_unit="months",
    )


@pytest.fixture
def verdict(party):
    return services.sentence_step_log(
        case=party.case,
        person=party.person,
        kind="imposed",
        occurred_on=D(2016, 3, 14),
        sentence_kind="imprisonment",
        months=144,
    )


def _detention_post(**values) -> dict:
    data = {
        "measure": "pretrial",
        "started_on": "2021-06-05",
        "started_on_precision": "day",
        "term": "2 months",
        "planned_end": "2021-08-05",
        "actual_end": "",
        "facility": "",
        "notes": "",
    }
    data.update(values)
    return data


def _detention_url(detention) -> str:
    return reverse("staff:detention_edit", args=[detention.pk])


# --- Detentions ----------------------------------------------------------------------------


def test_an_editor_records_the_end_of_a_detention_and_the_timeline_shows_it(
    detention, editor_client
):
    url = _detention_url(detention)
    response = editor_client.post(url, _detention_post(actual_end="2021-07-20"))

    assert response.status_code == 302, response.content.decode()
    detention.refresh_from_db()
    assert detention.actual_end == D(2021, 7, 20)
    page = editor_client.get(response["Location"]).content.decode()
    assert "Pretrial detention of Bekizhan Mendygazyev ends" in page


def test_a_new_term_gives_a_new_planned_end(detention, editor_client):
    response = editor_client.post(_detention_url(detention), _detention_post(term="3 months"))

    assert response.status_code == 302
    detention.refresh_from_db()
    assert (detention.term_length, detention.planned_end) == (3, D(2021, 9, 5))


def test_a_detention_that_ends_before_it_starts_is_refused_on_the_staff_page(
    detention, editor_client
):
    url = _detention_url(detention)
    response = editor_client.post(url, _detention_post(actual_end="2021-06-01"))

    assert response.status_code == 400
    assert "The detention cannot end (1 Jun 2021) before it starts (5 Jun 2021)." in (
        response.content.decode()
    )
    detention.refresh_from_db()
    assert detention.actual_end is None


def test_a_detention_that_ends_before_it_starts_is_refused_in_the_back_office(party, administrator):
    client = logged_in(administrator)
    post = {
        "case": party.case.pk,
        "person": party.person.pk,
        "measure": "pretrial",
        "started_on": "2021-06-05",
        "started_on_precision": "day",
        "term_length": "",
        "term_unit": "",
        "planned_end": "",
        "actual_end": "2021-06-01",
        "facility": "",
        "notes": "",
    }

    response = client.post("/admin/casefiles/detention/add/", post)

    assert response.status_code == 200
    assert "The detention cannot end (1 Jun 2021) before it starts (5 Jun 2021)." in (
        response.content.decode()
    )
    assert Detention.objects.count() == 0
    # The same page saves the detention once its end follows its start.
    saved = client.post("/admin/casefiles/detention/add/", post | {"actual_end": "2021-07-01"})
    assert saved.status_code == 302
    assert Detention.objects.count() == 1


def test_the_timeline_offers_edit_links_to_editors_only(detention, editor_client, viewer_client):
    case_page = reverse("staff:case_detail", args=[detention.case_id])
    assert _detention_url(detention) in editor_client.get(case_page).content.decode()
    assert _detention_url(detention) not in viewer_client.get(case_page).content.decode()


# --- Hearings ------------------------------------------------------------------------------


@pytest.fixture
def hearing(party):
    court = OrganisationFactory(name="Uralsk City Court", kind="court", country="KZ")
    return services.hearing_log(
        case=party.case,
        held_on=timezone.localdate() + datetime.timedelta(days=3),
        kind="trial",
        defendants=[party.person],
        court=court,
    )


def _hearing_post(hearing, **values) -> dict:
    data = {
        "held_on": hearing.held_on.isoformat(),
        "starts_at": "",
        "kind": hearing.kind,
        "defendants": [person.pk for person in hearing.defendants.all()],
        "court": hearing.court_id or "",
        "outcome": "",
    }
    data.update(values)
    return data


def test_a_postponed_hearing_is_marked_and_its_next_date_logged(hearing, editor_client):
    next_date = hearing.held_on + datetime.timedelta(days=30)

    response = editor_client.post(
        reverse("staff:hearing_edit", args=[hearing.pk]),
        _hearing_post(
            hearing, postponed="on", next_held_on=next_date.isoformat(), next_starts_at="10:00"
        ),
    )

    assert response.status_code == 302, response.content.decode()
    hearing.refresh_from_db()
    assert hearing.postponed
    following = hearing.postponed_to
    assert following.held_on == next_date
    assert following.starts_at == datetime.time(10, 0)
    assert (following.kind, following.court) == ("trial", hearing.court)
    assert list(following.defendants.all()) == list(hearing.defendants.all())
    page = editor_client.get(response["Location"]).content.decode()
    assert f"Trial hearing — Uralsk City Court — postponed to {next_date:%-d %b %Y}" in page


def test_postponing_to_an_earlier_date_is_refused_and_logs_nothing(hearing, editor_client):
    response = editor_client.post(
        reverse("staff:hearing_edit", args=[hearing.pk]),
        _hearing_post(
            hearing,
            postponed="on",
            next_held_on=(hearing.held_on - datetime.timedelta(days=1)).isoformat(),
        ),
    )

    assert response.status_code == 400
    assert "A hearing can only be postponed to a later date." in response.content.decode()
    assert Hearing.objects.count() == 1
    hearing.refresh_from_db()
    assert not hearing.postponed


def test_a_postponed_hearing_is_not_announced_for_tomorrow(party):
    today = timezone.localdate()
    hearing = HearingFactory(case=party.case, held_on=today + datetime.timedelta(days=1))
    hearing.postponed = True
    hearing.save()
    assert services.reminders_create_due(today=today) == []


# --- Sentence steps ------------------------------------------------------------------------


def test_an_editor_corrects_a_steps_length_and_the_total_follows(verdict, editor_client):
    response = editor_client.post(
        reverse("staff:sentence_step_edit", args=[verdict.pk]),
        {
            "kind": "imposed",
            "occurred_on": "2016-03-14",
            "precision": "day",
            "sentence_kind": "imprisonment",
            "length": "10 years",
            "scheduled_release_precision": "day",
        },
    )

    assert response.status_code == 302, response.content.decode()
    page = editor_client.get(response["Location"]).content.decode()
    assert "<strong>10 years</strong> of imprisonment" in page


def test_the_edit_page_shows_the_length_as_typed(verdict, editor_client):
    page = editor_client.get(reverse("staff:sentence_step_edit", args=[verdict.pk]))
    assert 'value="12 years"' in page.content.decode()


def test_a_step_moved_before_the_verdict_is_refused_on_the_staff_page(verdict, editor_client):
    change = services.sentence_step_log(
        case=verdict.case,
        person=verdict.person,
        kind="increased",
        occurred_on=D(2017, 8, 1),
        precision="month",
        months=24,
    )

    response = editor_client.post(
        reverse("staff:sentence_step_edit", args=[change.pk]),
        {
            "kind": "increased",
            "occurred_on": "2015-08-01",
            "precision": "month",
            "length": "2 years",
            "scheduled_release_precision": "day",
        },
    )

    assert response.status_code == 400
    assert "A sentence step cannot come before the verdict (14 Mar 2016)." in (
        response.content.decode()
    )
    change.refresh_from_db()
    assert change.occurred_on == D(2017, 8, 1)


def test_a_step_dated_before_the_verdict_is_refused_in_the_back_office(verdict, administrator):
    client = logged_in(administrator)
    post = {
        "case": verdict.case_id,
        "person": verdict.person_id,
        "kind": "increased",
        "occurred_on": "2015-01-10",
        "precision": "day",
        "sentence_kind": "",
        "months": "24",
        "reason": "",
        "scheduled_release_precision": "day",
        "notes": "",
    }

    response = client.post("/admin/casefiles/sentencestep/add/", post)

    assert response.status_code == 200
    assert "A sentence step cannot come before the verdict (14 Mar 2016)." in (
        response.content.decode()
    )
    assert SentenceStep.objects.count() == 1


# --- Who may ---------------------------------------------------------------------------------


def test_viewers_may_not_edit_facts(detention, verdict, viewer_client):
    hearing = HearingFactory(case=detention.case)
    for url in (
        _detention_url(detention),
        reverse("staff:hearing_edit", args=[hearing.pk]),
        reverse("staff:sentence_step_edit", args=[verdict.pk]),
    ):
        assert viewer_client.get(url).status_code == 403
        assert viewer_client.post(url, {"actual_end": "2021-07-01"}).status_code == 403
    detention.refresh_from_db()
    assert detention.actual_end is None


def test_facts_of_a_case_hidden_from_the_editor_answer_as_missing(editor_client):
    case = CaseFactory(restricted=True)
    person = CasePartyFactory(case=case).person
    detention = DetentionFactory(case=case, person=person)
    hearing = HearingFactory(case=case)
    step = SentenceStep.objects.create(
        case=case,
        person=person,
        kind="imposed",
        occurred_on=D(2016, 3, 14),
        sentence_kind="imprisonment",
        months=12,
    )
    for url in (
        _detention_url(detention),
        reverse("staff:hearing_edit", args=[hearing.pk]),
        reverse("staff:sentence_step_edit", args=[step.pk]),
    ):
        assert editor_client.get(url).status_code == 404
        assert editor_client.post(url, _detention_post(actual_end="2021-07-01")).status_code == 404
    detention.refresh_from_db()
    assert detention.actual_end is None


def test_the_brief_is_read_only_while_the_case_page_offers_edits(detention, editor_client):
    brief = editor_client.get(reverse("staff:case_brief", args=[detention.case_id]))
    assert "Pretrial detention of Bekizhan Mendygazyev" in brief.content.decode()
    assert _detention_url(detention) not in brief.content.decode()


def test_a_court_named_only_by_a_sentence_in_a_hidden_case_stays_hidden(viewer):
    from people.models import Organisation

    case = CaseFactory(restricted=True, country="KZ")
    person = CasePartyFactory(case=case).person
    court = OrganisationFactory(name="Secret Tribunal", kind="court", country="KZ")
    services.sentence_step_log(
        case=case,
        person=person,
        kind="imposed",
        occurred_on=D(2016, 3, 14),
        sentence_kind="imprisonment",
        months=12,
        court=court,
    )
    assert not Organisation.objects.visible_to(viewer).filter(pk=court.pk).exists()
