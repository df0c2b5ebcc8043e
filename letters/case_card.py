"""The case page's Letters card: every letter about the case the user may see, drafts
included, with its status (registered in LettersConfig.ready(); casefiles never imports
letters)."""

from __future__ import annotations

from django.urls import reverse

# The newest this many; the rest are one click away in the letters list filtered by case.
LETTERS_ON_CARD = 10


def case_letters_card(case, user) -> dict | None:
    """The newest letters about `case` that `user` may see, from those the timeline read
    (no query of its own on the case page)."""
    from letters.timeline import letters_about

    if not user.has_perm("letters.view_letter"):
        return None
    letters = sorted(
        letters_about(case, user), key=lambda letter: (letter.dated_on, letter.pk), reverse=True
    )
    return {
        "letters": letters[:LETTERS_ON_CARD],
        "more": len(letters) > LETTERS_ON_CARD,
        "list_url": f"{reverse('letters:list')}?case={case.pk}",
    }
