"""Warnings that higher apps put on the dashboard, without casefiles importing them.

`letters` registers "Sending of letter … failed" in its AppConfig.ready(). Each provider takes
the user and returns (text, url) pairs for what that user may see, bounded: it reads at most
ALERTS_PER_PROVIDER rows (a fixed number of queries, whatever the data), and no more than that
many are shown from any provider.
"""

from __future__ import annotations

from collections.abc import Callable

Alert = tuple[str, str]
ALERTS_PER_PROVIDER = 10
_providers: list[Callable[..., list[Alert]]] = []


def register_dashboard_alert(provider: Callable[..., list[Alert]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def dashboard_alerts_for(user) -> list[Alert]:
    return [
        alert for provider in _providers for alert in list(provider(user))[:ALERTS_PER_PROVIDER]
    ]
