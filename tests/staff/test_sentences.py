"""Sentence histories: the chain of steps, its current total and expected release, the
Add sentence step page, the same refusals in the back office, the case page and timeline."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casefiles.models import SentenceStep
from casefiles.sentences import months_display, sentence_current, sentence_length_parse
from casefiles.services import sentence_step_log
from tests.conftest import logged_in
from tests.factories import (
    ArticleFactory,
    CaseFactory,
    CasePartyFactory,
    OrganisationFactory,
    PersonFactory,
)

D = datetime.date
pytestmark = pytest.mark.django_db

VERDICT = D(2016, 3, 14)


def _step(kind, day, *, precision="day", months=None, **extra) -> SentenceStep:
    return SentenceStep(kind=kind, occurred_on=day, precision=precision, months=months, **extra)


def _the_news_chain() -> list[SentenceStep]:
    """12 years imposed; +2 years and +1 year known to the month; an amnesty takes 3 years
    off and sets the release for 2031, known to the year."""
    return [
        _step("imposed", VERDICT, months=144, sentence_kind="imprisonment"),
        _step("increased", D(2017, 8, 1), precision="month", months=24, reason="contempt"),
        _step("increased", D(2019, 3, 1), precision="month", months=12),
        _step(
            "reduced",
            D(2021, 12, 7),
            months=36,
            reason="amnesty",
            scheduled_release_on=D(2031, 1, 1),
            scheduled_release_precision="year",
        ),
    ]


def test_the_news_case_totals_12_years_with_release_in_2031():
    summary = sentence_current(_the_news_chain())
    assert summary.months == 144
    assert summary.total_display == "12 years"
    assert summary.kind_label == "Imprisonment"
    assert summary.release_display == "2031"
    assert summary.release_scheduled


def test_without_a_scheduled_release_it_is_the_verdict_plus_the_total():
    summary = sentence_current(_the_news_chain()[:3])  # before the amnesty: 15 years
    assert summary.total_display == "15 years"
    assert summary.release_on == D(2031, 3, 14)
    assert summary.release_display == "14 Mar 2031"
    assert not summary.release_scheduled


def test_a_later_change_of_length_replaces_an_earlier_scheduled_release():
    chain = [
        _step(
            "imposed",
            VERDICT,
            months=60,
            sentence_kind="imprisonment",
            scheduled_release_on=D(2021, 1, 1),
            scheduled_release_precision="year",
        ),
        _step("increased", D(2018, 1, 10), months=6),
    ]
    summary = sentence_current(chain)
    assert summary.total_display == "5 years and 6 months"
    assert summary.release_display == "14 Sep 2021"


def test_a_sentence_that_counts_time_held_runs_from_the_start_of_custody():
    chain = [
        _step("imposed", VERDICT, months=24, sentence_kind="imprisonment", counts_time_held=True)
    ]
    assert sentence_current(chain, custody_since=D(2015, 6, 1)).release_on == D(2017, 6, 1)
    assert sentence_current(chain).release_on == D(2018, 3, 14)


def test_an_overturned_sentence_totals_nothing_and_has_no_release():
    chain = [*_the_news_chain(), _step("overturned", D(2022, 5, 1), reason="appeal")]
    summary = sentence_current(chain)
    assert summary.months == 0
    assert summary.total_display == "overturned"
    assert summary.release_on is None


def test_a_served_sentence_is_released_on_the_day_it_was_served():
    chain = [*_the_news_chain(), _step("served", D(2030, 11, 1), precision="month")]
    assert sentence_current(chain).release_display == "November 2030"


def test_lengths_read_as_typed_and_show_in_years_and_months():
    assert sentence_length_parse("12 years") == 144
    assert sentence_length_parse("2 years and 6 months") == 30
    assert sentence_length_parse("2y 6m") == 30
    assert sentence_length_parse("18 months") == 18
    assert months_display(150) == "12 years and 6 months"
    assert months_display(12) == "1 year"
    assert months_display(1) == "1 month"
    for text in ("12", "twelve years", "0 months", "200 years"):
        with pytest.raises(ValidationError):
            sentence_length_parse(text)


@pytest.fixture
def sentenced(db):
    case = CaseFactory(country="UZ", reference="UZ-2016-001")
    party = CasePartyFactory(
        case=case, person=PersonFactory(given_name="Alisher", family_name="Tursunov")
    )
    return case, party.person


def _add_url(case) -> str:
    return reverse("staff:sentence_step_log", args=[case.pk])


def _form(person, **values) -> dict:
    """The sentence chain page's post with one step, in its first row."""
    step = {
        "kind": "imposed",
        "occurred_on": VERDICT.isoformat(),
        "precision": "day",
        "sentence_kind": "imprisonment",
        "length": "12 years",
        "scheduled_release_precision": "day",
    }
    step.update(values)
    data = {"person": person.pk, "steps-TOTAL_FORMS": "6", "steps-INITIAL_FORMS": "0"}
    data.update({f"steps-0-{field}": value for field, value in step.items()})
    return data


