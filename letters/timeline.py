"""Letters about a case, as entries on its timeline: each letter sent, on the day it was
sent; each letter not sent yet (draft, out for signature, final), on the date it bears, with
its status; each reply received. A letter about several cases is on each case's timeline;
only a user who may see every case it concerns sees it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch
from django.urls import reverse

from casefiles.timeline import TimelineEntry

LETTER_KINDS = {
    "letter_sent": "Letter sent",
    "letter_unsent": "Letter not sent yet",
    "reply_received": "Reply received",
}


def letters_about(case, user) -> list:
    """The letters about `case` that `user` may see (a letter about several cases only when
    they may see every one), with their signatories and replies: three queries whatever the
    number of letters (one when there are none), run once per case object and request —
    the timeline and the case page's Letters card both read them."""
    from letters.models import Letter, LetterSignatory, Reply

    memo = case.__dict__.setdefault("_letters_seen_by", {})
    if user.pk not in memo:
        signatories = LetterSignatory.objects.select_related("person").order_by("order")
        memo[user.pk] = list(
            Letter.objects.visible_to(user)
            .filter(case_links__case=case)
            .order_by("pk")
            .prefetch_related(
                Prefetch("signatories", queryset=signatories),
                Prefetch(
                    "replies",
                    queryset=Reply.objects.select_related("from_person", "from_organisation"),
                ),
            )
        )
    return memo[user.pk]


def letter_entries(case, user) -> Iterable[TimelineEntry]:
    if not user.has_perm("letters.view_letter"):
        return
    letters = letters_about(case, user)
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
        else:
            yield TimelineEntry(
                date=letter.dated_on,
                kind="letter_unsent",
                title=f"Letter ({letter.get_status_display().lower()}): {letter.subject}",
                detail=f"{letter.reference}, dated {letter.place}, {letter.dated_on:%d %b %Y}",
                persons=[signatory.person for signatory in letter.signatories.all()],
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
