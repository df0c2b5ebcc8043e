"""The staff pages in a real Chromium, driven by Playwright: log in as `demo`, find the case
by a Cyrillic spelling, read the timeline, log a hearing, see a refused detention, and walk
the pages and the back office under the Content-Security-Policy with nothing refused.

Needs Debian's `chromium`; skipped where it is missing, failed under REQUIRE_SERVICES=1.
Screenshots go to var/screenshots/ for a human to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from casefiles.demo import DEFAULT_DEMO_PASSWORD, load_demo_case
from letters.demo import load_demo_letter
from tests.conftest import require_service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [
    pytest.mark.browser,
    # The live server runs in another thread: it must see committed data. serialized_rollback
    # puts back the roles the data migrations made, which the flush would otherwise empty
    # for the tests after it (conftest's roles_ensure is the safety net).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser(monkeypatch):
    require_service(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")),
        f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    )
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, settings, monkeypatch):
    # The live server speaks plain HTTP; secure-only cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # The server thread must not keep its connection open past each request, or the test
    # database cannot be dropped at the end of the run (PostgreSQL).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    demo = load_demo_case(password=DEFAULT_DEMO_PASSWORD)
    load_demo_letter(demo)
    yield live_server.url, demo
    # Playwright's greenlet gives this fixture its own context, hence its own database
    # connection, which the test database teardown does not see: close it here.
    connection.close()


def _log_in(page, base: str) -> None:
    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "demo")
    page.fill("#id_password", DEFAULT_DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _timeline_dates(page) -> list[str]:
    return page.locator(".timeline .entry time").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('datetime'))"
    )


def test_demo_finds_the_case_in_cyrillic_reads_the_timeline_and_logs_a_hearing(browser, site):
    base, demo = site
    page = browser.new_page(viewport=DESKTOP)
    _log_in(page, base)
    assert page.locator("text=Bekizhan Mendygazyev").first.is_visible()
    assert page.locator("text=no extension hearing recorded").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    # Find the case by typing the surname in Cyrillic.
    page.fill("#topsearch-q", "Мендыгазиев")
    page.press("#topsearch-q", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.locator(".results-persons >> text=Barlyk Mendygazyev").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)
    page.click(".results-cases >> text=KZ-2021-MENDYGAZYEV")
    page.wait_for_url(re.compile(rf"/cases/{demo.case.pk}/$"))

    # The timeline: the 6 Nov 2020 search comes before the 5 June 2021 detention.
    dates = _timeline_dates(page)
    assert dates == sorted(dates)
    assert dates.index("2020-11-06") < dates.index("2021-06-05")
    page.screenshot(path=str(SCREENSHOTS / "timeline.png"), full_page=True)

    # Log a hearing; back on the timeline it is marked, between the detention's start
    # (5 June) and its planned end (5 Aug).
    page.click("text=Log hearing")
    page.fill("#id_held_on", "2021-07-30")
    page.fill("#id_starts_at", "10:00")
    page.select_option("#id_kind", "extension")
    bekizhan = demo.persons["bekizhan"].pk
    assert page.locator(f"#id_defendants input[value='{bekizhan}']").is_checked()
    page.click("text=Save hearing")
    page.wait_for_url(re.compile(r"\?new=hearing-\d+#hearing-\d+$"))
    new_entry = page.locator(".entry.new")
    assert new_entry.count() == 1
    assert "Extension of detention" in new_entry.inner_text()
    assert new_entry.locator("time").get_attribute("datetime") == "2021-07-30"
    kinds_and_dates = page.locator(".timeline .entry").evaluate_all(
        "nodes => nodes.map(n => [n.dataset.kind,"
        " n.querySelector('time').getAttribute('datetime')])"
    )
    position = kinds_and_dates.index(["hearing", "2021-07-30"])
    assert kinds_and_dates[position - 1][1] <= "2021-07-30" <= kinds_and_dates[position + 1][1]
    assert ["detention_start", "2021-06-05"] in kinds_and_dates[:position]
    assert ["detention_planned_end", "2021-08-05"] in kinds_and_dates[position:]
    new_entry.screenshot(path=str(SCREENSHOTS / "hearing-logged.png"))


def test_demo_is_told_a_detention_cannot_end_before_it_starts(browser, site):
    base, demo = site
    page = browser.new_page(viewport=DESKTOP)
    _log_in(page, base)
    page.goto(f"{base}/cases/{demo.case.pk}/")
    page.click("text=Log detention")
    page.fill("#id_started_on", "2021-06-05")
    page.fill("#id_term", "2 months")
    assert page.locator("#term-preview").inner_text() == "Planned end: 5 Aug 2021"
    page.fill("#id_actual_end", "2021-06-01")
    page.click("text=Save detention")
    message = page.locator("#field-actual_end .error")
    assert (
        message.inner_text()
        == "The detention cannot end (1 Jun 2021) before it starts (5 Jun 2021)."
    )
    page.screenshot(path=str(SCREENSHOTS / "detention-refused.png"), full_page=True)


def test_the_pages_fit_a_phone_screen(browser, site):
    base, demo = site
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    _log_in(page, base)
    for name, path in [
        ("dashboard-phone", "/"),
        ("timeline-phone", f"/cases/{demo.case.pk}/"),
        ("cases-phone", "/cases/"),
        ("person-phone", f"/people/{demo.persons['bekizhan'].pk}/"),
        ("hearing-form-phone", f"/cases/{demo.case.pk}/hearings/new/"),
    ]:
        page.goto(f"{base}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_the_person_picker_adds_someone_found_by_a_cyrillic_name(browser, site):
    base, demo = site
    page = browser.new_page(viewport=DESKTOP)
    _log_in(page, base)
    page.goto(f"{base}/cases/{demo.case.pk}/detentions/new/")
    page.fill("#picker-id_person", "Жусупов")
    page.click(".picker-results >> text=Baurzhan Jussupov")
    assert page.locator("#id_person").input_value() == str(demo.persons["jussupov"].pk)


def test_another_participant_adds_rows_to_an_event_as_many_as_needed(browser, site):
    from casefiles.models import Event

    base, demo = site
    page = browser.new_page(viewport=PHONE)
    _log_in(page, base)
    page.goto(f"{base}/cases/{demo.case.pk}/events/new/")
    assert page.locator("[data-formset-row]").count() == 3
    for _ in range(2):
        page.click("text=Another participant")
    assert page.locator("[data-formset-row]").count() == 5
    page.select_option("#id_kind", "arrest")
    page.fill("#id_title", "Detained at the rally in Uralsk")
    page.fill("#id_occurred_on", "2021-03-01")
    chosen = [demo.persons["bekizhan"], demo.persons["jussupov"]]
    for row, person in zip((3, 4), chosen, strict=True):
        page.select_option(f"#id_participants-{row}-person", str(person.pk))
    # Someone who is not a party (an MEP who watched the trial), found by name: the first
    # row naming nobody takes them.
    page.fill("#picker-participants", "Austrevicius")
    page.click(".picker-results >> text=Petras Auštrevičius")
    observer = demo.persons["austrevicius"]
    assert page.locator("#id_participants-0-person").input_value() == str(observer.pk)
    page.click("button[type=submit]:has-text('Record event')")
    page.wait_for_url(re.compile(r"/cases/\d+/\?new=event-"))
    event = Event.objects.get(title="Detained at the rally in Uralsk")
    recorded = {p.person_id for p in event.participants.all()}
    assert recorded == {p.pk for p in chosen} | {observer.pk}


def _csp_refusals(page) -> list[str]:
    """Chromium logs every refusal under the Content-Security-Policy on the console."""
    refusals: list[str] = []

    def record(message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refusals.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return refusals


def test_the_pages_work_under_the_content_security_policy_with_nothing_refused(browser, site):
    from letters.choices import RenderStatus
    from letters.models import LetterVersion

    base, demo = site
    letter = demo.case.letters.get()
    page = browser.new_page(viewport=DESKTOP)
    refusals = _csp_refusals(page)
    _log_in(page, base)
    assert page.locator("text=no extension hearing recorded").first.is_visible()

    # Case page: the Print button prints (window.print stubbed: headless has no printer).
    page.goto(f"{base}/cases/{demo.case.pk}/")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") is True

    # Case list, filtered.
    page.goto(f"{base}/cases/?q=Mendygazyev")
    assert page.locator("text=KZ-2021-MENDYGAZYEV").first.is_visible()

    # Person picker: typing a Cyrillic name fills in suggestions from the server.
    page.goto(f"{base}/cases/{demo.case.pk}/hearings/new/")
    page.fill("#picker-id_defendants", "Жусупов")
    page.locator(".picker-results >> text=Baurzhan Jussupov").wait_for()

    # Letter page: the framed preview is styled in the PDF's font from files only, and the
    # versions table polls until a queued render has finished.
    version = LetterVersion.objects.create(
        letter=letter, number=1, content_hash="0" * 64, status=RenderStatus.QUEUED
    )
    page.goto(f"{base}/letters/{letter.pk}/")
    preview = page.frame_locator("iframe")
    assert "Mendygazyev" in preview.locator(".letter").inner_text()
    font = preview.locator("html").evaluate("html => getComputedStyle(html).fontFamily")
    assert font.startswith('"DejaVu Serif"')
    assert page.locator("#letter-versions").get_attribute("data-pending") == "1"
    version.status, version.error = RenderStatus.FAILED, "the printer caught fire"
    version.save()
    page.locator("#letter-versions >> text=the printer caught fire").wait_for(timeout=10_000)
    page.screenshot(path=str(SCREENSHOTS / "letter-page.png"), full_page=True)

    # Calendar: a click on the new address selects all of it for copying.
    page.goto(f"{base}/calendar/")
    page.click("form[action$='/calendar/new/'] button")
    page.click("input.copy")
    selected = page.evaluate(
        "() => { const i = document.querySelector('input.copy');"
        " return i.selectionEnd - i.selectionStart === i.value.length; }"
    )
    assert selected is True

    # Back office: a case's change page with its inlines, autocomplete and date widgets,
    # and its history page.
    page.goto(f"{base}/admin/casefiles/case/{demo.case.pk}/change/")
    rows = page.locator("#parties-group tr.form-row:not(.empty-form)").count()
    page.click("#parties-group .add-row a")
    assert page.locator("#parties-group tr.form-row:not(.empty-form)").count() == rows + 1
    # The new row's person autocomplete searches the server.
    page.locator("#parties-group tr.dynamic-parties").last.locator(
        ".field-person .select2-selection"
    ).click()
    page.fill(".select2-search__field", "Jussupov")
    page.locator(".select2-results >> text=Baurzhan Jussupov").wait_for()
    page.goto(f"{base}/admin/casefiles/case/{demo.case.pk}/history/")
    assert page.locator("#change-history").is_visible()

    assert refusals == []

    # The check above can fail: a style attribute added now is refused and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    assert any("inline style" in refusal for refusal in refusals)
