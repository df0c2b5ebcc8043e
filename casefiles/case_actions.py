"""Buttons that higher apps add to the case page, without casefiles importing them.

`letters` registers "New letter" in its AppConfig.ready(); the case page shows each action
whose permission the user holds. Cards likewise: `letters` adds the case's letters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse


@dataclass(frozen=True)
class CaseAction:
    label: str
    url_name: str  # reversed with the case's pk
    permission: str


_actions: list[CaseAction] = []


def register_case_action(*, label: str, url_name: str, permission: str) -> None:
    action = CaseAction(label=label, url_name=url_name, permission=permission)
    if action not in _actions:
        _actions.append(action)


def case_actions_for(user: User | AnonymousUser, case_pk: int) -> list[tuple[str, str]]:
    """(label, url) of each registered action this user may take on the case."""
    return [
        (action.label, reverse(action.url_name, args=[case_pk]))
        for action in _actions
        if user.has_perm(action.permission)
    ]


@dataclass(frozen=True)
class CaseCard:
    """A card another app adds to the case page's side column: its template is included
    with `card` (what `context(case, user)` returned) when that is not None."""

    template: str
    context: Callable[[Any, User | AnonymousUser], dict | None]


_cards: list[CaseCard] = []


def register_case_card(*, template: str, context: Callable) -> None:
    card = CaseCard(template=template, context=context)
    if card not in _cards:
        _cards.append(card)


def case_cards_for(user: User | AnonymousUser, case) -> list[tuple[str, dict]]:
    """(template, its context) of each registered card the user is shown for the case."""
    shown = []
    for card in _cards:
        context = card.context(case, user)
        if context is not None:
            shown.append((card.template, context))
    return shown
