"""The whole letter job on the staff pages, in a real Chromium, as `demo` (issue 9's walk):
a letter about the demo case and a second case, from the pretrial detention template; an
addressee found by typing a Cyrillic name; three signatories; a source cited by its title and
a fact inserted; the preview; out for signature; one signature given; the text edited and
the change confirmed; the earlier signature then reads "Signed an earlier text". No page of
the back office is visited. Needs Debian's `chromium`; skipped where it is missing, failed
under REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime
import re

import pytest

from casefiles.choices import DetentionMeasure, PartyRole
from casefiles.models import Case, CaseParty, Detention, Source
from letters.choices import LetterStatus, SigningStatus
from letters.models import Letter
from people.choices import Script
from people.models import Person
from tests.staff.test_browser import DESKTOP, SCREENSHOTS, _log_in, browser, site  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _second_case() -> Case:
    """Another prisoner held before trial, with a cited detention (an invented case)."""
    case = Case.objects.create(
        reference="KZ-2021-044",
        title="Nurlan Abenov",
        country="KZ",
        opened_on=datetime.date(2021, 5, 20),
    )
    person = Person.objects.create(
        given_name="Nurlan",
        family_name="Abenov",
        name_original="Нурлан Абенов",
        original_script=Script.CYRILLIC,
    )
    CaseParty.objects.create(case=case, person=person, role=PartyRole.POLITICAL_PRISONER)
    detention = Detention.objects.create(
        case=case,
        person=person,
        measure=DetentionMeasure.PRETRIAL_DETENTION,
        started_on=datetime.date(2021, 5, 18),
    )
    source = Source.objects.create(
        title="Activist Abenov remanded in custody",
        publisher="Example Rights Monitor",
        url="https://example.org/abenov-remanded",
    )
    detention.sources.add(source)
    return case


def _add_from_picker(page, picking: str, query: str, button: str) -> None:
    """Type into the recipient or signatory picker and press a button of the first result."""
    page.fill(f"#pick-{picking}", query)
    choice = page.locator(f"#pick-{picking}-results")
    choice.locator(f"button:has-text('{button}')").first.wait_for(timeout=15_000)
    with page.expect_navigation():
        choice.locator(f"button:has-text('{button}')").first.click()


def test_a_letter_about_two_cases_is_written_signed_and_edited_on_the_staff_pages(
    browser,  # noqa: F811
    site,  # noqa: F811
):
    base, demo = site
    second = _second_case()
    page = browser.new_page(viewport=DESKTOP)
    back_office: list[str] = []
    page.on(
        "request",
        lambda request: (
            back_office.append(request.url) if request.url.startswith(f"{base}/admin/") else None
        ),
    )
    _log_in(page, base)

    # A letter about the demo case and the second one, from the pretrial detention template.
    page.goto(f"{base}/letters/new/for-case/{demo.case.pk}/")
    page.select_option("#id_template", label="Political prisoner in pretrial detention")
    page.fill("#id_reference", "LTR-2021-07-15")
    page.fill("#id_other_cases", second.reference)
    with page.expect_navigation():
        page.click("button:has-text('Create draft')")
    letter = Letter.objects.get(reference="LTR-2021-07-15")
    assert set(letter.cases.values_list("reference", flat=True)) == {
        demo.case.reference,
        second.reference,
    }
    assert "Mendygazyev" in letter.body and "Abenov" in letter.body
    page.wait_for_url(re.compile(rf"/letters/{letter.pk}/$"))

    # The addressee, found by the Cyrillic spelling of his name.
    _add_from_picker(page, "recipient", "Токаев", "Add as addressee")
    assert letter.recipients.get(kind="to").position.person.family_name == "Tokayev"

    # Three signatories, by name as typed from memory.
    for name in ("Austrevicius", "Nienass", "Santos"):
        _add_from_picker(page, "signatory", name, "Add as signatory")
    assert letter.signatories.count() == 3

    # The editor: cite the second case's source by its title, insert the demo detention.
    page.click("text=Edit text")
    page.wait_for_url(re.compile(rf"/letters/{letter.pk}/edit/$"))
    body = page.locator("#id_body")
    body.click()
    page.keyboard.press("Control+End")
    page.fill("#cite-q", "remanded in custody")
    page.locator("#cite-results button:has-text('Cite')").first.click()
    source = Source.objects.get(url="https://example.org/abenov-remanded")
    assert f"[^src:{source.pk}]" in body.input_value()
    detention = Detention.objects.get(case=demo.case, measure="pretrial")
    page.keyboard.press("Control+End")
    page.select_option("#fact-choice", f"detention:{detention.pk}")
    page.click("#facts button:has-text('Insert')")
    page.wait_for_function(
        "() => document.getElementById('id_body').value.includes('since 5 June 2021')"
    )
    # The preview is the PDF's own HTML, with the cited source as a footnote.
    preview = page.frame_locator("#letter-preview")
    preview.locator("text=since 5 June 2021").first.wait_for(timeout=15_000)
    assert preview.locator(".screen-footnotes").locator(f"text={source.url}").count() >= 1
    with page.expect_navigation():
        page.click("button:has-text('Save text')")
    letter.refresh_from_db()
    assert f"[^src:{source.pk}]" in letter.body

    # Out for signature: the text freezes as revision 1; one MEP's signature is recorded.
    page.goto(f"{base}/letters/{letter.pk}/")
    with page.expect_navigation():
        page.click("button:has-text('Send for signature')")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.COLLECTING
    first_revision = letter.revisions.get()
    signing = page.locator("li.signing form:has(button:has-text('Signed'))").first
    signing.locator("select").select_option("email")  # confirmed by email, no scan
    with page.expect_navigation():
        signing.locator("button:has-text('Signed')").click()
    signed = letter.signatories.get(status=SigningStatus.SIGNED)
    assert signed.revision_id == first_revision.pk

    # Editing now asks to confirm that those who signed will be asked again.
    page.click("text=Edit text")
    page.wait_for_url(re.compile(rf"/letters/{letter.pk}/edit/$"))
    assert page.locator("text=Signed this revision:").count() == 1
    body = page.locator("#id_body")
    body.fill(body.input_value() + "\n\nWe ask to be informed of the steps taken.")
    page.check("#id_asking_signatories_again")
    with page.expect_navigation():
        page.click("button:has-text('Save text')")

    page.goto(f"{base}/letters/{letter.pk}/")
    signed.refresh_from_db()
    assert signed.status == SigningStatus.EARLIER
    signatories = page.locator("#signatories, .card:has(h2:has-text('Signatories'))").first
    assert signatories.locator("text=Signed an earlier text").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "letter_job.png"), full_page=True)
    assert back_office == []
