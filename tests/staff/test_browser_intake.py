"""A case from the news recorded on the staff pages alone, in a real Chromium: a lawyer
arrested in Uzbekistan, convicted on four articles created in place, his sentence increased
twice and reduced by an amnesty, a UN opinion finding the detention arbitrary.

The test counts the pages the browser loads (at most 12) and fails on any visit to the
back office. Needs Debian's `chromium`; skipped where it is missing, failed under
REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from casefiles.models import Case, Charge, SentenceStep
from tests.staff.test_browser import DESKTOP, SCREENSHOTS, _log_in, browser, site  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARREST = datetime.date(2022, 2, 17)
ARTICLES = [
    ("159", "4", "Attempt on the constitutional order"),
    ("165", "3", "Extortion"),
    ("168", "4", "Fraud"),
    ("228", "2", "Forgery of documents"),
]


def _count_loads(page, base: str) -> tuple[list[str], list[str]]:
    """Every page the browser loads, and every request that touched the back office."""
    loads: list[str] = []
    admin: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    page.on(
        "request",
        lambda request: (
            admin.append(request.url) if request.url.startswith(f"{base}/admin/") else None
        ),
    )
    return loads, admin


def _submit(page, label: str) -> None:
    with page.expect_navigation():
        page.click(f"button:has-text('{label}')")


def test_a_case_from_the_news_is_recorded_without_the_back_office(browser, site):  # noqa: F811
    base, _demo = site
    page = browser.new_page(viewport=DESKTOP)
    loads, admin = _count_loads(page, base)
    _log_in(page, base)

    # The New case page: the person typed in Latin with the Cyrillic original, the case in
    # Uzbekistan, the arrest, four charges under articles created in place, the source.
    page.goto(f"{base}/cases/new/")
    page.fill("#id_person_given_name", "Rustam")
    page.fill("#id_person_family_name", "Nazarov")
    page.fill("#id_person_name_original", "Рустам Назаров")
    page.select_option("#id_person_original_script", "cyrl")
    page.select_option("#id_country", "UZ")
    page.fill("#id_title", "Rustam Nazarov, lawyer")
    page.fill("#id_summary", "A defence lawyer arrested after representing detained activists.")
    page.select_option("#id_detention_measure", "arrest")
    page.fill("#id_detention_started_on", ARREST.isoformat())
    for row, (number, part, title) in enumerate(ARTICLES):
        if row:
            page.click("text=Another charge")
        page.fill(f"#id_charges-{row}-article_number", number)
        page.fill(f"#id_charges-{row}-article_part", part)
        page.fill(f"#id_charges-{row}-article_title", title)
        page.fill(f"#id_charges-{row}-brought_on", "2022-03-01")
    page.fill("#id_source_url", "https://news.example.org/2025/nazarov")
    page.fill("#id_source_title", "Lawyer Rustam Nazarov's sentence reduced under amnesty")
    page.fill("#id_source_publisher", "Example News")
    page.fill("#id_source_published_on", "2025-05-12")
    _submit(page, "Open case")
    page.wait_for_url(re.compile(r"/cases/\d+/\?new="))
    case = Case.objects.get(reference__startswith="UZ-")
    person = case.parties.get().person
    assert person.name_original == "Рустам Назаров"
    assert page.locator(".entry.new").count() >= 5  # the arrest and the four charges
    assert case.charges.count() == 4

    # The verdict: convicted on all four, 12 years of imprisonment.
    page.click("text=Record verdict")
    page.wait_for_load_state()
    page.select_option("#id_outcome", "convicted")
    for charge in Charge.objects.filter(case=case):
        page.check(f"input[name=charges][value='{charge.pk}']")
    page.fill("#id_decided_on", "2022-12-20")
    page.select_option("#id_sentence_kind", "imprisonment")
    page.fill("#id_sentence_years", "12")
    page.check("#id_counts_time_held")
    _submit(page, "Save verdict")

    # The rest of the chain on one page: +2 years (month known), +1 year (month known),
    # an amnesty taking 3 years off with a scheduled release known only to the year.
    page.goto(f"{base}/cases/{case.pk}/sentence-steps/new/")
    rows = [
        ("increased", "2023-08-01", "month", "2 years", "contempt of court"),
        ("increased", "2024-03-01", "month", "1 year", "disobeying the prison administration"),
        ("reduced", "2025-05-08", "day", "3 years", "amnesty"),
    ]
    for row, (kind, date, precision, length, reason) in enumerate(rows):
        if row:
            page.click("[data-chain-add]")
        page.select_option(f"#id_steps-{row}-kind", kind)
        page.fill(f"#id_steps-{row}-occurred_on", date)
        page.select_option(f"#id_steps-{row}-precision", precision)
        page.fill(f"#id_steps-{row}-length", length)
        page.fill(f"#id_steps-{row}-reason", reason)
    page.fill("#id_steps-2-scheduled_release_on", "2031-01-01")
    page.select_option("#id_steps-2-scheduled_release_precision", "year")
    _submit(page, "Save sentence steps")

    # The UN Working Group's opinion.
    page.goto(f"{base}/cases/{case.pk}/events/new/")
    page.select_option("#id_kind", "un_opinion")
    page.fill("#id_title", "UN Working Group on Arbitrary Detention: detention arbitrary")
    page.fill("#id_occurred_on", "2024-11-15")
    page.select_option("#id_precision", "day")
    _submit(page, "Record event")
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/\?new=event-\d+"))

    # The case page: a total of 12 years, custody counted from the arrest, the steps in
    # their order with their precision.
    page.goto(f"{base}/cases/{case.pk}/")
    sentences = page.locator("#sentences").inner_text()
    assert "12 years" in sentences
    assert "2031" in sentences
    days = (timezone.localdate() - ARREST).days
    assert f"in custody since 17 February 2022: {days:,} days" in page.inner_text("main")
    steps = page.locator(".timeline .entry[data-kind^='sentence']")
    assert steps.locator("time").all_inner_texts() == [
        "20 Dec 2022",
        "August 2023",
        "March 2024",
        "8 May 2025",
    ]
    titles = steps.locator(".title").all_inner_texts()
    assert "sentenced to 12 years of imprisonment" in titles[0]
    assert "increased by 2 years" in titles[1] and "increased by 1 year" in titles[2]
    assert "reduced by 3 years (amnesty)" in titles[3]
    timeline = page.inner_text(".timeline")
    assert "arbitrary" in timeline.lower()
    assert SentenceStep.objects.filter(case=case).count() == 4
    page.screenshot(path=str(SCREENSHOTS / "case-from-the-news.png"), full_page=True)

    print(f"page loads: {len(loads)}")  # shown with pytest -s
    assert admin == [], f"the back office was visited: {admin}"
    assert len(loads) <= 12, f"{len(loads)} page loads: {loads}"
