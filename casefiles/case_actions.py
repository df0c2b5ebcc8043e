"""Buttons that higher apps add to the case page, without casefiles importing them.

`letters` registers "New letter" in its AppConfig.ready(); the case page shows each action
whose permission the user holds.
"""

from __future__ import annotations

from dataclasses import dataclass

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
