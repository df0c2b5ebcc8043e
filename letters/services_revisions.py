"""Revisions: a letter's text freezes when it goes out for signature.

`letter_send_for_signature` freezes the current text as the next LetterRevision and sets the
letter collecting; every signature recorded afterwards belongs to that revision
(letters.services.signatory_sign). `letter_text_update` is the only way to change the text:
on a letter out for signature it needs an explicit confirmation when somebody has signed,
then marks those signatures "signed an earlier text" (they no longer count and the
signatories are asked again) and moves the letter back to draft, so the next sending freezes
the next revision. A final or sent letter is never edited; a correction is a new letter.
The model guard (letters.models.refuse_frozen_letter_change) holds the same rule for the
back office and anything else that saves a letter.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from letters.choices import LetterStatus, SigningStatus
from letters.models import (
    REVISION_TEXT_FIELDS,
    Letter,
    LetterRevision,
    LetterSignatory,
    text_hash,
)

CLOSED = (LetterStatus.FINAL, LetterStatus.SENT)


def refuse_closed_letter(letter: Letter) -> None:
    if letter.status in CLOSED:
        raise ValidationError(
            f"Letter {letter.reference} is {letter.get_status_display().lower()} and can no "
            "longer be edited. To correct it, write a new letter referring to this one."
        )


def letter_current_revision(letter: Letter) -> LetterRevision | None:
    """The revision whose text the letter holds now: its latest, unless it is a draft (an
    open text, not yet sent out)."""
    if letter.status == LetterStatus.DRAFT:
        return None
    return letter.revisions.order_by("-number").first()


def signatures_on_current_text(letter: Letter) -> list[LetterSignatory]:
    """Who has signed the text as it stands: those an edit would ask again."""
    return list(
        letter.signatories.filter(status=SigningStatus.SIGNED)
        .select_related("person")
        .order_by("order", "pk")
    )


def _revision_freeze(letter: Letter, frozen_by: User | None) -> LetterRevision:
    text = letter.text_fields()
    number = (letter.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
    revision = LetterRevision(
        letter=letter,
        number=number,
        content_hash=text_hash(text),
        frozen_by=frozen_by,
        **{name: getattr(letter, name) for name in REVISION_TEXT_FIELDS},
    )
    revision.full_clean()
    revision.save()
    return revision


@transaction.atomic
def letter_send_for_signature(*, letter: Letter, sent_by: User | None = None) -> LetterRevision:
    """Freeze the letter's current text as its next revision and collect signatures on it.

    A letter already out for signature keeps its revision (asking twice changes nothing).
    """
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    refuse_closed_letter(letter)
    current = letter_current_revision(letter)
    if current is not None:
        return current
    revision = _revision_freeze(letter, sent_by)
    letter.status = LetterStatus.COLLECTING
    letter.save(update_fields=["status"])
    return revision


def revision_for_signature(*, letter: Letter, by: User | None = None) -> LetterRevision:
    """The revision a signature recorded now belongs to: the frozen one, or — for a draft —
    the text frozen at this moment (a signature is always given on a fixed text)."""
    return letter_current_revision(letter) or letter_send_for_signature(letter=letter, sent_by=by)


@transaction.atomic
def letter_text_update(
    *,
    letter: Letter,
    subject: str,
    place: str,
    dated_on: datetime.date,
    salutation: str,
    body: str,
    closing: str,
    language: str | None = None,
    show_subject: bool | None = None,
    letterhead: str | None = None,
    asking_signatories_again: bool = False,
) -> list[LetterSignatory]:
    """Change the letter's text; return the signatories who will be asked to sign again.

    ``language``, ``show_subject`` and ``letterhead`` stay as they are when not given; a
    change to how the letter is printed asks its signatories again like a change of words.
    Refused — nothing written — when the letter is final or sent, or when somebody has signed
    the frozen text and ``asking_signatories_again`` is not confirmed. An unchanged text
    changes nothing.
    """
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    refuse_closed_letter(letter)
    new_text = {
        "subject": subject,
        "place": place,
        "dated_on": dated_on,
        "salutation": salutation,
        "body": body,
        "closing": closing,
        "language": letter.language if language is None else language,
    }
    layout = {
        "show_subject": letter.show_subject if show_subject is None else show_subject,
        "letterhead": letter.letterhead if letterhead is None else letterhead,
    }
    current = letter.text_fields()
    if all(str(value) == current[name] for name, value in new_text.items()) and all(
        value == getattr(letter, name) for name, value in layout.items()
    ):
        return []
    signed = signatures_on_current_text(letter) if letter.text_is_frozen else []
    if signed and not asking_signatories_again:
        names = ", ".join(signatory.person.signature_name for signatory in signed)
        raise ValidationError(
            {
                "asking_signatories_again": f"{names} signed the text as it stands. Confirm "
                "that they will be asked to sign again, or leave the text as it is."
            }
        )
    for signatory in signed:
        # Their signature stays on record (with its revision, time and manner) but reads
        # "signed an earlier text" and no longer counts.
        signatory.status = SigningStatus.EARLIER
        signatory.save(update_fields=["status"])
    if letter.status == LetterStatus.COLLECTING:
        letter.status = LetterStatus.DRAFT  # the text is open again: a new draft revision
        letter.save(update_fields=["status"])
    for name, value in {**new_text, **layout}.items():
        setattr(letter, name, value)
    letter.full_clean()
    letter.save()
    return signed
