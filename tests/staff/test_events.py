"""Recording and editing events from the case page: what the timeline shows, what is refused."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from casefiles.models import Event, EventParticipant, Source
from casefiles.services.events import Participant, event_record
from people.models import Organisation
from tests.factories import (
    CaseFactory,
    CasePartyFactory,
    DetentionFactory,
    EventFactory,
    OrganisationFactory,
    PersonFactory,
    SourceFactory,
)
from tests.security.test_no_server_errors import FUZZ, _dates, _ids, value
from tests.security.test_no_server_errors import _post as fuzz_post

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def party():
    return CasePartyFactory(
        person=PersonFactory(given_name="Bekizhan", family_name="Mendygazyev"),
    )


def _post(**fields) -> dict:
    """An event form's post: the fields given, over a plain search, and three empty rows."""
    data = {
        "kind": "search",
        "title": "Search of the KSS premises",
        "occurred_on": "2020-11-06",
        "precision": "day",
        "place": "",
        "description": "",
        "participants-TOTAL_FORMS": "3",
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "1000",
    }
    for row in range(3):
        data[f"participants-{row}-role"] = "target"
    data.update(fields)
    return data


def _counts() -> tuple[int, ...]:
    return (
        Event.objects.count(),
        EventParticipant.objects.count(),
        Source.objects.count(),
        Organisation.objects.count(),
        Event.sources.through.objects.count(),
    )


def test_a_un_opinion_finding_the_detention_arbitrary_shows_on_the_timeline_as_such(
    editor_client, party
):
    case, person = party.case, party.person
    response = editor_client.post(
        reverse("staff:event_add", args=[case.pk]),
        _post(
            kind="un_opinion",
            title="WGAD Opinion No. 12/2022: the detention of Bekizhan Mendygazyev is arbitrary",
            occurred_on="2022-06-17",
            precision="month",
            description="Category I, II and III: deprivation of liberty is arbitrary.",
            source_url="https://www.ohchr.org/en/opinions/2022/12",
            source_title="Opinion No. 12/2022",
            source_publisher="OHCHR",
            new_organisation_name="UN Working Group on Arbitrary Detention",
            new_organisation_kind="un_body",
            new_organisation_role="author",
            **{"participants-0-person": str(person.pk), "participants-0-role": "target"},
        ),
    )
    event = Event.objects.get(case=case)
    anchor = f"event-{event.pk}"
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('staff:case_detail', args=[case.pk])}?new={anchor}#{anchor}"
    )
    # Known only to the month: stored as its first day, shown as the month.
    assert event.occurred_on == D(2022, 6, 1)
    wgad = Organisation.objects.get(name="UN Working Group on Arbitrary Detention")
    assert wgad.kind == "un_body" and wgad.country == ""
    assert {(p.person, p.organisation, p.role) for p in event.participants.all()} == {
        (person, None, "target"),
        (None, wgad, "author"),
    }
    assert [source.title for source in event.sources.all()] == ["Opinion No. 12/2022"]

    page = editor_client.get(response["Location"])
    entry = next(e for e in page.context["timeline"] if e.anchor == anchor)
    assert entry.kind == "un_opinion" and entry.kind_label == "UN opinion"
    assert entry.date_display == "June 2022"
    assert entry.title.startswith("WGAD Opinion No. 12/2022")
    assert entry.edit_url == reverse("staff:event_edit", args=[event.pk])
    html = page.content.decode()
    assert "June 2022" in html and "UN Working Group on Arbitrary Detention" in html
    assert "Opinion No. 12/2022" in html  # on the timeline and in the Sources card


def test_an_event_cites_the_case_s_own_sources(editor_client, party):
    cited = SourceFactory(title="RFE/RL report")
    DetentionFactory(case=party.case, person=party.person, started_on=D(2021, 6, 5)).sources.add(
        cited
    )
    url = reverse("staff:event_add", args=[party.case.pk])
    assert "RFE/RL report" in editor_client.get(url).content.decode()
    response = editor_client.post(url, _post(sources=[str(cited.pk)]))
    assert response.status_code == 302
    assert list(Event.objects.get().sources.all()) == [cited]


