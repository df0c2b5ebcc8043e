"""Signatures through personal links, in a real Chromium: staff invite three signatories of
a frozen revision from the letter page; each invitation email's link is opened in a fresh
browser context with no session; two sign (one office on behalf of the MEP, with a signature
drawn on the canvas), one declines with a reason; staff make the letter final; the PDF ends
with the audit page holding the revision's SHA-256 and the three outcomes; pyHanko validates
its seal against the test CA; /verify/ accepts the PDF and rejects a copy with one byte
changed; "Send" delivers it through a real SMTP server on 127.0.0.1 and the letter is Sent.

Needs Debian's `chromium`; skipped where it is missing, failed under REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from pypdf import PdfReader

from letters.choices import LetterStatus, RenderStatus, SigningStatus
from letters.models import Letter, LetterSignatory
from letters.services_revisions import letter_send_for_signature
from letters.signing import load_certificates, pdf_signature_reports
from tests.factories import PersonFactory, PositionFactory
from tests.letters.conftest import make_letter
from tests.letters.pki import CertificateAuthority
from tests.smtp_server import smtp_server
from tests.staff.test_browser import DESKTOP, _csp_refusals, _log_in, browser, site  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LINK = re.compile(r"https?://\S+/sign/[A-Za-z0-9_-]+/")


def _letter_out_for_signature() -> Letter:
    letter = make_letter(signed=False)
    for recipient in letter.recipients.all():
        recipient.position = PositionFactory(emails=f"{recipient.kind}@gov.example.kz")
        recipient.save()
    person = PersonFactory(given_name="Hannah", family_name="Neumann")
    LetterSignatory.objects.create(
        letter=letter,
        person=person,
        position=PositionFactory(person=person),
        order=2,
        signs_as="MEP (Greens/EFA; Germany)",
    )
    for number, signatory in enumerate(letter.signatories.order_by("order")):
        signatory.position.emails = f"office{number}@ep.example.eu"
        signatory.position.save()
    letter_send_for_signature(letter=letter)
    return letter


def _open_link(browser, url: str):  # noqa: F811
    """A fresh context: no cookies, no session — the signatory's own browser."""
    context = browser.new_context(viewport=DESKTOP, user_agent="SignerBrowser/1.0")
    page = context.new_page()
    refusals = _csp_refusals(page)
    page.goto(url)
    return context, page, refusals


