"""Endpoints a higher app adds to the API: `letters` registers its own in
`LettersConfig.ready()`, so casefiles never imports letters."""

from __future__ import annotations

_viewsets: list[tuple[str, type, str]] = []


def register_api_viewset(prefix: str, viewset: type, basename: str) -> None:
    if all(known[0] != prefix for known in _viewsets):
        _viewsets.append((prefix, viewset, basename))


def api_viewsets() -> tuple[tuple[str, type, str], ...]:
    return tuple(_viewsets)
