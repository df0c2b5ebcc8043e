"""The sentence chain page: a whole sentence history (the verdict and what changed it) in one
post, kept in date order, refused as a whole when any step is wrong."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from casefiles import services
from casefiles.models import SentenceStep
from casefiles.services import SentenceChainRefused, SentenceStepDraft
from tests.factories import CaseFactory, CasePartyFactory, PersonFactory

D = datetime.date
pytestmark = pytest.mark.django_db

ROW_FIELDS = (
    "kind",
    "occurred_on",
    "precision",
    "sentence_kind",
    "length",
    "reason",
    "article",
    "court",
    "scheduled_release_on",
    "scheduled_release_precision",
)


@pytest.fixture
def sentenced(db):
    case = CaseFactory(country="UZ", reference="UZ-2016-002")
    party = CasePartyFactory(
        case=case, person=PersonFactory(given_name="Alisher", family_name="Tursunov")
    )
    return case, party.person


def _url(case) -> str:
    return reverse("staff:sentence_step_log", args=[case.pk])


def chain_post(person, *rows: dict) -> dict:
    """The page's post: the person, then six rows, those not given left as offered."""
    data = {
        "person": person.pk if person else "",
        "steps-TOTAL_FORMS": "6",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "6",
    }
    for index in range(6):
        row = rows[index] if index < len(rows) else {}
        offered = {"precision": "day", "scheduled_release_precision": "day"}
        if index == 0:
            offered |= {"kind": "imposed"}
        for field in ROW_FIELDS:
            data[f"steps-{index}-{field}"] = row.get(field, offered.get(field, ""))
        if row.get("counts_time_held"):
            data[f"steps-{index}-counts_time_held"] = "on"
    return data


VERDICT = {
    "kind": "imposed",
    "occurred_on": "2016-03-14",
    "sentence_kind": "imprisonment",
    "length": "12 years",
}
CONTEMPT = {
    "kind": "increased",
    "occurred_on": "2017-08-20",
    "precision": "month",
    "sentence_kind": "",
    "length": "2 years",
    "reason": "contempt of court",
}
SECOND_INCREASE = {
    "kind": "increased",
    "occurred_on": "2019-03-01",
    "precision": "month",
    "sentence_kind": "",
    "length": "1 year",
}
AMNESTY = {
    "kind": "reduced",
    "occurred_on": "2021-12-07",
    "sentence_kind": "",
    "length": "3 years",
    "reason": "amnesty",
    "scheduled_release_on": "2031-06-30",
    "scheduled_release_precision": "year",
}


def test_the_whole_news_chain_in_one_post_totals_12_years_until_2031(sentenced, editor_client):
    case, person = sentenced

    response = editor_client.post(
        _url(case), chain_post(person, VERDICT, CONTEMPT, SECOND_INCREASE, AMNESTY)
    )

    assert response.status_code == 302, response.content.decode()
    assert response["Location"].startswith(reverse("staff:case_detail", args=[case.pk]))
    assert SentenceStep.objects.filter(case=case, person=person).count() == 4
    page = editor_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert "<strong>12 years</strong> of imprisonment" in page
    assert "Scheduled release 2031" in page
    timeline = page[page.index('id="timeline-h"') :]
    # Each date as precisely as it is known, in date order.
    assert (
        timeline.index("14 Mar 2016")
        < timeline.index("August 2017")
        < timeline.index("March 2019")
        < timeline.index("7 Dec 2021")
    )
    assert "Sentence of Alisher Tursunov increased by 2 years (contempt of court)" in timeline


def test_rows_typed_out_of_order_are_kept_in_date_order(sentenced, editor_client):
    case, person = sentenced
    amnesty_first = {**AMNESTY, "sentence_kind": ""}
    verdict_second = {**VERDICT, "sentence_kind": "imprisonment"}

    response = editor_client.post(
        _url(case), chain_post(person, amnesty_first, SECOND_INCREASE, verdict_second)
    )

    assert response.status_code == 302, response.content.decode()
    recorded = list(SentenceStep.objects.order_by("pk").values_list("kind", flat=True))
    assert recorded == ["imposed", "increased", "reduced"]


def test_lengths_read_as_people_write_them(sentenced, editor_client):
    case, person = sentenced
    rows = [
        {**VERDICT, "length": "2 years 6 months"},
        {**SECOND_INCREASE, "length": "18 months"},
    ]

    assert editor_client.post(_url(case), chain_post(person, *rows)).status_code == 302
    assert sorted(SentenceStep.objects.values_list("months", flat=True)) == [18, 30]


def test_a_change_before_the_verdict_in_the_same_chain_names_its_row_and_writes_nothing(
    sentenced, editor_client
):
    case, person = sentenced
    too_early = {**CONTEMPT, "occurred_on": "2015-08-01"}

    response = editor_client.post(_url(case), chain_post(person, VERDICT, too_early))

    assert response.status_code == 400
    page = response.content.decode()
    assert "A sentence step cannot come before the verdict (14 Mar 2016)." in page
    # The message sits in the second row, under its date.
    second_row = page[page.index("<legend>Step 2</legend>") : page.index("<legend>Step 3</legend>")]
    assert "cannot come before the verdict" in second_row
    assert not SentenceStep.objects.exists()


def test_a_step_before_a_verdict_already_recorded_is_refused(sentenced, editor_client):
    case, person = sentenced
    services.sentence_step_log(
        case=case,
        person=person,
        kind="imposed",
        occurred_on=D(2016, 3, 14),
        sentence_kind="imprisonment",
        months=144,
    )

    response = editor_client.post(
        _url(case), chain_post(person, {**CONTEMPT, "occurred_on": "2016-01-10"})
    )

    assert response.status_code == 400
    assert "A sentence step cannot come before the verdict (14 Mar 2016)." in (
        response.content.decode()
    )
    assert SentenceStep.objects.count() == 1


