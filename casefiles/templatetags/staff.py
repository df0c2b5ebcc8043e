"""Template helpers for the staff pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def safe_link(url: str) -> str:
    """The URL if a browser may follow it from our pages (http, https or one of our own
    paths), else "": a source imported with a javascript: or data: URL is shown unlinked."""
    url = (url or "").strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if urlsplit(url).scheme in ("http", "https") else ""