def test_editing_an_event_changes_it_and_replaces_its_participants(editor, editor_client, party):
    court = OrganisationFactory(name="Uralsk City Court")
    event = event_record(
        case=party.case,
        user=editor,
        kind="search",
        title="Search",
        occurred_on=D(2020, 11, 6),
        participants=[Participant(role="target", person=party.person)],
    )
    url = reverse("staff:event_edit", args=[event.pk])
    form = editor_client.get(url).context["form"]
    assert form.participants.forms[0].initial["person"] == party.person.pk
    response = editor_client.post(
        url,
        _post(
            title="Search of the KSS premises in Aksay",
            place="Aksay",
            **{
                "participants-TOTAL_FORMS": "4",
                "participants-INITIAL_FORMS": "1",
                "participants-0-person": str(party.person.pk),
                "participants-0-role": "target",
                "participants-1-organisation": str(court.pk),
                "participants-1-role": "perpetrator",
                "participants-3-role": "target",
            },
        ),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.place) == ("Search of the KSS premises in Aksay", "Aksay")
    assert sorted(p.role for p in event.participants.all()) == ["perpetrator", "target"]
    assert event.history.count() == 2  # the change is attributable


def _refused(client, case, **fields):
    before = _counts()
    response = client.post(reverse("staff:event_add", args=[case.pk]), _post(**fields))
    assert response.status_code == 400
    assert _counts() == before
    return response.context["form"]


def test_a_source_url_that_is_not_a_web_address_is_refused_and_nothing_is_written(
    editor_client, party
):
    form = _refused(
        editor_client,
        party.case,
        source_url="javascript:alert(1)",
        source_title="Bad",
        new_organisation_name="UN Working Group on Arbitrary Detention",
        new_organisation_kind="un_body",
        new_organisation_role="author",
    )
    assert "source_url" in form.errors


def test_another_case_s_source_is_refused(editor_client, party):
    elsewhere = EventFactory()
    elsewhere.sources.add(foreign := SourceFactory())
    form = _refused(editor_client, party.case, sources=[str(foreign.pk)])
    assert "sources" in form.errors


def test_a_hidden_source_is_refused_like_a_missing_one(editor_client, party):
    hidden = EventFactory(case=CaseFactory(restricted=True))
    hidden.sources.add(secret := SourceFactory(title="Secret"))
    form = _refused(editor_client, party.case, sources=[str(secret.pk)])
    assert "sources" in form.errors
    assert "Secret" not in str(form)


@pytest.mark.parametrize(
    ("occurred_on", "precision"),
    [
        ("2021-02-30", "day"),  # no such day
        ("1850-06-01", "year"),  # not a plausible year
        ("2021-06-05", "week"),  # not a precision
        ("", "month"),  # a precision without a date
    ],
)
def test_an_impossible_date_or_precision_is_refused(editor_client, party, occurred_on, precision):
    form = _refused(editor_client, party.case, occurred_on=occurred_on, precision=precision)
    assert {"occurred_on", "precision"} & set(form.errors)


def test_an_event_before_a_participant_s_birth_is_refused(editor_client, party):
    person = party.person
    person.birth_date, person.birth_date_precision = D(1990, 1, 1), "year"
    person.save()
    form = _refused(
        editor_client,
        party.case,
        occurred_on="1989-12-31",
        **{"participants-0-person": str(person.pk)},
    )
    assert "born 1990" in str(form.errors)
    # The same year as the birth, known only to the year, may be after it.
    response = editor_client.post(
        reverse("staff:event_add", args=[party.case.pk]),
        _post(occurred_on="1990-01-01", precision="year", **{"participants-0-person": person.pk}),
    )
    assert response.status_code == 302


def test_a_new_organisation_that_already_exists_refuses_the_whole_event(editor_client, party):
    OrganisationFactory(name="UN Working Group on Arbitrary Detention", kind="un_body", country="")
    form = _refused(
        editor_client,
        party.case,
        new_organisation_name="UN Working Group on Arbitrary Detention",
        new_organisation_kind="un_body",
        new_organisation_role="author",
    )
    assert "already exists" in str(form.errors["new_organisation_name"])


def test_a_participant_row_naming_a_person_and_an_organisation_is_refused(editor_client, party):
    court = OrganisationFactory()
    _refused(
        editor_client,
        party.case,
        **{
            "participants-0-person": str(party.person.pk),
            "participants-0-organisation": str(court.pk),
        },
    )


