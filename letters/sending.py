"""Sending a final letter by email: "Send" on the letter page.

`letter_send` makes one Delivery per address — the addressee, each copy (cc) and each
signatory's office — and queues `letters.tasks.send_letter_delivery` for each once the
transaction commits. The task (`delivery_send`) emails the final PDF to that one address and
records the outcome: sent with the message id, or the error. A refused or unreachable server
is tried again by the task (LETTERS_DELIVERY_ATTEMPTS in all, with growing pauses); after the
last attempt the delivery is *failed*, shown on the letter page and on the dashboard, and
"Retry" (`deliveries_retry`) queues it again. When every delivery of the letter is sent the
letter becomes *sent*, dated that day, and shows as sent on its cases' timelines.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from letters.choices import DeliveryKind, DeliveryStatus, LetterStatus, RecipientKind, RenderStatus
from letters.invitations import signatory_email
from letters.models import Delivery, Letter, LetterVersion
from people.models import Position

logger = logging.getLogger(__name__)


class DeliveryRetry(Exception):
    """An attempt failed and another will be made (the task retries on it)."""


def position_email(position: Position | None) -> str:
    """The address for correspondence on a position, else its organisation's."""
    if position is None:
        return ""
    if position.email_list:
        return position.email_list[0]
    return position.organisation.email or ""


def letter_final_version(letter: Letter) -> LetterVersion | None:
    """The final PDF that is sent: the latest final version rendered."""
    return (
        letter.versions.filter(is_final=True, status=RenderStatus.DONE)
        .exclude(file="")
        .order_by("-number")
        .first()
    )


def letter_addresses(letter: Letter) -> tuple[list[tuple[str, str, str]], list[str]]:
    """((address, name, kind) to send to, in order, each address once; the names of those
    who have no address)."""
    from letters.rendering import printed_signatories

    found: list[tuple[str, str, str]] = []
    missing: list[str] = []
    seen: set[str] = set()

    def add(address: str, name: str, kind: str) -> None:
        if not address:
            missing.append(name)
        elif address.lower() not in seen:
            seen.add(address.lower())
            found.append((address, name, kind))

    recipients = letter.recipients.select_related("position__organisation", "position__person")
    for kind in (RecipientKind.ADDRESSEE, RecipientKind.CC):
        for recipient in recipients:
            if recipient.kind == kind:
                delivery_kind = (
                    DeliveryKind.ADDRESSEE if kind == RecipientKind.ADDRESSEE else DeliveryKind.CC
                )
                add(position_email(recipient.position), recipient.title_line, delivery_kind)
    for signatory in printed_signatories(letter):
        add(signatory_email(signatory), signatory.person.signature_name, DeliveryKind.SIGNATORY)
    return found, missing


