"""The letter editor in a real Chromium, as `demo`: cite a source by typing its title,
insert a fact, and see both in the preview of the unsaved text — no id typed, no visit to
the back office. Needs Debian's `chromium`; skipped where it is missing, failed under
REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime
import re

import pytest

from casefiles.models import Detention, Source
from letters.models import Letter
from tests.staff.test_browser import DESKTOP, SCREENSHOTS, _log_in, browser, site  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_demo_cites_a_source_and_inserts_a_fact_and_sees_them_in_the_preview(
    browser,  # noqa: F811
    site,  # noqa: F811
):
    base, demo = site
    # The demo's own letter is sent and can no longer be edited: a new draft on its case.
    letter = Letter.objects.create(
        case=demo.case,
        reference="LTR-2021-07-01",
        subject="Bekizhan Mendygazyev",
        dated_on=datetime.date(2021, 7, 1),
        body="We write about **Mr Bekizhan Mendygazyev**.",
    )
    source = Source.objects.get(url="https://freedomkazakhstan.com/news/38.html")
    detention = Detention.objects.get(case=demo.case, measure="pretrial")
    detention.sources.add(source)

    page = browser.new_page(viewport=DESKTOP)
    back_office: list[str] = []
    page.on(
        "request",
        lambda request: (
            back_office.append(request.url) if request.url.startswith(f"{base}/admin/") else None
        ),
    )
    _log_in(page, base)
    page.goto(f"{base}/letters/{letter.pk}/")
    page.click("text=Edit text")
    page.wait_for_url(re.compile(rf"/letters/{letter.pk}/edit/$"))

    # Cite: type part of the title, pick the source; the marker goes in at the cursor.
    body = page.locator("#id_body")
    body.click()
    page.keyboard.press("End")
    page.fill("#cite-q", "parliamentary elections")
    page.locator("#cite-results button:has-text('Cite')").first.click()
    assert body.input_value().endswith(f"Mendygazyev**.[^src:{source.pk}]")

    # Insert the detention as a sentence at the cursor.
    page.keyboard.press("End")
    page.select_option("#fact-choice", f"detention:{detention.pk}")
    page.click("#facts button:has-text('Insert')")
    page.wait_for_function(
        "() => document.getElementById('id_body').value.includes('pretrial detention')"
    )
    assert "since 5 June 2021" in body.input_value()

    # The preview follows the unsaved text: the sentence and both footnotes' addresses.
    preview = page.frame_locator("#letter-preview")
    sentence = preview.locator("text=has been held in pretrial detention since 5 June 2021")
    sentence.wait_for(timeout=15_000)
    footnotes = preview.locator(".screen-footnotes")
    assert footnotes.locator(f"text={source.url}").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "letter_editor.png"), full_page=True)

    # Nothing is written until "Save text"; then the body keeps both.
    letter.refresh_from_db()
    assert "[^src:" not in letter.body
    with page.expect_navigation():
        page.click("button:has-text('Save text')")
    letter.refresh_from_db()
    assert f"[^src:{source.pk}]" in letter.body
    assert "pretrial detention since 5 June 2021" in letter.body
    assert back_office == []