def test_a_viewer_may_not_record_or_edit_events(viewer_client, party):
    event = EventFactory(case=party.case)
    assert viewer_client.get(reverse("staff:event_add", args=[party.case.pk])).status_code == 403
    response = viewer_client.post(reverse("staff:event_edit", args=[event.pk]), _post())
    assert response.status_code == 403
    page = viewer_client.get(reverse("staff:case_detail", args=[party.case.pk]))
    assert all(not entry.edit_url for entry in page.context["timeline"])
    assert reverse("staff:event_add", args=[party.case.pk]) not in page.content.decode()


def test_an_editor_outside_a_restricted_case_finds_its_events_missing(editor_client):
    event = EventFactory(case=CaseFactory(restricted=True))
    before = _counts()
    assert editor_client.get(reverse("staff:event_add", args=[event.case.pk])).status_code == 404
    response = editor_client.post(reverse("staff:event_edit", args=[event.pk]), _post())
    assert response.status_code == 404
    assert _counts() == before


def _admin_form(model, user, data, instance=None):
    request = RequestFactory().post("/")
    request.user = user
    form_class = admin.site._registry[model].get_form(request, instance)
    return form_class(data, instance=instance)


def test_the_back_office_applies_the_same_rules(administrator, party):
    person = party.person
    person.birth_date = D(1990, 5, 1)
    person.save()
    event = EventFactory(case=party.case, occurred_on=D(2020, 11, 6))
    EventParticipant.objects.create(event=event, person=person, role="target")
    # A date before a participant's birth.
    form = _admin_form(
        Event,
        administrator,
        {
            "case": party.case.pk,
            "occurred_on": "1980-01-01",
            "precision": "day",
            "kind": "search",
            "title": "Search",
        },
        instance=event,
    )
    assert not form.is_valid() and "occurred_on" in form.errors
    # A date known to the month is stored as its first day.
    form = _admin_form(
        Event,
        administrator,
        {
            "case": party.case.pk,
            "occurred_on": "2022-06-17",
            "precision": "month",
            "kind": "un_opinion",
            "title": "WGAD opinion",
        },
    )
    assert form.is_valid(), form.errors
    assert form.save().occurred_on == D(2022, 6, 1)
    # A participant born after the event.
    form = _admin_form(
        EventParticipant,
        administrator,
        {
            "event": EventFactory(case=party.case, occurred_on=D(1985, 1, 1)).pk,
            "person": person.pk,
            "role": "target",
        },
    )
    assert not form.is_valid() and "person" in form.errors