def test_an_editor_records_the_news_chain_and_the_case_page_shows_12_years_until_2031(
    sentenced, editor_client
):
    case, person = sentenced
    posts = [
        _form(person),
        _form(
            person,
            kind="increased",
            occurred_on="2017-08-20",
            precision="month",
            sentence_kind="",
            length="2 years",
            reason="contempt of court",
        ),
        _form(
            person,
            kind="increased",
            occurred_on="2019-03-01",
            precision="month",
            sentence_kind="",
            length="1 year",
        ),
        _form(
            person,
            kind="reduced",
            occurred_on="2021-12-07",
            sentence_kind="",
            length="3 years",
            reason="amnesty",
            scheduled_release_on="2031-06-30",
            scheduled_release_precision="year",
        ),
    ]
    for data in posts:
        response = editor_client.post(_add_url(case), data)
        assert response.status_code == 302, response.content.decode()
    assert response["Location"].startswith(reverse("staff:case_detail", args=[case.pk]))
    # A month-precise date is kept as the month, whichever day was typed.
    assert SentenceStep.objects.filter(occurred_on=D(2017, 8, 1), precision="month").exists()

    page = editor_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert "<strong>12 years</strong> of imprisonment" in page
    assert "Scheduled release 2031" in page
    assert "Alisher Tursunov sentenced to 12 years of imprisonment" in page
    assert "August 2017" in page
    assert "Sentence of Alisher Tursunov increased by 2 years (contempt of court)" in page
    assert "March 2019" in page
    assert "Sentence of Alisher Tursunov reduced by 3 years (amnesty)" in page
    assert "Scheduled release: 2031." in page
    timeline = page[page.index('id="timeline-h"') :]
    assert (
        timeline.index("14 Mar 2016") < timeline.index("August 2017") < timeline.index("March 2019")
    )


def test_the_case_page_offers_add_sentence_step_to_editors_only(
    sentenced, editor_client, viewer_client
):
    case, _ = sentenced
    url = reverse("staff:case_detail", args=[case.pk])
    assert _add_url(case) in editor_client.get(url).content.decode()
    assert _add_url(case) not in viewer_client.get(url).content.decode()


def test_a_step_before_the_verdict_is_refused_on_the_staff_page_and_nothing_is_written(
    sentenced, editor_client
):
    case, person = sentenced
    sentence_step_log(
        case=case,
        person=person,
        kind="imposed",
        occurred_on=VERDICT,
        sentence_kind="imprisonment",
        months=144,
    )
    response = editor_client.post(
        _add_url(case),
        _form(person, kind="increased", occurred_on="2015-08-01", precision="month", length="2y"),
    )
    assert response.status_code == 400
    assert "A sentence step cannot come before the verdict (14 Mar 2016)." in (
        response.content.decode()
    )
    assert SentenceStep.objects.count() == 1