def test_one_bad_row_refuses_the_whole_chain(sentenced, editor_client):
    case, person = sentenced
    no_length = {**AMNESTY, "length": ""}

    response = editor_client.post(
        _url(case), chain_post(person, VERDICT, CONTEMPT, SECOND_INCREASE, no_length)
    )

    assert response.status_code == 400
    assert "Give by how much the sentence was reduced." in response.content.decode()
    assert not SentenceStep.objects.exists()


def test_a_length_that_is_not_one_is_refused_on_its_row(sentenced, editor_client):
    case, person = sentenced

    response = editor_client.post(
        _url(case), chain_post(person, VERDICT, {**CONTEMPT, "length": "two years"})
    )

    assert response.status_code == 400
    assert "is not a length" in response.content.decode()
    assert not SentenceStep.objects.exists()


def test_a_person_who_is_not_a_party_is_named_once_and_nothing_is_written(sentenced, editor_client):
    case, _ = sentenced
    stranger = PersonFactory(given_name="Rinat", family_name="Batkayev")

    response = editor_client.post(_url(case), chain_post(stranger, VERDICT, CONTEMPT))

    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("Rinat Batkayev is not a party to case UZ-2016-002") == 1
    assert not SentenceStep.objects.exists()


def test_a_post_without_any_step_asks_for_one(sentenced, editor_client):
    case, person = sentenced
    response = editor_client.post(_url(case), chain_post(person))

    assert response.status_code == 400
    assert "Give at least one step of the sentence." in response.content.decode()


def test_the_page_offers_six_rows_and_folds_all_but_the_first_for_the_script(
    sentenced, editor_client
):
    case, _ = sentenced
    page = editor_client.get(_url(case)).content.decode()

    assert page.count("data-chain-step") == 6
    assert page.count('data-chain-keep="1"') == 1
    assert 'name="steps-5-scheduled_release_precision"' in page
    # Hidden until the script shows it: without the script, all six rows are there to fill.
    assert '<button type="button" data-chain-add hidden>Add another step</button>' in page
    assert "Save sentence steps" in page


def test_refused_rows_stay_unfolded(sentenced, editor_client):
    case, person = sentenced
    response = editor_client.post(
        _url(case), chain_post(person, VERDICT, {**CONTEMPT, "length": "two years"})
    )
    assert response.content.decode().count('data-chain-keep="1"') == 2


def test_viewers_may_not_add_steps_and_a_hidden_case_answers_as_missing(
    sentenced, viewer_client, editor_client
):
    case, person = sentenced
    assert viewer_client.get(_url(case)).status_code == 403
    assert viewer_client.post(_url(case), chain_post(person, VERDICT)).status_code == 403
    restricted = CaseFactory(restricted=True)
    CasePartyFactory(case=restricted, person=person)
    assert editor_client.get(_url(restricted)).status_code == 404
    assert editor_client.post(_url(restricted), chain_post(person, VERDICT)).status_code == 404
    assert not SentenceStep.objects.exists()


def test_the_service_refuses_the_chain_by_row_and_field(sentenced):
    case, person = sentenced
    steps = [
        SentenceStepDraft(
            kind="imposed", occurred_on=D(2016, 3, 14), sentence_kind="imprisonment", months=144
        ),
        SentenceStepDraft(kind="increased", occurred_on=D(2015, 1, 1), months=24),
        SentenceStepDraft(kind="overturned", occurred_on=D(2020, 1, 1), months=12),
    ]

    with pytest.raises(SentenceChainRefused) as refusal:
        services.sentence_steps_record(case=case, person=person, steps=steps)

    assert set(refusal.value.rows) == {1, 2}
    assert "occurred_on" in refusal.value.rows[1]
    assert refusal.value.rows[2]["months"] == [
        "A sentence overturned has no length; leave it empty."
    ]
    assert "Step 2: A sentence step cannot come before the verdict (14 Mar 2016)." in (
        refusal.value.messages
    )
    assert not SentenceStep.objects.exists()


def test_six_rows_ask_for_the_courts_and_articles_once(sentenced, editor_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from people.choices import OrganisationKind
    from tests.factories import ArticleFactory, OrganisationFactory

    case, _ = sentenced
    for n in range(3):
        OrganisationFactory(name=f"Court {n}", kind=OrganisationKind.COURT, country="UZ")
        ArticleFactory(jurisdiction="UZ", number=f"15{n}")

    with CaptureQueriesContext(connection) as queries:
        page = editor_client.get(_url(case)).content.decode()

    def selecting(table: str) -> list[str]:
        # PostgreSQL reads choices through a server-side cursor: DECLARE … FOR SELECT ….
        return [q["sql"] for q in queries if f'SELECT "{table}".' in q["sql"]]

    assert len(selecting("people_organisation")) == 1
    assert len(selecting("casefiles_article")) == 1
    assert page.count(">Court 2 ") + page.count(">Court 2<") == 6


def test_changes_to_a_verdict_already_recorded_start_in_the_first_row(sentenced, editor_client):
    case, person = sentenced
    services.sentence_step_log(
        case=case,
        person=person,
        kind="imposed",
        occurred_on=D(2016, 3, 14),
        sentence_kind="imprisonment",
        months=144,
    )

    response = editor_client.post(_url(case), chain_post(person, CONTEMPT, AMNESTY))

    assert response.status_code == 302, response.content.decode()
    assert SentenceStep.objects.filter(person=person).count() == 3
