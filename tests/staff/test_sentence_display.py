"""Sentences shown where staff look: the case page (counting time already held), the
person page, the brief and its PDF, the dashboard's detained rows and the case list's
"sentenced to more than N years" filter, each through the visibility rule and in a fixed
number of queries."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from casefiles.models import SentenceStep
from casefiles.services import add_months, detention_log
from casefiles.views.dashboard import DASHBOARD_ROWS
from tests.factories import CaseFactory, CasePartyFactory, DetentionFactory, PersonFactory
from tests.staff.test_dashboard import DASHBOARD_QUERIES

D = datetime.date
pytestmark = pytest.mark.django_db


def _step(case, person, kind, day, *, months=None, **extra) -> SentenceStep:
    return SentenceStep.objects.create(
        case=case, person=person, kind=kind, occurred_on=day, months=months, **extra
    )


def _the_news_chain(case, person) -> None:
    """12 years imposed in 2016, +2 and +1 years, then an amnesty takes 3 off and schedules
    the release for 2031, known to the year: 12 years in all."""
    _step(case, person, "imposed", D(2016, 3, 14), months=144, sentence_kind="imprisonment")
    _step(case, person, "increased", D(2017, 8, 1), months=24, precision="month")
    _step(case, person, "increased", D(2019, 3, 1), months=12, precision="month")
    _step(
        case,
        person,
        "reduced",
        D(2021, 12, 7),
        months=36,
        reason="amnesty",
        scheduled_release_on=D(2031, 1, 1),
        scheduled_release_precision="year",
    )


@pytest.fixture
def lawyer():
    """Arrested 12 Apr 2018 in one case, held pretrial, then sentenced on 3 Mar 2019 in a
    second case to 8 years counting time already held: release 12 Apr 2026, not 3 Mar 2027."""
    person = PersonFactory(given_name="Tohir", family_name="Karimov")
    first = CaseFactory(reference="UZ-2018-A")
    second = CaseFactory(reference="UZ-2019-B")
    for case in (first, second):
        CasePartyFactory(case=case, person=person)
    detention_log(
        case=first, person=person, measure="arrest", started_on=D(2018, 4, 12),
        actual_end=D(2018, 4, 14),
    )  # fmt: skip
    detention_log(
        case=first, person=person, measure="pretrial", started_on=D(2018, 4, 14),
        actual_end=D(2019, 3, 3),
    )  # fmt: skip
    detention_log(case=second, person=person, measure="imprisonment", started_on=D(2019, 3, 3))
    _step(
        second,
        person,
        "imposed",
        D(2019, 3, 3),
        months=96,
        sentence_kind="imprisonment",
        counts_time_held=True,
    )
    return person, first, second


def _case_page(client, case) -> str:
    return client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()


def _sentences_card(page: str) -> str:
    card = page[page.index('id="sentences"') :]
    return card[: card.index("</section>")]


def test_a_sentence_counting_time_held_runs_from_the_arrest_in_another_case(lawyer, viewer_client):
    _, _, second = lawyer
    card = _sentences_card(_case_page(viewer_client, second))
    assert "<strong>8 years</strong> of imprisonment" in card
    assert "Expected release 12 Apr 2026" in card


def test_time_held_in_a_case_the_reader_cannot_see_is_not_counted(lawyer, viewer_client):
    _, first, second = lawyer
    first.restricted = True
    first.save()
    card = _sentences_card(_case_page(viewer_client, second))
    assert "Expected release 3 Mar 2027" in card
    assert "2026" not in card


def test_a_sentence_that_does_not_count_time_held_runs_from_the_verdict(lawyer, viewer_client):
    _, _, second = lawyer
    SentenceStep.objects.update(counts_time_held=False)
    assert "Expected release 3 Mar 2027" in _sentences_card(_case_page(viewer_client, second))


def test_the_person_page_lists_the_sentence_in_each_visible_case(lawyer, viewer_client):
    person, first, second = lawyer
    hidden = CaseFactory(reference="UZ-2020-SECRET", restricted=True)
    CasePartyFactory(case=hidden, person=person)
    _step(hidden, person, "imposed", D(2020, 1, 1), months=300, sentence_kind="imprisonment")
    page = viewer_client.get(reverse("staff:person_detail", args=[person.pk])).content.decode()
    card = _sentences_card(page)
    assert "UZ-2019-B</a>:" in card
    assert "<strong>8 years</strong> of imprisonment" in card
    assert "Expected release 12 Apr 2026" in card
    assert "UZ-2020-SECRET" not in page
    assert "25 years" not in page


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_person_page_runs_the_same_queries_with_2_and_20_sentenced_cases(viewer_client):
    person = PersonFactory()
    url = reverse("staff:person_detail", args=[person.pk])
    counts = []
    for total in (2, 20):
        while SentenceStep.objects.filter(person=person).count() < total:
            detention = DetentionFactory(
                person=person, measure="imprisonment", started_on=D(2018, 1, 1)
            )
            _step(
                detention.case,
                person,
                "imposed",
                D(2019, 1, 1),
                months=60,
                sentence_kind="imprisonment",
                counts_time_held=True,
            )
        counts.append(_count_queries(viewer_client, url))
    assert counts[0] == counts[1]
    page = viewer_client.get(url).content.decode()
    assert page.count("Expected release 1 Jan 2023") == 20  # 5 years from the arrest


def test_the_brief_page_and_pdf_show_the_sentences(viewer_client):
    case = CaseFactory(reference="UZ-2016-001")
    person = PersonFactory(given_name="Alisher", family_name="Tursunov", name_original="Алишер")
    CasePartyFactory(case=case, person=person)
    _the_news_chain(case, person)

    page = viewer_client.get(reverse("staff:case_brief", args=[case.pk])).content.decode()
    page = " ".join(page.split())
    assert "<h2>Sentences</h2>" in page
    assert "Alisher Tursunov: 12 years of imprisonment; Scheduled release 2031" in page

    response = viewer_client.get(reverse("staff:case_brief_pdf", args=[case.pk]))
    assert response.status_code == 200
    text = " ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    sentences = text[text.index("Sentences") : text.index("Timeline")]
    assert "Alisher Tursunov (Алишер): 12 years of imprisonment; Scheduled release 2031" in (
        sentences
    )


def test_the_dashboard_shows_the_sentence_being_served_by_those_detained_now(viewer_client):
    today = timezone.localdate()
    held = DetentionFactory(measure="imprisonment", started_on=today - datetime.timedelta(days=30))
    _step(held.case, held.person, "imposed", today, months=24, sentence_kind="imprisonment")
    overturned = DetentionFactory(measure="pretrial", started_on=today)
    _step(overturned.case, overturned.person, "imposed", D(2020, 1, 1), months=60)
    _step(overturned.case, overturned.person, "overturned", D(2021, 1, 1))
    page = viewer_client.get(reverse("staff:dashboard")).content.decode()
    release = add_months(today, 24)
    assert f"Sentenced to 2 years of imprisonment; expected release {release.day} " in page
    assert f"{release:%b %Y}" in page
    assert page.count("Sentenced to") == 1  # the overturned sentence is not served


@pytest.mark.parametrize("count", [3, 40])
def test_the_dashboard_with_sentences_runs_the_same_queries_however_many_detainees(
    viewer_client, django_assert_num_queries, count
):
    today = timezone.localdate()
    for n in range(count):
        detention = DetentionFactory(
            measure="imprisonment", started_on=today - datetime.timedelta(days=n + 400)
        )
        _step(
            detention.case,
            detention.person,
            "imposed",
            today - datetime.timedelta(days=n),
            months=12 + n,
            sentence_kind="imprisonment",
            counts_time_held=True,
        )
    # The dashboard's pinned queries, less the hearings' defendants (no hearings here, -1),
    # plus the custody runs of those whose verdict counts time already held (+1).
    with django_assert_num_queries(DASHBOARD_QUERIES - 1 + 1):
        response = viewer_client.get(reverse("staff:dashboard"))
    # Only the longest in custody are listed, each with the sentence they serve.
    assert response.content.decode().count("Sentenced to") == min(count, DASHBOARD_ROWS)


def _listed(client, **params) -> set[str]:
    response = client.get(reverse("staff:case_list"), params)
    assert response.status_code == 200
    return {case.reference for case in response.context["page"]}


def test_the_case_list_finds_cases_with_someone_sentenced_to_more_than_n_years(viewer_client):
    news = CaseFactory(reference="UZ-2016-001")
    person = PersonFactory()
    CasePartyFactory(case=news, person=person)
    _the_news_chain(news, person)  # 12 years, once 15 before the amnesty

    retried = CaseFactory(reference="KZ-RETRIAL")
    other = PersonFactory()
    CasePartyFactory(case=retried, person=other)
    _step(retried, other, "imposed", D(2018, 1, 1), months=240, sentence_kind="imprisonment")
    _step(retried, other, "imposed", D(2019, 1, 1), months=36, sentence_kind="imprisonment")

    quashed = CaseFactory(reference="KZ-QUASHED")
    third = PersonFactory()
    CasePartyFactory(case=quashed, person=third)
    _step(quashed, third, "imposed", D(2018, 1, 1), months=240, sentence_kind="imprisonment")
    _step(quashed, third, "overturned", D(2019, 1, 1))

    hidden = CaseFactory(reference="KZ-HIDDEN", restricted=True)
    _step(hidden, PersonFactory(), "imposed", D(2018, 1, 1), months=240)

    CaseFactory(reference="KZ-NONE")

    assert _listed(viewer_client, sentenced_over_years=10) == {"UZ-2016-001"}
    assert _listed(viewer_client, sentenced_over_years=12) == set()
    assert _listed(viewer_client, sentenced_over_years=2) == {"UZ-2016-001", "KZ-RETRIAL"}
    assert _listed(viewer_client) == {"UZ-2016-001", "KZ-RETRIAL", "KZ-QUASHED", "KZ-NONE"}


def test_a_negative_number_of_years_is_refused_with_a_message(viewer_client):
    response = viewer_client.get(reverse("staff:case_list"), {"sentenced_over_years": "-1"})
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
