"""Invitations to sign through a personal link: staff invite the signatories of a frozen
revision, each gets an email with their link; on it, without an account, they sign (the MEP
or their office, with a drawn or uploaded signature) or decline with a reason. A link that
expired, was revoked or belongs to an earlier revision is refused with a message and changes
nothing; a second decision is refused. Reminders stop at the configured number; making the
letter final leaves off those who did not sign and ends the PDF with the audit page."""

from __future__ import annotations

import base64
import datetime
import io
import re
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from letters import invitations
from letters.choices import LetterStatus, SignatoryEventKind, SignedVia, SigningStatus
from letters.invitations import (
    invitations_send,
    letter_signature_rules_set,
    letter_signature_summary,
    signature_reminders_send,
    token_digest,
)
from letters.models import Letter, LetterSignatory, SignatoryEvent, SignatureInvitation
from letters.services_revisions import letter_send_for_signature, letter_text_update
from tests.conftest import password_login
from tests.factories import PersonFactory, PositionFactory
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/sign/([A-Za-z0-9_-]+)/")
BROWSER = "Mozilla/5.0 (MEP office laptop)"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def out_for_signature(db, letters_user) -> Letter:
    """A letter out for signature with three signatories, each with an office address."""
    letter = make_letter(signed=False)
    person = PersonFactory(given_name="Hannah", family_name="Neumann")
    LetterSignatory.objects.create(
        letter=letter,
        person=person,
        position=PositionFactory(person=person),
        order=2,
        signs_as="MEP (Greens/EFA; Germany)",
    )
    for number, signatory in enumerate(letter.signatories.order_by("order")):
        position = signatory.position
        position.emails = f"office{number}@ep.example.eu"
        position.save()
    letters_user.email = "lena@casefiles.example"
    letters_user.save()
    letter_send_for_signature(letter=letter, sent_by=letters_user)
    return letter


def invite(letter: Letter, by, capture, **kwargs) -> dict[str, str]:
    """Invite and run the emails' task; the links sent, by address."""
    mail.outbox.clear()
    with capture(execute=True):
        invitations_send(letter=letter, by=by, **kwargs)
    return {message.to[0]: LINK.search(message.body).group(1) for message in mail.outbox}


def signer() -> Client:
    """A browser with no session: the signatory's."""
    return Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.7")


def png_data_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "white").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def signatory_of(letter: Letter, order: int) -> LetterSignatory:
    return letter.signatories.get(order=order)


def snapshot(letter: Letter) -> tuple:
    """Everything a refused link must leave as it was."""
    return (
        list(letter.signatories.order_by("pk").values_list("status", "signed_at", "signed_name")),
        SignatoryEvent.objects.count(),
        Letter.objects.get(pk=letter.pk).status,
    )


# --- Inviting -----------------------------------------------------------------------------


def test_each_signatory_gets_an_email_with_a_personal_link_and_only_its_hash_is_kept(
    out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    links = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)
    assert sorted(links) == [f"office{n}@ep.example.eu" for n in range(3)]
    assert len(set(links.values())) == 3
    for address, token in links.items():
        invitation = SignatureInvitation.objects.get(sent_to=address)
        assert invitation.token_hash == token_digest(token) and token not in invitation.token_hash
        assert invitation.revision == out_for_signature.revisions.get()
        kinds = list(invitation.events.values_list("kind", flat=True))
        assert kinds == [SignatoryEventKind.INVITED, SignatoryEventKind.EMAIL_SENT]
    expires = SignatureInvitation.objects.first().expires_at - timezone.now()
    assert datetime.timedelta(days=13) < expires <= datetime.timedelta(days=14)


def test_a_draft_cannot_be_invited_to_sign(letters_user):
    letter = make_letter(signed=False)
    with pytest.raises(Exception, match="send it for signature first"):
        invitations_send(letter=letter, by=letters_user)
    assert not SignatureInvitation.objects.exists()


