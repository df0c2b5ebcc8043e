"""Letters sent and replies received, as entries on a case's timeline."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch
from django.urls import reverse

from casefiles.timeline import TimelineEntry

LETTER_KINDS = {"letter_sent": "Letter sent", "reply_received": "Reply received"}


def letter_entries(case, user) -> Iterable[TimelineEntry]:
    """Three queries whatever the number of letters (one when there are none): letters,
    their signatories, their replies."""
    from letters.models import Letter, LetterSignatory, Reply

    if not user.has_perm("letters.view_letter"):
        return
    signatories = LetterSignatory.objects.select_related("person").order_by("order")
    letters = (
        Letter.objects.filter(case=case)
        .order_by("pk")
        .prefetch_related(
            Prefetch("signatories", queryset=signatories),
            Prefetch(
                "replies",
                queryset=Reply.objects.select_related("from_person", "from_organisation"),
            ),
        )
    )
    for letter in letters:
        if letter.sent_on:
            signers = [signatory.person for signatory in letter.signatories.all()]
            yield TimelineEntry(
                date=letter.sent_on,
                kind="letter_sent",
                title=f"Letter sent: {letter.subject}",
                detail=f"{letter.reference}, dated {letter.place}, {letter.dated_on:%d %b %Y}",
                persons=signers,
                url=letter.get_absolute_url(),
                anchor=f"letter-{letter.pk}",
                order=80,
            )
        for reply in letter.replies.all():
            sender = reply.from_person or reply.from_organisation
            yield TimelineEntry(
                date=reply.received_on,
                kind="reply_received",
                title=f"Reply to {letter.reference}" + (f" from {sender}" if sender else ""),
                detail=reply.summary,
                persons=[reply.from_person] if reply.from_person else [],
                organisations=[reply.from_organisation] if reply.from_organisation else [],
                url=reverse("letters:reply_file", args=[reply.pk])
                if reply.file
                else letter.get_absolute_url(),
                anchor=f"reply-{reply.pk}",
                order=90,
            )
