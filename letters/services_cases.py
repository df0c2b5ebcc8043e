"""Writes on the cases a letter concerns: add one, remove one (never the last).

The letter page, the create-letter page and the back office go through these. The cases
are part of what the letter says, so they change only while its text is a draft: out for
signature, final or sent, the refusal writes nothing. A user adds only a case they may see
(a hidden one answers as a missing one), and since a letter is visible only to those who
may see every case it concerns, adding a restricted case hides the letter from everyone
else.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from casefiles.models import Case
from letters.models import Letter, LetterCase
from letters.selectors import letter_cases
from people.visibility import AnyUser


def _letter_draft(letter_id: int) -> Letter:
    """Lock the letter and refuse unless its text is still a draft."""
    letter = Letter.objects.select_for_update().get(pk=letter_id)
    if letter.text_is_frozen:
        raise ValidationError(
            f"Letter {letter.reference} is {letter.get_status_display().lower()}; "
            "the cases it concerns can no longer change."
        )
    return letter


def _visible_case(case_id: int, user: AnyUser) -> Case:
    case = Case.objects.visible_to(user).filter(pk=case_id).first()
    if case is None:
        raise ValidationError({"case": "No such case."})
    return case


@transaction.atomic
def letter_case_add(*, letter: Letter, case: Case, user: AnyUser) -> LetterCase:
    """The letter also concerns ``case`` (a case ``user`` may see)."""
    letter = _letter_draft(letter.pk)
    case = _visible_case(case.pk, user)
    if LetterCase.objects.filter(letter=letter, case=case).exists():
        raise ValidationError({"case": f"The letter concerns {case.reference} already."})
    link = LetterCase(letter=letter, case=case)
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def letter_cases_add(*, letter: Letter, cases: Iterable[Case], user: AnyUser) -> None:
    """Add each of ``cases`` the letter does not concern yet (the create-letter page)."""
    for case in cases:
        if not LetterCase.objects.filter(letter=letter, case=case).exists():
            letter_case_add(letter=letter, case=case, user=user)


@transaction.atomic
def letter_case_remove(*, letter: Letter, case: Case) -> Letter:
    """The letter no longer concerns ``case``. Removing the main case makes the next case
    (by reference) the main one; the last case stays."""
    letter = _letter_draft(letter.pk)
    link = LetterCase.objects.filter(letter=letter, case=case).first()
    if link is None:
        raise ValidationError({"case": "The letter does not concern this case."})
    others = [c for c in letter_cases(letter) if c.pk != case.pk]
    if not others:
        raise ValidationError(
            {"case": "A letter concerns at least one case; add another before removing this."}
        )
    if letter.case_id == case.pk:
        letter.case = others[0]
        letter.save(update_fields=["case"])
    link.delete()
    return letter