def test_staff_invite_from_the_letter_page_and_see_the_states(
    client, out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    client = password_login(client, letters_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:invite", args=[out_for_signature.pk]))
    assert response.status_code == 302 and len(mail.outbox) == 3
    page = client.get(reverse("letters:detail", args=[out_for_signature.pk])).content.decode()
    assert "Invitations to sign" in page and "link sent to office0@ep.example.eu" in page
    assert "0 of 3 signed" in page
    states = client.get(reverse("letters:signature_states", args=[out_for_signature.pk])).json()
    assert [row["last_event"] for row in states["signatories"]] == ["Email sent"] * 3


def test_a_failed_email_is_recorded_with_its_reason_and_shown_on_the_letter_page(
    client, out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    with mock.patch(
        "django.core.mail.EmailMessage.send", side_effect=ConnectionRefusedError("SMTP down")
    ):
        invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)
    failed = SignatoryEvent.objects.filter(kind=SignatoryEventKind.EMAIL_FAILED)
    assert failed.count() == 3 and "SMTP down" in failed.first().detail
    page = password_login(client, letters_user).get(
        reverse("letters:detail", args=[out_for_signature.pk])
    )
    assert "Email failed: Sending to office0@ep.example.eu failed" in page.content.decode()


def test_resending_makes_the_earlier_link_stop_working(
    out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    first = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)
    petras = signatory_of(out_for_signature, 0)
    again = invite(
        out_for_signature, letters_user, django_capture_on_commit_callbacks, signatory=petras
    )
    old, new = first["office0@ep.example.eu"], again["office0@ep.example.eu"]
    assert old != new
    response = signer().get(reverse("signer_page", args=[old]))
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert signer().get(reverse("signer_page", args=[new])).status_code == 200


# --- The signer page ----------------------------------------------------------------------


def test_the_signer_page_needs_no_account_is_not_indexed_and_shows_only_the_letter(
    out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    token = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)[
        "office0@ep.example.eu"
    ]
    response = signer().get(reverse("signer_page", args=[token]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "<script>" not in html  # code comes from static files only (CSP)
    revision = out_for_signature.revisions.get()
    assert revision.content_hash in html
    invitation = SignatureInvitation.objects.get(token_hash=token_digest(token))
    assert invitation.pdf_version.sha256 in html
    assert "Róża THUN" in html and "Hannah NEUMANN" in html
    assert out_for_signature.case.title not in html
    opened = SignatoryEvent.objects.get(kind=SignatoryEventKind.OPENED)
    assert (opened.ip, opened.user_agent) == ("198.51.100.7", BROWSER)
    pdf = signer().get(reverse("signer_pdf", args=[token]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_an_unknown_link_is_not_found_and_writes_nothing(out_for_signature):
    before = snapshot(out_for_signature)
    response = signer().get(reverse("signer_page", args=["not-a-real-token"]))
    assert response.status_code == 404 and "This link is not valid" in response.content.decode()
    assert snapshot(out_for_signature) == before


def test_the_signer_pages_are_rate_limited(
    out_for_signature, letters_user, django_capture_on_commit_callbacks, settings
):
    settings.LETTERS_SIGNER_RATE_PER_MINUTE = 3
    token = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)[
        "office1@ep.example.eu"
    ]
    browser = signer()
    statuses = [browser.get(reverse("signer_page", args=[token])).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_mep_signs_with_the_name_as_typed(
    out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    token = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)[
        "office1@ep.example.eu"
    ]
    mail.outbox.clear()
    browser = signer()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("signer_sign", args=[token]),
            {"capacity": "mep", "full_name": "Róża Thun und Hohenstein"},
        )
    assert response.status_code == 302
    roza = signatory_of(out_for_signature, 1)
    assert roza.status == SigningStatus.SIGNED and roza.signed_via == SignedVia.LINK
    assert roza.signed_name == "Róża Thun und Hohenstein" and roza.signed_for_as == ""
    assert roza.revision == out_for_signature.revisions.get()
    signed = SignatoryEvent.objects.get(kind=SignatoryEventKind.SIGNED)
    assert (signed.ip, signed.user_agent) == ("198.51.100.7", BROWSER)
    assert "by the MEP themselves" in signed.detail
    # Whoever invited is told.
    assert [m.to for m in mail.outbox] == [["lena@casefiles.example"]]
    assert "1 of 3 signed" in mail.outbox[0].body
    page = browser.get(reverse("signer_page", args=[token])).content.decode()
    assert "You signed this letter" in page and "Sign the letter" not in page


def test_the_office_signs_for_the_mep_with_a_drawn_signature(
    out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    token = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)[
        "office0@ep.example.eu"
    ]
    response = signer().post(
        reverse("signer_sign", args=[token]),
        {
            "capacity": "office",
            "office_role": "Head of office",
            "full_name": "Petras Auštrevičius",
            "signature_drawn": png_data_url(),
        },
    )
    assert response.status_code == 302
    petras = signatory_of(out_for_signature, 0)
    assert petras.signed_for_as == "Head of office" and petras.signature_image
    with petras.signature_image.open("rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "for the MEP, as Head of office" in SignatoryEvent.objects.get(kind="signed").detail


def test_an_office_must_say_in_which_capacity_and_a_bad_image_is_refused(
    out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    token = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)[
        "office0@ep.example.eu"
    ]
    before = snapshot(out_for_signature)
    no_role = signer().post(
        reverse("signer_sign", args=[token]), {"capacity": "office", "full_name": "A B"}
    )
    assert no_role.status_code == 400 and "in which capacity" in no_role.content.decode()
    not_png = signer().post(
        reverse("signer_sign", args=[token]),
        {
            "capacity": "mep",
            "full_name": "A B",
            "signature_drawn": "data:image/png;base64," + base64.b64encode(b"<svg/>").decode(),
        },
    )
    assert not_png.status_code == 400 and "not a PNG" in not_png.content.decode()
    assert snapshot(out_for_signature)[0] == before[0]
    assert not SignatoryEvent.objects.filter(kind="signed").exists()


def test_declining_needs_a_reason_and_is_recorded(
    out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    token = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)[
        "office2@ep.example.eu"
    ]
    empty = signer().post(reverse("signer_decline", args=[token]), {"capacity": "mep"})
    assert empty.status_code == 400
    response = signer().post(
        reverse("signer_decline", args=[token]),
        {"capacity": "mep", "reason": "I am travelling that week."},
    )
    assert response.status_code == 302
    hannah = signatory_of(out_for_signature, 2)
    assert hannah.status == SigningStatus.DECLINED
    assert hannah.decline_reason == "I am travelling that week." and hannah.declined_at
    declined = SignatoryEvent.objects.get(kind=SignatoryEventKind.DECLINED)
    assert declined.ip == "198.51.100.7" and "travelling" in declined.detail


# --- Refusals: the must-show line ---------------------------------------------------------


@pytest.fixture
def one_link(out_for_signature, letters_user, django_capture_on_commit_callbacks):
    token = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)[
        "office0@ep.example.eu"
    ]
    return out_for_signature, token


SIGN = {"capacity": "mep", "full_name": "Petras Auštrevičius"}
DECLINE = {"capacity": "mep", "reason": "No."}


def assert_refused(letter: Letter, token: str, status: int, message: str) -> None:
    before = snapshot(letter)
    for name, data in (("signer_sign", SIGN), ("signer_decline", DECLINE)):
        response = signer().post(reverse(name, args=[token]), data)
        assert response.status_code == status, name
        assert message in response.content.decode()
        assert "Nothing has been recorded" in response.content.decode()
    page = signer().get(reverse("signer_page", args=[token]))
    if status != 409:
        assert page.status_code == status and message in page.content.decode()
    assert snapshot(letter) == before


def test_an_expired_link_is_refused_and_changes_nothing(one_link):
    letter, token = one_link
    SignatureInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert_refused(letter, token, 410, "This link expired on")


def test_a_revoked_link_is_refused_and_changes_nothing(client, one_link, letters_user):
    letter, token = one_link
    invitation = SignatureInvitation.objects.get(token_hash=token_digest(token))
    client = password_login(client, letters_user)
    client.post(reverse("letters:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert SignatoryEvent.objects.filter(kind=SignatoryEventKind.REVOKED).count() == 1
    assert_refused(letter, token, 410, "This link has been withdrawn")


def test_a_link_for_an_earlier_revision_is_refused_and_changes_nothing(one_link, letters_user):
    letter, token = one_link
    letter_text_update(
        letter=letter,
        subject=letter.subject,
        place=letter.place,
        dated_on=letter.dated_on,
        salutation=letter.salutation,
        body="A corrected text.",
        closing=letter.closing,
    )
    assert_refused(letter, token, 410, "The letter has been changed since this link was sent")
    # Out for signature again: revision 2, and the old link still belongs to revision 1.
    letter_send_for_signature(letter=letter, sent_by=letters_user)
    assert_refused(letter, token, 410, "it was for an earlier text")


def test_a_second_decision_on_the_same_link_is_refused(one_link):
    letter, token = one_link
    assert signer().post(reverse("signer_sign", args=[token]), SIGN).status_code == 302
    assert_refused(letter, token, 409, "a decision cannot be taken twice")
    petras = signatory_of(letter, 0)
    assert petras.status == SigningStatus.SIGNED


def test_a_decline_cannot_be_followed_by_a_signature(one_link):
    letter, token = one_link
    assert signer().post(reverse("signer_decline", args=[token]), DECLINE).status_code == 302
    assert_refused(letter, token, 409, "You have already declined")


# --- Reminders and co-signature rules -----------------------------------------------------


def test_reminders_go_daily_to_those_who_have_not_answered_and_stop_at_the_maximum(
    one_link, letters_user, settings
):
    letter, token = one_link
    settings.LETTERS_MAX_REMINDERS = 3
    SignatureInvitation.objects.update(last_sent_at=timezone.now() - datetime.timedelta(days=2))
    mail.outbox.clear()
    now = timezone.now()
    sent = []
    for day in range(1, 6):
        sent.append(signature_reminders_send(now=now + datetime.timedelta(days=day)))
    assert sent == [3, 3, 3, 0, 0]  # three signatories, three reminders each, then no more
    invitation = SignatureInvitation.objects.get(sent_to="office0@ep.example.eu")
    assert invitation.reminders_sent == 3 and len(mail.outbox) == 9
    assert all(message.subject.startswith("Reminder: ") for message in mail.outbox)
    assert invitation.events.filter(kind=SignatoryEventKind.REMINDED).count() == 3
    # The newest email's link works; the first one's was replaced.
    to_petras = [m for m in mail.outbox if m.to == ["office0@ep.example.eu"]]
    newest = LINK.search(to_petras[-1].body).group(1)
    assert signer().get(reverse("signer_page", args=[newest])).status_code == 200
    assert signer().get(reverse("signer_page", args=[token])).status_code == 404


def test_nobody_who_answered_or_past_the_deadline_is_reminded(one_link):
    letter, token = one_link
    SignatureInvitation.objects.update(last_sent_at=timezone.now() - datetime.timedelta(days=2))
    letter_signature_rules_set(
        letter=letter, deadline=timezone.localdate() - datetime.timedelta(days=1), minimum=None
    )
    assert signature_reminders_send() == 0
    letter_signature_rules_set(letter=letter, deadline=None, minimum=None)
    signer().post(reverse("signer_sign", args=[token]), SIGN)
    assert signature_reminders_send() == 2  # the two others; Petras has signed
    petras = SignatureInvitation.objects.get(token_hash=token_digest(token))
    assert petras.reminders_sent == 0


def test_the_letter_page_says_when_the_letter_is_ready(
    client, out_for_signature, letters_user, django_capture_on_commit_callbacks
):
    links = invite(out_for_signature, letters_user, django_capture_on_commit_callbacks)
    client = password_login(client, letters_user)
    client.post(
        reverse("letters:signature_rules", args=[out_for_signature.pk]),
        {"signature_deadline": "2026-06-28", "signatures_required": "2"},
    )
    out_for_signature.refresh_from_db()
    assert out_for_signature.signatures_required == 2
    assert letter_signature_summary(out_for_signature).text == (
        "0 of 3 signed; deadline 28 June; 2 more needed to make final"
    )
    for address in ("office0@ep.example.eu", "office1@ep.example.eu"):
        signer().post(reverse("signer_sign", args=[links[address]]), SIGN)
    page = client.get(reverse("letters:detail", args=[out_for_signature.pk])).content.decode()
    assert "2 of 3 signed; deadline 28 June; ready to make final" in page


def test_a_minimum_above_the_signatories_is_refused(out_for_signature):
    with pytest.raises(Exception, match="Between 1 and the number of signatories"):
        letter_signature_rules_set(letter=out_for_signature, deadline=None, minimum=9)


# --- The final PDF ------------------------------------------------------------------------


def test_making_final_leaves_off_who_did_not_sign_and_ends_with_the_audit_page(
    out_for_signature,
    letters_user,
    django_capture_on_commit_callbacks,
    signing_certificate,
):
    letter = out_for_signature
    links = invite(letter, letters_user, django_capture_on_commit_callbacks)
    signer().get(reverse("signer_page", args=[links["office0@ep.example.eu"]]))
    signer().post(
        reverse("signer_sign", args=[links["office0@ep.example.eu"]]),
        {
            "capacity": "office",
            "office_role": "Head of office",
            "full_name": "Petras Auštrevičius",
            "signature_drawn": png_data_url(),
        },
    )
    signer().post(reverse("signer_decline", args=[links["office2@ep.example.eu"]]), DECLINE)
    letter_signature_rules_set(letter=letter, deadline=None, minimum=1)
    from letters.services import letter_finalise

    with django_capture_on_commit_callbacks(execute=True):
        version = letter_finalise(letter=letter, requested_by=letters_user)
    version.refresh_from_db()
    assert version.status == "done", version.error
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FINAL and letter.finalised_by == letters_user
    with version.file.open("rb") as handle:
        pdf = handle.read()
    pages = PdfReader(io.BytesIO(pdf)).pages
    letter_text = " ".join(page.extract_text() for page in pages[:-1])
    audit = " ".join(pages[-1].extract_text().split())
    assert "AUŠTREVIČIUS" in letter_text
    assert "THUN" not in letter_text and "NEUMANN" not in letter_text  # did not sign
    assert "Audit of signatures" in audit and letter.reference in audit
    revision_hash = letter.revisions.get().content_hash
    assert revision_hash in audit.replace(" ", "")
    assert "Head of office" in audit and "198.51.100.7" in audit
    assert "By email to office0@ep.example.eu" in audit
    assert "through their office (Head of office)" in audit
    assert "Declined" in audit and "No." in audit and "Did not sign this revision" in audit
    assert "lena_letters" in audit
    # The organisation's seal is over the whole file, audit page included.
    from letters.signing import pdf_signature_reports

    (report,) = pdf_signature_reports(pdf)
    assert report.ok and report.trusted


def test_without_a_minimum_making_final_still_waits_for_everyone(out_for_signature):
    from letters.services import letter_finalise

    with pytest.raises(Exception, match="still waiting for"):
        letter_finalise(letter=out_for_signature)


def test_the_invitation_link_is_built_from_the_configured_address(settings):
    settings.LETTERS_SIGNER_BASE_URL = "https://casefiles.example.org/"
    assert invitations.signer_url("abc") == "https://casefiles.example.org/sign/abc/"


def test_the_dashboard_says_who_signed_or_declined_while_the_letter_collects_signatures(
    out_for_signature, letters_user, viewer, django_capture_on_commit_callbacks
):
    letter = out_for_signature
    links = invite(letter, letters_user, django_capture_on_commit_callbacks)
    letters_user.email = ""  # the email to whoever invited goes nowhere: the dashboard says it
    letters_user.save()
    signer().post(reverse("signer_sign", args=[links["office0@ep.example.eu"]]), SIGN)
    signer().post(
        reverse("signer_decline", args=[links["office2@ep.example.eu"]]),
        {"capacity": "mep", "reason": "I do not sign letters about <b>cases</b> I have not read."},
    )
    signed = signatory_of(letter, 0).person.signature_name
    declined = signatory_of(letter, 2).person.signature_name

    def dashboard(user) -> str:
        client = Client()
        client.force_login(user)
        return client.get(reverse("staff:dashboard")).content.decode()

    page = dashboard(letters_user)
    assert f"{signed} signed letter {letter.reference}" in page
    assert f"{declined} declined letter {letter.reference}" in page
    assert "&lt;b&gt;cases&lt;/b&gt;" in page  # the reason, escaped
    assert page.index(declined) < page.index(f"{signed} signed")  # newest first
    assert letter.get_absolute_url() in page

    assert f"{signed} signed letter {letter.reference}" in dashboard(viewer)
    letter.case.restricted = True
    letter.case.save()
    assert letter.reference not in dashboard(viewer)  # a letter they may not see

    Letter.objects.filter(pk=letter.pk).update(status=LetterStatus.FINAL)
    assert letter.reference not in dashboard(letters_user)  # nothing left to do