@FUZZ
@given(data=st.data())
def test_recording_an_event_never_fails_and_a_refusal_writes_nothing(editor_client, party, data):
    person = str(party.person.pk)
    fields = _post(
        kind=data.draw(st.one_of(st.just("un_opinion"), value)),
        title=data.draw(value),
        occurred_on=data.draw(st.one_of(_dates, value)),
        precision=data.draw(st.one_of(st.sampled_from(["day", "month", "year"]), value)),
        place=data.draw(value),
        description=data.draw(value),
        sources=data.draw(_ids),
        source_url=data.draw(st.one_of(st.just(""), value)),
        source_title=data.draw(value),
        source_published_on=data.draw(st.one_of(st.just(""), _dates, value)),
        new_organisation_name=data.draw(st.one_of(st.just(""), value)),
        new_organisation_kind=data.draw(st.one_of(st.just("un_body"), value)),
        new_organisation_country=data.draw(st.one_of(st.just("KZ"), value)),
        new_organisation_role=data.draw(st.one_of(st.just("author"), value)),
        **{
            "participants-0-person": data.draw(st.one_of(st.just(person), _ids, value)),
            "participants-1-organisation": data.draw(st.one_of(_ids, value)),
            "participants-2-role": data.draw(value),
            "participants-TOTAL_FORMS": data.draw(st.one_of(st.just("3"), _ids)),
        },
    )
    before = _counts()
    response = fuzz_post(editor_client, reverse("staff:event_add", args=[party.case.pk]), fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert _counts() == before


def _rows(persons) -> dict:
    """Participant rows naming `persons`, as targets, for _post."""
    rows = {"participants-TOTAL_FORMS": str(len(persons))}
    for row, person in enumerate(persons):
        rows[f"participants-{row}-person"] = str(person.pk)
        rows[f"participants-{row}-role"] = "target"
    return rows


def _mass_arrest(case, count: int) -> list:
    persons = [
        PersonFactory(given_name=f"Protester{i}", family_name="Oralov") for i in range(count)
    ]
    for person in persons:
        CasePartyFactory(case=case, person=person)
    return persons


def test_a_mass_arrest_of_forty_is_recorded_and_edited_with_everyone_kept(
    editor_client, party, django_assert_max_num_queries
):
    persons = [party.person, *_mass_arrest(party.case, 39)]
    response = editor_client.post(
        reverse("staff:event_add", args=[party.case.pk]),
        _post(kind="arrest", title="Forty detained at the Zhanaozen rally", **_rows(persons)),
    )
    assert response.status_code == 302
    event = Event.objects.get(title="Forty detained at the Zhanaozen rally")
    assert {p.person_id for p in event.participants.all()} == {p.pk for p in persons}

    url = reverse("staff:event_edit", args=[event.pk])
    form = editor_client.get(url).context["form"]
    assert len(form.participants.forms) == 40 + 3  # everyone, and three rows for more
    # The page posted back as it stands keeps everyone.
    unchanged = _rows(persons) | {"participants-INITIAL_FORMS": "40"}
    response = editor_client.post(url, _post(kind="arrest", title=event.title, **unchanged))
    assert response.status_code == 302
    assert event.participants.count() == 40


@pytest.mark.parametrize("count", [5, 60])
def test_the_event_form_s_queries_do_not_grow_with_its_participants(
    editor_client, party, count, django_assert_num_queries
):
    persons = _mass_arrest(party.case, count)
    event = EventFactory(case=party.case)
    for person in persons:
        EventParticipant.objects.create(event=event, person=person, role="target")
    url = reverse("staff:event_edit", args=[event.pk])
    editor_client.get(url)  # the session and permissions read once
    with django_assert_num_queries(EVENT_EDIT_QUERIES):
        response = editor_client.get(url)
    assert len(response.context["form"].participants.forms) == count + 3


EVENT_EDIT_QUERIES = 13


def test_an_edited_event_keeps_a_participant_who_is_not_a_party_of_the_case(editor_client, party):
    """Someone who took part without being a party (a witness found by name with the
    picker) is offered, chosen, on the edit page: a browser posting it back keeps them."""
    witness = PersonFactory(given_name="Aigul", family_name="Witness")
    event = EventFactory(case=party.case)
    EventParticipant.objects.create(event=event, person=witness, role="witness")
    html = editor_client.get(reverse("staff:event_edit", args=[event.pk])).content.decode()
    assert f'<option value="{witness.pk}" selected>' in html


def test_more_participants_than_an_event_holds_are_refused_and_nothing_is_written(
    editor_client, party
):
    from casefiles.forms.events import PARTICIPANTS_MAX

    persons = [party.person] * (PARTICIPANTS_MAX + 1)
    form = _refused(editor_client, party.case, **_rows(persons))
    assert f"at most {PARTICIPANTS_MAX}" in " ".join(form.participants.non_form_errors())


def test_a_hidden_person_posted_as_a_participant_is_not_a_choice(editor_client, party):
    hidden = CasePartyFactory(case=CaseFactory(restricted=True)).person
    form = _refused(editor_client, party.case, **_rows([party.person, hidden]))
    assert form.participants.forms[1].errors["person"]
    assert not form.participants.forms[0].errors


def test_rows_naming_a_person_do_not_list_every_organisation(editor_client, party):
    """A mass arrest's rows name persons: each listing the register's organisations made
    the page grow with rows times organisations. The free rows still list them all."""
    organisations = [OrganisationFactory(name=f"Court of district {n:02}") for n in range(40)]
    persons = _mass_arrest(party.case, 30)
    event = EventFactory(case=party.case)
    for person in persons:
        EventParticipant.objects.create(event=event, person=person, role="target")
    EventParticipant.objects.create(event=event, organisation=organisations[0], role="perpetrator")
    url = reverse("staff:event_edit", args=[event.pk])

    html = editor_client.get(url).content.decode()

    # The court's own row, three free rows and the row "Another participant" copies.
    assert html.count(f'value="{organisations[7].pk}">Court of district 07<') == 5
    assert html.count(f'<option value="{organisations[0].pk}" selected>') == 1
    # Posted back as it stands, every participant is kept, the court too.
    data = _post(kind="arrest", title=event.title, **_rows(persons))
    data |= {
        "participants-TOTAL_FORMS": "31",
        "participants-INITIAL_FORMS": "31",
        "participants-30-organisation": str(organisations[0].pk),
        "participants-30-role": "perpetrator",
    }
    assert editor_client.post(url, data).status_code == 302
    assert event.participants.count() == 31
