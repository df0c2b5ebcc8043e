"""The case page's Letters card: every letter about the case the user may see, drafts
included, with its status (registered in LettersConfig.ready(); casefiles never imports
letters)."""

from __future__ import annotations

from django.urls import reverse

# The newest this many; the rest are one click away in the letters list filtered by case.
LETTERS_ON_CARD = 10


def case_letters_card(case, user) -> dict | None:
    """One query: the newest letters about `case` that `user` may see (a letter about
    several cases only when they may see every one of them)."""
    from letters.models import Letter

    if not user.has_perm("letters.view_letter"):
        return None
    letters = list(
        Letter.objects.visible_to(user)
        .filter(cases=case)
        .order_by("-dated_on", "-pk")[: LETTERS_ON_CARD + 1]
    )
    return {
        "letters": letters[:LETTERS_ON_CARD],
        "more": len(letters) > LETTERS_ON_CARD,
        "list_url": f"{reverse('letters:list')}?case={case.pk}",
    }
