"""Invitations to sign: personal links for signatories without an account.

Staff invite the signatories of a frozen revision (`invitations_send`); each invitation is
emailed by a Celery task (`invitation_email_send`) that issues the link's token there and
then, so the token exists only in the email — the database keeps its sha256. A reminder
(`signature_reminders_send`, daily) or a re-send issues a fresh token: the links of earlier
emails stop working, and the signer page says to use the latest email.

On the public signer page (letters.views_signer) the signatory — or their office, which
says so — signs (`signer_sign`) or declines (`signer_decline`). A link is refused, with a
message and nothing written, when it was revoked, has expired, belongs to an earlier
revision (the letter was edited since) or the letter is final; a second decision on the
same link is refused too. Every step is a SignatoryEvent with time, IP and browser.

Co-signature rules: a deadline and a minimum number of signatures (`letter_signature_rules_set`,
`letter_signature_summary`); making the letter final (letters.services.letter_finalise)
takes the signatures given on the frozen revision and leaves the others off the PDF, whose
last page is the audit trail (`letter_audit`).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from letters.choices import LetterStatus, SignatoryEventKind, SignedVia, SigningStatus
from letters.models import (
    Letter,
    LetterRevision,
    LetterSignatory,
    SignatoryEvent,
    SignatureInvitation,
)
from letters.services_revisions import letter_current_revision
from people.uploads import SIGNATURE_MAX_BYTES, FileContentValidator

logger = logging.getLogger(__name__)

USER_AGENT_MAX = 300
DATA_URL_PREFIX = "data:image/png;base64,"


class SignerRefused(ValidationError):
    """A personal link that may not be used (any more): the message says why."""


class SignerAlreadyDecided(SignerRefused):
    """A second decision on the same link."""


@dataclass(frozen=True)
class Visitor:
    """Where a step on the signer page came from."""

    ip: str | None
    user_agent: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signatory_email(signatory: LetterSignatory) -> str:
    """Where the invitation goes: the address for correspondence on the signatory's position
    (the MEP's own or their office's), else the address of the position's organisation."""
    position = signatory.position
    if position is None:
        return ""
    if position.email_list:
        return position.email_list[0]
    return position.organisation.email or ""


def _event(
    signatory: LetterSignatory,
    kind: str,
    *,
    invitation: SignatureInvitation | None = None,
    visitor: Visitor | None = None,
    detail: str = "",
) -> SignatoryEvent:
    return SignatoryEvent.objects.create(
        signatory=signatory,
        invitation=invitation,
        kind=kind,
        ip=visitor.ip if visitor else None,
        user_agent=(visitor.user_agent if visitor else "")[:USER_AGENT_MAX],
        detail=detail[:2000],
    )


# Staff: inviting, revoking ------------------------------------------------------------------


