"""Sending a final letter by email through a real SMTP server, and logging replies."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casefiles.timeline import case_timeline
from letters.choices import DeliveryKind, DeliveryStatus, LetterStatus
from letters.models import Delivery, Letter, Reply
from tests.conftest import password_login
from tests.factories import OrganisationFactory, PositionFactory
from tests.letters.conftest import make_letter
from tests.smtp_server import smtp_server


@pytest.fixture
def final_letter(db, finalise_now) -> Letter:
    """A final letter whose addressee, copy and signatories have addresses."""
    letter = make_letter()
    to, cc = letter.recipients.order_by("kind")  # "cc" < "to"
    to, cc = (cc, to) if to.kind == "cc" else (to, cc)
    to.position = PositionFactory(emails="president@example.kz")
    to.save()
    cc.position = PositionFactory(
        emails="", organisation=OrganisationFactory(email="ministry@example.kz")
    )
    cc.save()
    for n, signatory in enumerate(letter.signatories.all()):
        signatory.position.emails = f"office{n}@europarl.example.eu"
        signatory.position.save()
    version = finalise_now(letter)
    assert version.status == "done"
    letter.refresh_from_db()
    return letter


def send(client, letter, django_capture_on_commit_callbacks, name="letters:send"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse(name, args=[letter.pk]))


def test_send_emails_the_final_pdf_to_everyone_and_the_letter_is_sent(
    client, letters_user, final_letter, settings, django_capture_on_commit_callbacks
):
    password_login(client, letters_user)
    with smtp_server(settings) as (inbox, _):
        response = send(client, final_letter, django_capture_on_commit_callbacks)
    assert response.status_code == 302

    version = final_letter.versions.get(is_final=True)
    pdf = version.file.open("rb").read()
    for address in ("president@example.kz", "ministry@example.kz"):
        (message,) = inbox.to(address)
        attachments = [part for part in message.walk() if part.get_filename()]
        assert [a.get_filename() for a in attachments] == [f"{final_letter.reference}.pdf"]
        assert attachments[0].get_payload(decode=True) == pdf
        assert "/verify/?ref=" in message.get_payload()[0].get_payload()
    assert len(inbox.to("office0@europarl.example.eu")) == 1
    assert len(inbox.to("office1@europarl.example.eu")) == 1

    deliveries = {d.address: d for d in Delivery.objects.filter(letter=final_letter)}
    assert deliveries["president@example.kz"].kind == DeliveryKind.ADDRESSEE
    assert deliveries["ministry@example.kz"].kind == DeliveryKind.CC
    assert deliveries["office0@europarl.example.eu"].kind == DeliveryKind.SIGNATORY
    for address, delivery in deliveries.items():
        assert delivery.status == DeliveryStatus.SENT and delivery.sent_at
        assert delivery.message_id == inbox.to(address)[0]["Message-ID"]
    final_letter.refresh_from_db()
    assert final_letter.status == LetterStatus.SENT
    assert final_letter.sent_on is not None

    page = client.get(reverse("letters:detail", args=[final_letter.pk])).content.decode()
    assert "Sent on" in page and "president@example.kz" in page
    # On its case's timeline as sent.
    entries = case_timeline(final_letter.case, user=letters_user)
    assert any(e.kind == "letter_sent" for e in entries)


def test_an_smtp_failure_is_shown_and_a_retry_sends(
    client, letters_user, final_letter, settings, django_capture_on_commit_callbacks
):
    password_login(client, letters_user)
    with smtp_server(settings) as (_, controller):
        port = settings.EMAIL_PORT
        controller.stop()  # nobody listens: every connection is refused
        send(client, final_letter, django_capture_on_commit_callbacks)

    deliveries = Delivery.objects.filter(letter=final_letter)
    assert deliveries.count() == 4
    for delivery in deliveries:
        assert delivery.status == DeliveryStatus.FAILED, delivery.error
        assert delivery.attempts == settings.LETTERS_DELIVERY_ATTEMPTS
        assert "ConnectionRefusedError" in delivery.error
    final_letter.refresh_from_db()
    assert final_letter.status == LetterStatus.FINAL and final_letter.sent_on is None

    page = client.get(reverse("letters:detail", args=[final_letter.pk])).content.decode()
    assert "Sending failed for 4 of 4 addresses" in page
    dashboard = client.get(reverse("home")).content.decode()
    assert f"Sending of letter {final_letter.reference} failed" in dashboard
    # "Send" again is refused while deliveries exist; the retry button is the way.
    with smtp_server(settings, port=port) as (inbox, _):
        send(client, final_letter, django_capture_on_commit_callbacks, name="letters:send_retry")
    assert len(inbox.messages) == 4
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    final_letter.refresh_from_db()
    assert final_letter.status == LetterStatus.SENT
    dashboard = client.get(reverse("home")).content.decode()
    assert f"Sending of letter {final_letter.reference} failed" not in dashboard


def test_a_letter_that_is_not_final_or_whose_addressee_has_no_address_is_not_sent(
    client, letters_user, final_letter, settings, django_capture_on_commit_callbacks
):
    password_login(client, letters_user)
    draft = make_letter(signed=False)
    response = send(client, draft, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and not draft.deliveries.exists()
    addressee = final_letter.recipients.get(kind="to")
    addressee.position.emails = ""
    addressee.position.save()
    addressee.position.organisation.email = ""
    addressee.position.organisation.save()
    response = client.post(reverse("letters:send", args=[final_letter.pk]), follow=True)
    assert "The addressee has no email address" in response.content.decode()
    assert not final_letter.deliveries.exists()


def test_viewers_cannot_send(client, viewer, final_letter):
    password_login(client, viewer)
    assert client.post(reverse("letters:send", args=[final_letter.pk])).status_code == 403
    assert client.post(reverse("letters:send_retry", args=[final_letter.pk])).status_code == 403
    assert not final_letter.deliveries.exists()


def test_a_reply_is_logged_on_the_letter_page_and_appears_on_the_timeline(
    client, letters_user, final_letter
):
    password_login(client, letters_user)
    addressee = final_letter.recipients.get(kind="to")
    response = client.post(
        reverse("letters:reply_add", args=[final_letter.pk]),
        {
            "received_on": "2024-04-02",
            "sender": addressee.position.pk,
            "summary": "The ministry promises to look into it.",
            "pasted_email": "From: president@example.kz\n\nWe will look into it.",
        },
    )
    assert response.status_code == 302
    reply = Reply.objects.get(letter=final_letter)
    assert reply.received_on == datetime.date(2024, 4, 2)
    assert reply.from_person == addressee.position.person
    assert reply.file.read() == b"From: president@example.kz\n\nWe will look into it."
    entries = case_timeline(final_letter.case, user=letters_user)
    assert any(e.kind == "reply_received" and "promises" in e.detail for e in entries)

    scan = SimpleUploadedFile("reply.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    client.post(
        reverse("letters:reply_add", args=[final_letter.pk]),
        {"received_on": "2024-04-03", "summary": "A scan", "scan": scan},
    )
    assert Reply.objects.filter(letter=final_letter).count() == 2
    page = client.get(reverse("letters:detail", args=[final_letter.pk])).content.decode()
    assert "The ministry promises to look into it." in page and "A scan" in page
