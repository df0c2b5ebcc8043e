"""What letters keep for good: a sent letter, its final PDFs, and the sources letters cite.

Registered with casefiles.deletion from LettersConfig.ready(), since casefiles never
imports letters.
"""

from __future__ import annotations

from django.utils.formats import date_format

from casefiles.models import Source
from letters.choices import LetterStatus
from letters.models import Letter, LetterCase, LetterRecipient, LetterSignatory, LetterVersion
from letters.rendering import cited_source_ids
from people.deletion import deletion_part_register, deletion_rule_register


def _sent_on(letter: Letter) -> str | None:
    """When the letter was sent, if it ever was, even if its status was changed back since."""
    if letter.status == LetterStatus.SENT:
        sent = letter
    else:
        sent = letter.history.filter(status=LetterStatus.SENT).order_by("-history_date").first()
        if sent is None:
            return None
    return date_format(sent.sent_on, "j F Y") if sent.sent_on else "an unrecorded date"


def sent_letter_refusal(letter: Letter) -> str | None:
    sent_on = _sent_on(letter)
    if sent_on is None:
        return None
    return f"{letter.reference} was sent on {sent_on}; a sent letter is kept for good."


def final_version_refusal(version: LetterVersion) -> str | None:
    if not (version.is_final or version.history.filter(is_final=True).exists()):
        return None
    return (
        f"Version {version.number} of {version.letter.reference} is a final version; "
        "the PDF a letter was finalised as is kept for good."
    )


def letters_citing(source: Source) -> list[Letter]:
    # The text search narrows the letters down; the citation parser decides.
    candidates = Letter._base_manager.filter(body__contains=f"[^src:{source.pk}]").order_by(
        "reference"
    )
    return [letter for letter in candidates if source.pk in cited_source_ids(letter.body)]


def cited_source_refusal(source: Source) -> str | None:
    citers = []
    facts = sum(
        getattr(source, name).count() for name in ("charges", "detentions", "hearings", "events")
    )
    if facts:
        citers.append(f"{facts} fact{'s' if facts != 1 else ''}")
    letters = letters_citing(source)
    if letters:
        word = "letter" if len(letters) == 1 else "letters"
        citers.append(f"{word} {', '.join(letter.reference for letter in letters)}")
    if not citers:
        return None
    return f"“{source}” is cited by {' and '.join(citers)}; remove the citations first."


def deletion_rules_register() -> None:
    deletion_rule_register(Letter, sent_letter_refusal)
    deletion_rule_register(LetterVersion, final_version_refusal)
    deletion_rule_register(Source, cited_source_refusal)
    deletion_part_register(LetterRecipient, owner_field="letter")
    deletion_part_register(LetterSignatory, owner_field="letter")
    deletion_part_register(LetterCase, owner_field="letter")