@transaction.atomic
def letter_send(*, letter: Letter, by: User | None) -> list[Delivery]:
    """Queue the final PDF for every address of the letter; refused, writing nothing, unless
    the letter is final, its final PDF is rendered and the addressee has an address."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.status == LetterStatus.SENT:
        raise ValidationError(f"Letter {letter.reference} has been sent already.")
    if letter.status != LetterStatus.FINAL:
        raise ValidationError(f"Letter {letter.reference} is not final; make it final first.")
    if letter.deliveries.exclude(status=DeliveryStatus.FAILED).exists():
        raise ValidationError(
            f"Letter {letter.reference} is being sent already; retry the failed deliveries."
        )
    version = letter_final_version(letter)
    if version is None:
        raise ValidationError("The final PDF is not rendered yet; wait for it, then send.")
    addresses, missing = letter_addresses(letter)
    if not any(kind == DeliveryKind.ADDRESSEE for _, _, kind in addresses):
        raise ValidationError(
            "The addressee has no email address: add one to their position (or its "
            "organisation), then send."
        )
    if missing:
        raise ValidationError(
            "No email address for " + "; ".join(missing) + ": add one to their position "
            "(or its organisation), or remove them, then send."
        )
    letter.deliveries.all().delete()  # earlier failed attempts of a letter sent anew
    deliveries = [
        Delivery.objects.create(
            letter=letter, version=version, address=address, name=name, kind=kind, created_by=by
        )
        for address, name, kind in addresses
    ]
    for delivery in deliveries:
        transaction.on_commit(partial(_queue, delivery.pk))
    return deliveries


@transaction.atomic
def deliveries_retry(*, letter: Letter, by: User | None) -> list[Delivery]:
    """Queue again the deliveries of the letter that failed."""
    failed = list(
        Delivery.objects.select_for_update().filter(letter=letter, status=DeliveryStatus.FAILED)
    )
    if not failed:
        raise ValidationError("No delivery of this letter has failed.")
    for delivery in failed:
        delivery.status = DeliveryStatus.QUEUED
        delivery.attempts = 0
        delivery.error = (
            f"Retried by {by.get_username() if by else 'the system'}; last error: {delivery.error}"[
                :2000
            ]
        )
        delivery.save(update_fields=["status", "attempts", "error"])
        transaction.on_commit(partial(_queue, delivery.pk))
    return failed


def _queue(delivery_id: int) -> None:
    from letters.tasks import send_letter_delivery

    try:
        send_letter_delivery.delay(delivery_id)
    except Exception as exc:  # the broker is down: say so where staff look
        logger.warning("Delivery %s not queued: %s", delivery_id, exc)
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED,
            error=f"The email could not be queued ({type(exc).__name__}: {exc}); retry it.",
        )


def _message(delivery: Delivery) -> EmailMessage:
    letter = delivery.letter
    copy = delivery.kind == DeliveryKind.SIGNATORY
    body = (
        ("A copy of the letter you signed, as sent.\n\n" if copy else "")
        + f"Please find attached our letter {letter.reference} of "
        f"{date_format(letter.dated_on, 'j F Y')}: {letter.subject}\n\n"
        "The PDF carries our digital seal. Anyone may check that it is authentic at\n"
        f"{verification_url(letter)}\n"
    )
    message = EmailMessage(
        subject=f"{letter.subject} ({letter.reference})",
        body=body,
        to=[delivery.address],
        headers={"Message-ID": delivery.message_id},
    )
    delivery.version.file.open("rb")
    try:
        message.attach(f"{letter.reference}.pdf", delivery.version.file.read(), "application/pdf")
    finally:
        delivery.version.file.close()
    return message


def _mail_domain() -> str:
    from urllib.parse import urlparse

    return urlparse(str(settings.LETTERS_SIGNER_BASE_URL)).hostname or "localhost"


def verification_url(letter: Letter) -> str:
    from urllib.parse import urlencode

    base = str(settings.LETTERS_SIGNER_BASE_URL or "").rstrip("/")
    return f"{base}/verify/?{urlencode({'ref': letter.reference})}"


def delivery_send(*, delivery_id: int) -> Delivery:
    """Email one delivery. Raises DeliveryRetry when the attempt failed and another is due."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("letter", "version")
            .get(pk=delivery_id)
        )
        if delivery.status != DeliveryStatus.QUEUED:
            return delivery  # sent already, or given up: a duplicate message does nothing
        delivery.attempts += 1
        if not delivery.message_id:
            delivery.message_id = make_msgid(domain=_mail_domain())
        delivery.save(update_fields=["attempts", "message_id"])
    try:
        _message(delivery).send()
    except Exception as exc:  # refused, unreachable, timed out, a bad address…
        logger.warning("Delivery %s failed: %s", delivery_id, exc)
        last = delivery.attempts >= settings.LETTERS_DELIVERY_ATTEMPTS
        error = f"Attempt {delivery.attempts} failed: {type(exc).__name__}: {exc}"
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED if last else DeliveryStatus.QUEUED,
            error=(error if last else f"{error} (will retry)")[:2000],
        )
        if not last:
            raise DeliveryRetry(error) from exc
        delivery.refresh_from_db()
        return delivery
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        delivery.status, delivery.sent_at, delivery.error = DeliveryStatus.SENT, timezone.now(), ""
        delivery.save(update_fields=["status", "sent_at", "error"])
        _letter_sent_when_delivered(delivery.letter_id)
    return delivery


def _letter_sent_when_delivered(letter_id: int) -> None:
    letter = Letter.objects.select_for_update().get(pk=letter_id)
    if letter.status != LetterStatus.FINAL:
        return
    if letter.deliveries.exclude(status=DeliveryStatus.SENT).exists():
        return
    letter.status = LetterStatus.SENT
    letter.sent_on = max(timezone.localdate(), letter.dated_on)
    letter._change_reason = "sent by email"  # type: ignore[attr-defined]
    letter.save(update_fields=["status", "sent_on"])


def letters_with_failed_deliveries(user) -> list[tuple[str, str]]:
    """(text, url) for the dashboard: each letter this user may see whose sending failed."""
    if not user.has_perm("letters.view_letter"):
        return []
    letters = (
        Letter.objects.visible_to(user)
        .filter(deliveries__status=DeliveryStatus.FAILED)
        .distinct()
        .order_by("-dated_on")[:10]
    )
    return [
        (f"Sending of letter {letter.reference} failed", letter.get_absolute_url())
        for letter in letters
    ]


@transaction.atomic
def reply_log(
    *,
    letter: Letter,
    received_on,
    summary: str,
    sender_position: Position | None = None,
    scan=None,
    pasted_email: str = "",
    by: User | None = None,
):
    """Record a reply received to the letter: who sent it (a recipient of the letter), when,
    what it says, and the reply itself — an uploaded scan, or an email pasted as text."""
    from django.core.files.base import ContentFile

    from letters.models import Reply

    if letter.status not in (LetterStatus.FINAL, LetterStatus.SENT):
        raise ValidationError("Only a letter that is final or sent can receive a reply.")
    if scan and pasted_email.strip():
        raise ValidationError({"pasted_email": "Upload a scan or paste the email, not both."})
    reply = Reply(
        letter=letter,
        received_on=received_on,
        summary=summary,
        from_person=sender_position.person if sender_position else None,
        from_organisation=sender_position.organisation if sender_position else None,
    )
    if scan:
        reply.file = scan
    elif pasted_email.strip():
        reply.file = ContentFile(pasted_email.encode("utf-8"), name="email.txt")
    reply.full_clean()
    reply.save()
    return reply
