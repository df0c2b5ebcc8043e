"""An invitation to sign (with one event) on any letter, for the fixtures that need one of
every record: the back office's and the access matrix's. With it, when the letter has a
version, a delivery of that version (sent)."""

from __future__ import annotations

import datetime
import secrets

from django.utils import timezone

from letters.choices import DeliveryKind, DeliveryStatus, SignatoryEventKind
from letters.invitations import token_digest
from letters.models import (
    REVISION_TEXT_FIELDS,
    Delivery,
    Letter,
    LetterRevision,
    SignatoryEvent,
    SignatureInvitation,
    text_hash,
)


def invitation_on(letter: Letter) -> tuple[SignatureInvitation, str]:
    """An invitation of the letter's first signatory to its latest revision (frozen now when
    it has none), and the token of its link."""
    revision = letter.revisions.order_by("-number").first()
    if revision is None:
        revision = LetterRevision.objects.create(
            letter=letter,
            number=1,
            content_hash=text_hash(letter.text_fields()),
            **{name: getattr(letter, name) for name in REVISION_TEXT_FIELDS},
        )
    token = secrets.token_urlsafe(32)
    invitation = SignatureInvitation.objects.create(
        signatory=letter.signatories.order_by("order", "pk").first(),
        revision=revision,
        token_hash=token_digest(token),
        sent_to="office@ep.example.eu",
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )
    SignatoryEvent.objects.create(
        signatory=invitation.signatory,
        invitation=invitation,
        kind=SignatoryEventKind.INVITED,
        detail="Invited to sign revision 1.",
    )
    version = letter.versions.order_by("pk").first()
    if version is not None:
        Delivery.objects.create(
            letter=letter,
            version=version,
            address="president@gov.example.kz",
            kind=DeliveryKind.ADDRESSEE,
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
            message_id="<test@casefiles.example.org>",
            attempts=1,
        )
    return invitation, token