def test_three_signatories_answer_on_their_links_and_the_final_pdf_audits_it(
    browser,  # noqa: F811
    site,  # noqa: F811
    settings,
    tmp_path,
):
    base, _demo = site
    settings.LETTERS_SIGNER_BASE_URL = base
    ca = CertificateAuthority(tmp_path)  # the organisation's seal, issued by a test CA
    settings.LETTERS_SIGNING_PKCS12 = str(ca.signing_pkcs12())
    settings.LETTERS_SIGNING_PKCS12_PASSWORD = "secret"
    settings.LETTERS_TRUST_ROOTS = []
    letter = _letter_out_for_signature()
    mail.outbox.clear()

    staff = browser.new_page(viewport=DESKTOP)
    _log_in(staff, base)
    staff.goto(f"{base}/letters/{letter.pk}/")
    with staff.expect_navigation():
        staff.click("button:has-text('Invite all who have not answered')")
    assert "being emailed" in staff.content()

    links = {message.to[0]: LINK.search(message.body).group(0) for message in mail.outbox}
    assert sorted(links) == [f"office{n}@ep.example.eu" for n in range(3)]

    # Petras's office signs for him, with a signature drawn on the canvas.
    context, page, refusals = _open_link(browser, links["office0@ep.example.eu"])
    assert "Sign the letter" in page.content()
    page.check("input[name=capacity][value=office]")
    page.fill("#id_office_role", "Head of office")
    page.fill("#id_full_name", "Petras Auštrevičius")
    canvas = page.locator("#signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 30, box["y"] + 100 - (step % 3) * 25)
    page.mouse.up()
    assert page.input_value("input[name=signature_drawn]").startswith("data:image/png;base64,")
    with page.expect_navigation():
        page.click("button:has-text('Sign the letter')")
    assert "You signed this letter" in page.content()
    assert not refusals, refusals
    context.close()

    # Róża signs herself.
    context, page, _ = _open_link(browser, links["office1@ep.example.eu"])
    page.fill("#id_full_name", "Róża Thun und Hohenstein")
    with page.expect_navigation():
        page.click("button:has-text('Sign the letter')")
    assert "You signed this letter" in page.content()
    context.close()

    # Hannah declines with a reason.
    context, page, _ = _open_link(browser, links["office2@ep.example.eu"])
    page.fill("#id_reason", "I cannot support the second paragraph.")
    with page.expect_navigation():
        page.click("button:has-text('Decline to sign')")
    assert "You declined to sign this letter" in page.content()
    context.close()

    statuses = dict(letter.signatories.values_list("order", "status"))
    assert statuses == {
        0: SigningStatus.SIGNED,
        1: SigningStatus.SIGNED,
        2: SigningStatus.DECLINED,
    }

    staff.goto(f"{base}/letters/{letter.pk}/")
    assert "2 of 3 signed; 1 declined; ready to make final" in staff.content()
    with staff.expect_navigation():
        staff.click("button:has-text('Make final')")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FINAL
    version = letter.versions.get(is_final=True)
    assert version.status == RenderStatus.DONE, version.error
    with version.file.open("rb") as handle:
        data = handle.read()
    pages = PdfReader(io.BytesIO(data)).pages
    audit = " ".join(pages[-1].extract_text().split())
    assert "Audit of signatures" in audit
    assert letter.revisions.get().content_hash in audit.replace(" ", "")
    assert "through their office (Head of office)" in audit
    assert "by the MEP themselves" in audit
    assert "Declined" in audit and "second paragraph" in audit
    assert "Made final by demo" in audit

    # The seal validates against the test CA as the only trust root.
    # (In a thread: pyHanko runs its own event loop, and Playwright's holds this one.)
    with ThreadPoolExecutor(1) as pool:
        roots = load_certificates(ca.pem)
        [seal] = pool.submit(pdf_signature_reports, data, trust_roots=roots).result()
    assert seal.ok and seal.trusted and "Casefiles Test Signing" in seal.signer

    # Anyone checks the PDF at /verify/ (the footer's address), with no session.
    final_pdf, changed_pdf = tmp_path / "final.pdf", tmp_path / "changed.pdf"
    final_pdf.write_bytes(data)
    changed = bytearray(data)
    changed[changed.index(b"stream", changed.index(b"/Length")) + 20] ^= 0x01
    changed_pdf.write_bytes(bytes(changed))
    assert f"/verify/?ref={letter.reference}" in " ".join(pages[0].extract_text().split())
    context, page, refusals = _open_link(browser, f"{base}/verify/?ref={letter.reference}")
    for pdf, verdict in ((final_pdf, "Authentic"), (changed_pdf, "Not issued by us")):
        page.set_input_files("#id_pdf", str(pdf))
        with page.expect_navigation():
            page.click("button:has-text('Check')")
        assert verdict in page.locator("#verdict").inner_text()
    assert not refusals, refusals
    context.close()

    # Send: the addressee and the copy receive it through a real SMTP server.
    with smtp_server(settings) as (inbox, _):
        staff.goto(f"{base}/letters/{letter.pk}/")
        with staff.expect_navigation():
            staff.click("#sending button:has-text('Send')")
    for address in ("to@gov.example.kz", "cc@gov.example.kz"):
        [message] = inbox.to(address)
        [attachment] = [part for part in message.walk() if part.get_filename()]
        assert attachment.get_payload(decode=True) == data
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT and letter.sent_on
    staff.goto(f"{base}/letters/{letter.pk}/")
    assert "Sent on" in staff.content()