def active_invitation(signatory: LetterSignatory) -> SignatureInvitation | None:
    return (
        signatory.invitations.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def _has_answered(signatory: LetterSignatory, revision: LetterRevision) -> bool:
    if signatory.status == SigningStatus.DECLINED:
        return True
    return signatory.status == SigningStatus.SIGNED and signatory.revision_id == revision.pk


@transaction.atomic
def invitations_send(
    *, letter: Letter, by: User | None, signatory: LetterSignatory | None = None
) -> list[SignatureInvitation]:
    """Invite the signatories of the letter's frozen revision (or only ``signatory``) who have
    not answered on it; an earlier link of theirs is revoked (a re-send). The emails are sent
    by a task once this transaction commits."""
    from letters.services import letter_version_request

    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    revision = letter_current_revision(letter)
    if letter.status != LetterStatus.COLLECTING or revision is None:
        raise ValidationError(
            f"Letter {letter.reference} is {letter.get_status_display().lower()}: send it for "
            "signature first (that freezes its text), then invite the signatories."
        )
    signatories = letter.signatories.select_related("person", "position__organisation").order_by(
        "order", "pk"
    )
    if signatory is not None:
        signatories = signatories.filter(pk=signatory.pk)
    to_invite = [s for s in signatories if not _has_answered(s, revision)]
    if signatory is not None and not to_invite:
        raise ValidationError(f"{signatory.person.signature_name} has already answered.")
    # The PDF signatories see: the letter as it stands, out for signature on this revision.
    pdf_version = letter_version_request(letter=letter, requested_by=by)
    now = timezone.now()
    expires = now + datetime.timedelta(days=settings.LETTERS_INVITATION_DAYS)
    invitations = []
    for invited in to_invite:
        for earlier in invited.invitations.filter(revoked_at__isnull=True):
            _revoke(earlier, by=by, detail="replaced by a new invitation")
        invitation = SignatureInvitation.objects.create(
            signatory=invited,
            revision=revision,
            created_by=by,
            expires_at=expires,
            sent_to=signatory_email(invited),
            pdf_version=pdf_version,
        )
        who = by.get_username() if by else "the system"
        _event(
            invited,
            SignatoryEventKind.INVITED,
            invitation=invitation,
            detail=f"Invited by {who} to sign revision {revision.number}, by email to "
            f"{invitation.sent_to or '(no address)'}; the link is valid until "
            f"{date_format(timezone.localtime(expires), 'j F Y H:i')}.",
        )
        invitations.append(invitation)
        transaction.on_commit(partial(_queue_email, invitation.pk, False))
    return invitations


def _queue_email(invitation_id: int, reminder: bool) -> None:
    from letters.tasks import send_signature_invitation

    try:
        send_signature_invitation.delay(invitation_id, reminder)
    except Exception as exc:  # the broker is down: say so where staff look
        logger.warning("Invitation %s not queued: %s", invitation_id, exc)
        invitation = SignatureInvitation.objects.select_related("signatory").get(pk=invitation_id)
        _event(
            invitation.signatory,
            SignatoryEventKind.EMAIL_FAILED,
            invitation=invitation,
            detail=f"The email could not be queued ({type(exc).__name__}: {exc}); re-send it.",
        )


def _revoke(invitation: SignatureInvitation, *, by: User | None, detail: str = "") -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    who = by.get_username() if by else "the system"
    _event(
        invitation.signatory,
        SignatoryEventKind.REVOKED,
        invitation=invitation,
        detail=f"Link revoked by {who}" + (f": {detail}" if detail else "."),
    )


@transaction.atomic
def invitation_revoke(*, invitation: SignatureInvitation, by: User | None) -> SignatureInvitation:
    invitation = SignatureInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.revoked_at is not None:
        raise ValidationError("This link was already revoked.")
    _revoke(invitation, by=by)
    return invitation


def _base_url() -> str:
    return str(settings.LETTERS_SIGNER_BASE_URL or "").rstrip("/")


def signer_url(token: str) -> str:
    return _base_url() + reverse("signer_page", args=[token])


def invitation_email_send(*, invitation_id: int, reminder: bool = False) -> SignatoryEvent | None:
    """Issue the link's token and email it: the token exists in this email only. Records
    "email sent" (or "reminded") or "email failed" with the reason; returns that event, or
    None when the invitation can no longer be used (revoked, expired, answered)."""
    with transaction.atomic():
        invitation = (
            SignatureInvitation.objects.select_for_update()
            .select_related("signatory__person", "signatory__letter", "revision")
            .get(pk=invitation_id)
        )
        signatory = invitation.signatory
        if invitation_refusal(invitation) or _has_answered(signatory, invitation.revision):
            return None
        if not invitation.sent_to:
            return _event(
                signatory,
                SignatoryEventKind.EMAIL_FAILED,
                invitation=invitation,
                detail="No email address: add one to the signatory's position or person, "
                "then re-send.",
            )
        token = secrets.token_urlsafe(32)
        invitation.token_hash = token_digest(token)
        invitation.last_sent_at = timezone.now()
        if reminder:
            invitation.reminders_sent += 1
        invitation.save(update_fields=["token_hash", "last_sent_at", "reminders_sent"])
        letter = signatory.letter
        message = _invitation_message(invitation, signer_url(token), reminder=reminder)
    try:
        message.send()
    except Exception as exc:  # SMTP refusals, a server that is down, a bad address…
        logger.warning("Invitation %s not sent: %s", invitation_id, exc)
        return _event(
            signatory,
            SignatoryEventKind.EMAIL_FAILED,
            invitation=invitation,
            detail=f"Sending to {invitation.sent_to} failed: {type(exc).__name__}: {exc}",
        )
    kind = SignatoryEventKind.REMINDED if reminder else SignatoryEventKind.EMAIL_SENT
    what = f"Reminder {invitation.reminders_sent}" if reminder else "Invitation"
    return _event(
        signatory,
        kind,
        invitation=invitation,
        detail=f"{what} emailed to {invitation.sent_to} for letter {letter.reference}.",
    )


def _invitation_message(
    invitation: SignatureInvitation, url: str, *, reminder: bool
) -> EmailMessage:
    signatory = invitation.signatory
    letter = signatory.letter
    deadline = (
        f"\nSignatures are collected until {date_format(letter.signature_deadline, 'j F Y')}.\n"
        if letter.signature_deadline
        else ""
    )
    expires = date_format(timezone.localtime(invitation.expires_at), "j F Y")
    subject = f"{'Reminder: ' if reminder else ''}Please sign: {letter.subject}"
    body = (
        f"Dear {signatory.person.name},\n\n"
        f'You are asked to sign the letter {letter.reference}, "{letter.subject}" '
        f"(revision {invitation.revision.number}).\n\n"
        f"Read it, then sign or decline on this personal page (no account needed):\n{url}\n\n"
        f"The link is for you (or your office) alone and works until {expires}. "
        f"An earlier link you received for this letter no longer works.\n{deadline}"
    )
    return EmailMessage(subject=subject, body=body, to=[invitation.sent_to])


# The signer page ----------------------------------------------------------------------------


def invitation_for_token(token: str) -> SignatureInvitation | None:
    if not token or len(token) > 100:
        return None
    return (
        SignatureInvitation.objects.select_related(
            "signatory__person", "signatory__letter", "revision", "pdf_version"
        )
        .filter(token_hash=token_digest(token))
        .first()
    )


def invitation_refusal(invitation: SignatureInvitation) -> str:
    """Why the link may not be used, or "" when it may."""
    letter = invitation.signatory.letter
    if invitation.revoked_at is not None:
        return (
            "This link has been withdrawn. If you received a newer email about this letter, "
            "use the link in it; otherwise contact the sender."
        )
    if invitation.is_expired:
        expired_on = date_format(timezone.localtime(invitation.expires_at), "j F Y")
        return f"This link expired on {expired_on}. Ask the sender for a new one."
    if letter.status in (LetterStatus.FINAL, LetterStatus.SENT):
        return "This letter is final: signatures are no longer collected."
    current = letter_current_revision(letter)
    if current is None or current.pk != invitation.revision_id:
        return (
            "The letter has been changed since this link was sent: it was for an earlier "
            "text. You will be sent a new link for the text as it stands."
        )
    return ""


def invitation_decision(invitation: SignatureInvitation) -> str:
    """What the signatory already answered on this link's revision, or ""."""
    signatory = invitation.signatory
    if signatory.status == SigningStatus.DECLINED:
        return "declined"
    if signatory.status == SigningStatus.SIGNED and signatory.revision_id == invitation.revision_id:
        return "signed"
    return ""


@transaction.atomic
def signer_open(*, invitation: SignatureInvitation, visitor: Visitor) -> SignatoryEvent:
    return _event(
        invitation.signatory, SignatoryEventKind.OPENED, invitation=invitation, visitor=visitor
    )


def _locked_usable(invitation: SignatureInvitation) -> SignatureInvitation:
    """The invitation with its signatory locked, or SignerRefused saying why it may not be
    used: checked under the lock, so two decisions sent at once make one."""
    # The letter first, then the signatory: the order every other write on a letter takes.
    Letter.objects.select_for_update().get(pk=invitation.signatory.letter_id)
    LetterSignatory.objects.select_for_update().get(pk=invitation.signatory_id)
    invitation = SignatureInvitation.objects.select_related(
        "signatory__person", "signatory__letter", "revision"
    ).get(pk=invitation.pk)
    refusal = invitation_refusal(invitation)
    if refusal:
        raise SignerRefused(refusal)
    decision = invitation_decision(invitation)
    if decision:
        raise SignerAlreadyDecided(
            f"You have already {decision} this letter; a decision cannot be taken twice. "
            "Contact the sender if it needs to change."
        )
    return invitation


def signature_from_data_url(data_url: str) -> ContentFile:
    """A signature drawn on the page's canvas, sent as a PNG data URL; ValidationError when it
    is not a PNG of acceptable size."""
    if not data_url.startswith(DATA_URL_PREFIX):
        raise ValidationError("The drawn signature must be a PNG image.")
    encoded = data_url[len(DATA_URL_PREFIX) :]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise ValidationError("The drawn signature is too large.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("The drawn signature could not be read.") from None
    image = ContentFile(raw, name="drawn-signature.png")
    FileContentValidator()(image)
    return image


@transaction.atomic
def signer_sign(
    *,
    invitation: SignatureInvitation,
    visitor: Visitor,
    full_name: str,
    on_behalf_as: str = "",
    signature_image=None,
) -> LetterSignatory:
    """Sign on the personal link: the name as typed, the MEP themselves (``on_behalf_as``
    empty) or their office in that capacity, optionally a drawn or uploaded signature."""
    from letters.services import signatory_sign

    invitation = _locked_usable(invitation)
    full_name = full_name.strip()
    if not full_name:
        raise ValidationError({"full_name": "Type your full name as it should appear."})
    signatory = invitation.signatory
    signatory.signed_name = full_name[:200]
    signatory.signed_for_as = on_behalf_as.strip()[:200]
    signatory.declined_at = None
    signatory.decline_reason = ""
    signatory = signatory_sign(
        signatory=signatory, via=SignedVia.LINK, signature_image=signature_image
    )
    who = (
        f"for the MEP, as {signatory.signed_for_as}"
        if signatory.signed_for_as
        else "by the MEP themselves"
    )
    image = "with a signature image" if signature_image is not None else "without a signature image"
    event = _event(
        signatory,
        SignatoryEventKind.SIGNED,
        invitation=invitation,
        visitor=visitor,
        detail=f'Signed as "{full_name}" {who}, {image}, on revision {invitation.revision.number}.',
    )
    transaction.on_commit(partial(_queue_notification, event.pk))
    return signatory


@transaction.atomic
def signer_decline(
    *, invitation: SignatureInvitation, visitor: Visitor, reason: str, on_behalf_as: str = ""
) -> LetterSignatory:
    from letters.services import signatory_decline

    invitation = _locked_usable(invitation)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say briefly why you decline."})
    signatory = signatory_decline(signatory=invitation.signatory)
    signatory.declined_at = timezone.now()
    signatory.decline_reason = reason[:2000]
    signatory.signed_for_as = on_behalf_as.strip()[:200]
    signatory.save(update_fields=["declined_at", "decline_reason", "signed_for_as"])
    event = _event(
        signatory,
        SignatoryEventKind.DECLINED,
        invitation=invitation,
        visitor=visitor,
        detail=f"Declined: {signatory.decline_reason}",
    )
    transaction.on_commit(partial(_queue_notification, event.pk))
    return signatory


def _queue_notification(event_id: int) -> None:
    from letters.tasks import notify_signature_answer

    try:
        notify_signature_answer.delay(event_id)
    except Exception as exc:  # the letter page shows the answer anyway
        logger.warning("Notice of signatory event %s not queued: %s", event_id, exc)


def signature_answer_notify(*, event_id: int) -> int:
    """Email whoever invited the signatory that they signed or declined; returns the number
    of emails sent (0 when the inviter has no address). The letter page shows it anyway."""
    event = SignatoryEvent.objects.select_related(
        "signatory__person", "signatory__letter", "invitation__created_by"
    ).get(pk=event_id)
    inviter = event.invitation.created_by if event.invitation else None
    if inviter is None or not inviter.email:
        return 0
    letter = event.signatory.letter
    url = _base_url() + letter.get_absolute_url()
    summary = letter_signature_summary(letter)
    EmailMessage(
        subject=f"{event.signatory.person.signature_name} {event.get_kind_display().lower()}: "
        f"{letter.reference}",
        body=f"{event.detail}\n\n{summary.text}\n\n{url}\n",
        to=[inviter.email],
    ).send()
    return 1


# Answers shown on the dashboard for this many days, while the letter collects signatures.
SIGNATURE_ANSWERS_DAYS = 14


def signature_answers(user) -> list[tuple[str, str]]:
    """(text, url) for the dashboard: who signed or declined, in the last
    SIGNATURE_ANSWERS_DAYS, a letter this user may see that is still collecting signatures
    (then there is something to do: make it final, or find another signatory), newest first.
    Staff learn of it there even when the email to whoever invited went nowhere."""
    if not user.has_perm("letters.view_letter"):
        return []
    since = timezone.now() - datetime.timedelta(days=SIGNATURE_ANSWERS_DAYS)
    events = (
        SignatoryEvent.objects.visible_to(user)
        .filter(
            kind__in=(SignatoryEventKind.SIGNED, SignatoryEventKind.DECLINED),
            at__gte=since,
            signatory__letter__status=LetterStatus.COLLECTING,
        )
        .select_related("signatory__person", "signatory__letter")
        .order_by("-at", "-pk")[:10]
    )
    answers = []
    for event in events:
        letter = event.signatory.letter
        name = event.signatory.person.signature_name
        if event.kind == SignatoryEventKind.SIGNED:
            text = f"{name} signed letter {letter.reference}"
        else:
            reason = event.signatory.decline_reason
            text = f"{name} declined letter {letter.reference}" + (
                f": “{reason[:80]}{'…' if len(reason) > 80 else ''}”" if reason else ""
            )
        answers.append((text, letter.get_absolute_url()))
    return answers


# Reminders ----------------------------------------------------------------------------------


def signature_reminders_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Invitations to remind: still usable, not answered, sent more than a day ago, fewer
    than LETTERS_MAX_REMINDERS reminders so far, the letter's deadline not passed."""
    now = now or timezone.now()
    day_ago = now - datetime.timedelta(days=1)
    candidates = SignatureInvitation.objects.select_related(
        "signatory__letter", "signatory__person", "revision"
    ).filter(
        revoked_at__isnull=True,
        expires_at__gt=now,
        last_sent_at__lt=day_ago,
        reminders_sent__lt=settings.LETTERS_MAX_REMINDERS,
        signatory__letter__status=LetterStatus.COLLECTING,
        signatory__status__in=(SigningStatus.INVITED, SigningStatus.EARLIER),
    )
    due = []
    for invitation in candidates.order_by("pk")[:1000]:
        deadline = invitation.signatory.letter.signature_deadline
        if deadline is not None and deadline < timezone.localdate(now):
            continue
        if invitation_refusal(invitation):
            continue
        due.append(invitation.pk)
    return due


def signature_reminders_send(*, now: datetime.datetime | None = None) -> int:
    sent = 0
    for invitation_id in signature_reminders_due(now=now):
        event = invitation_email_send(invitation_id=invitation_id, reminder=True)
        if event is not None and event.kind == SignatoryEventKind.REMINDED:
            sent += 1
    return sent


# Co-signature rules -------------------------------------------------------------------------


@transaction.atomic
def letter_signature_rules_set(
    *, letter: Letter, deadline: datetime.date | None, minimum: int | None
) -> Letter:
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.status in (LetterStatus.FINAL, LetterStatus.SENT):
        raise ValidationError(
            f"Letter {letter.reference} is {letter.get_status_display().lower()}; its "
            "signature rules can no longer change."
        )
    count = letter.signatories.count()
    if minimum is not None and not 1 <= minimum <= max(count, 1):
        raise ValidationError(
            {"signatures_required": f"Between 1 and the number of signatories ({count})."}
        )
    letter.signature_deadline = deadline
    letter.signatures_required = minimum
    letter.save(update_fields=["signature_deadline", "signatures_required"])
    return letter


@dataclass(frozen=True)
class SignatureSummary:
    signed: int
    asked: int
    declined: int
    deadline: datetime.date | None
    required: int
    ready: bool

    @property
    def text(self) -> str:
        parts = [f"{self.signed} of {self.asked} signed"]
        if self.declined:
            parts.append(f"{self.declined} declined")
        if self.deadline:
            parts.append(f"deadline {date_format(self.deadline, 'j F')}")
        if self.ready:
            parts.append("ready to make final")
        else:
            parts.append(f"{self.required - self.signed} more needed to make final")
        return "; ".join(parts)


def letter_signature_summary(letter: Letter) -> SignatureSummary:
    """ "4 of 5 signed; deadline 28 June; ready to make final". Without a minimum every
    signatory who has not declined must sign, as before the rules existed."""
    statuses = list(letter.signatories.values_list("status", flat=True))
    signed = statuses.count(SigningStatus.SIGNED)
    declined = statuses.count(SigningStatus.DECLINED)
    required = letter.signatures_required or max(len(statuses) - declined, 1)
    return SignatureSummary(
        signed=signed,
        asked=len(statuses),
        declined=declined,
        deadline=letter.signature_deadline,
        required=required,
        ready=signed >= required,
    )


def signatories_states(letter: Letter) -> list[dict]:
    """Each signatory's state for the letter page's live view (JSON): the status, the last
    event and whether their email failed."""
    rows = []
    signatories = letter.signatories.select_related("person").order_by("order", "pk")
    latest: dict[int, SignatoryEvent] = {}
    for event in SignatoryEvent.objects.filter(signatory__letter=letter).order_by("at", "pk"):
        latest[event.signatory_id] = event
    for signatory in signatories:
        last = latest.get(signatory.pk)
        rows.append(
            {
                "id": signatory.pk,
                "name": signatory.person.signature_name,
                "status": signatory.status,
                "status_display": signatory.get_status_display(),
                "last_event": last.get_kind_display() if last else "",
                "last_event_at": last.at.isoformat() if last else "",
                "last_event_detail": last.detail if last else "",
                "email_failed": bool(last and last.kind == SignatoryEventKind.EMAIL_FAILED),
            }
        )
    return rows


# The audit page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    name: str
    signs_as: str
    invited: str
    opened: str
    outcome: str
    ip: str


@dataclass(frozen=True)
class Audit:
    reference: str
    revision_number: int | None
    revision_sha256: str
    finalised_by: str
    finalised_at: str
    rows: list[AuditRow]


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "j F Y H:i T")


def letter_audit(letter: Letter) -> Audit:
    """What the final PDF's audit page says: the revision signed and, for each signatory, how
    they were invited, when they opened the link, when and how they answered, from where."""
    revision = letter_current_revision(letter)
    events: dict[int, list[SignatoryEvent]] = {}
    for event in (
        SignatoryEvent.objects.filter(signatory__letter=letter)
        .select_related("invitation")
        .order_by("at", "pk")
    ):
        events.setdefault(event.signatory_id, []).append(event)
    rows = []
    for signatory in letter.signatories.select_related("person").order_by("order", "pk"):
        mine = [e for e in events.get(signatory.pk, []) if revision is None or _on(e, revision)]
        sent = next((e for e in mine if e.kind == SignatoryEventKind.EMAIL_SENT), None)
        invitation = sent.invitation if sent else None
        opened = next((e for e in mine if e.kind == SignatoryEventKind.OPENED), None)
        answer = next(
            (
                e
                for e in reversed(mine)
                if e.kind in (SignatoryEventKind.SIGNED, SignatoryEventKind.DECLINED)
            ),
            None,
        )
        if invitation is not None and sent is not None:
            invited = f"By email to {invitation.sent_to}, {_when(sent.at)}"
        elif signatory.signed_via and signatory.signed_via != SignedVia.LINK:
            invited = "Recorded by staff"
        else:
            invited = "Not invited through a link"
        outcome = _outcome(signatory, revision)
        rows.append(
            AuditRow(
                name=signatory.person.signature_name,
                signs_as=signatory.signs_as,
                invited=invited,
                opened=_when(opened.at) if opened else "not opened",
                outcome=outcome,
                ip=(answer.ip or "") if answer else "",
            )
        )
    return Audit(
        reference=letter.reference,
        revision_number=revision.number if revision else None,
        revision_sha256=revision.content_hash if revision else "",
        finalised_by=letter.finalised_by.get_username() if letter.finalised_by else "",
        finalised_at=_when(letter.finalised_at),
        rows=rows,
    )


def _on(event: SignatoryEvent, revision: LetterRevision) -> bool:
    return event.invitation is None or event.invitation.revision_id == revision.pk


def _outcome(signatory: LetterSignatory, revision: LetterRevision | None) -> str:
    if signatory.status == SigningStatus.DECLINED:
        reason = f": {signatory.decline_reason}" if signatory.decline_reason else ""
        return f"Declined {_when(signatory.declined_at)}{reason}".strip()
    if signatory.status != SigningStatus.SIGNED or (
        revision is not None and signatory.revision_id not in (None, revision.pk)
    ):
        return "Did not sign this revision; left off the letter"
    if signatory.signed_via == SignedVia.LINK:
        who = (
            f"through their office ({signatory.signed_for_as})"
            if signatory.signed_for_as
            else "by the MEP themselves"
        )
        image = "; signature image given" if signatory.signature_image else ""
        return f'Signed {_when(signatory.signed_at)} {who} as "{signatory.signed_name}"{image}'
    return (
        f"Signed {_when(signatory.signed_at)}, recorded by staff "
        f"({signatory.get_signed_via_display().lower()})"
    )