def test_a_step_in_the_verdicts_month_known_only_to_the_month_is_not_before_it(sentenced):
    case, person = sentenced
    sentence_step_log(
        case=case,
        person=person,
        kind="imposed",
        occurred_on=VERDICT,
        sentence_kind="imprisonment",
        months=144,
    )
    step = sentence_step_log(
        case=case,
        person=person,
        kind="reduced",
        occurred_on=D(2016, 3, 1),
        precision="month",
        months=12,
        reason="appeal",
    )
    assert step.date_display == "March 2016"


def test_a_person_who_is_not_a_party_is_refused_on_the_staff_page(sentenced, editor_client):
    case, _ = sentenced
    stranger = PersonFactory(given_name="Rinat", family_name="Batkayev")
    response = editor_client.post(_add_url(case), _form(stranger))
    assert response.status_code == 400
    assert "Rinat Batkayev is not a party to case UZ-2016-001" in response.content.decode()
    assert not SentenceStep.objects.exists()


def test_missing_lengths_another_countrys_article_and_bad_lengths_are_refused(sentenced):
    case, person = sentenced
    kazakh_article = ArticleFactory(jurisdiction="KZ", number="174")
    with pytest.raises(ValidationError) as refusal:
        sentence_step_log(
            case=case,
            person=person,
            kind="imposed",
            occurred_on=VERDICT,
            months=None,
            article=kazakh_article,
        )
    errors = refusal.value.message_dict
    assert errors["months"] == ["Give the length of the sentence."]
    assert errors["sentence_kind"] == ["Give the kind of sentence imposed."]
    assert "belongs to the code of Kazakhstan" in errors["article"][0]
    with pytest.raises(ValidationError, match="has no length"):
        sentence_step_log(
            case=case, person=person, kind="overturned", occurred_on=VERDICT, months=12
        )
    assert not SentenceStep.objects.exists()


def test_a_hidden_case_answers_404_to_the_add_page(editor_client):
    case = CaseFactory(restricted=True)
    assert editor_client.get(_add_url(case)).status_code == 404


def _admin_post(case, person, **values) -> dict:
    data = {
        "case": case.pk,
        "person": person.pk,
        "kind": "imposed",
        "occurred_on": VERDICT.isoformat(),
        "precision": "day",
        "sentence_kind": "imprisonment",
        "months": "144",
        "reason": "",
        "scheduled_release_precision": "day",
        "notes": "",
    }
    data.update(values)
    return data


def test_the_back_office_refuses_a_step_before_the_verdict_and_a_non_party(
    sentenced, administrator
):
    case, person = sentenced
    court = OrganisationFactory(country="UZ")
    sentence_step_log(
        case=case,
        person=person,
        kind="imposed",
        occurred_on=VERDICT,
        sentence_kind="imprisonment",
        months=144,
        court=court,
    )
    client = logged_in(administrator)
    url = "/admin/casefiles/sentencestep/add/"

    early = client.post(
        url, _admin_post(case, person, kind="increased", occurred_on="2015-01-10", sentence_kind="")
    )
    assert early.status_code == 200
    assert "A sentence step cannot come before the verdict (14 Mar 2016)." in (
        early.content.decode()
    )

    stranger = PersonFactory(given_name="Rinat", family_name="Batkayev")
    outsider = client.post(url, _admin_post(case, stranger))
    assert outsider.status_code == 200
    assert "Rinat Batkayev is not a party to case UZ-2016-001" in outsider.content.decode()
    assert SentenceStep.objects.count() == 1

    # The same page saves a valid step: the refusals above are the rules, not a broken form.
    saved = client.post(
        url,
        _admin_post(case, person, kind="increased", occurred_on="2017-08-01", sentence_kind="")
        | {"precision": "month", "months": "24"},
    )
    assert saved.status_code == 302
    assert SentenceStep.objects.count() == 2
