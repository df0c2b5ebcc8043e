"""Response headers Django and the libraries in MIDDLEWARE do not set themselves."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class NoStoreMiddleware:
    """Keep pages out of browser and proxy caches: ``Cache-Control: no-store, private``.

    Nearly every page shows case data (names, detentions, health), and a shared computer's
    cache or back button, or a caching proxy, must not hand it to the next person. So every
    response gets it, not only a list of "sensitive" views that a new page could miss; the
    few that choose their own caching (admin's never_cache, calendar feeds) are left alone,
    and so are static files, which hold no case data.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + str(settings.STATIC_URL).lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Cache-Control" not in response and not request.path.startswith(self.static_prefix):
            response["Cache-Control"] = "no-store, private"
            # For HTTP/1.0 caches, which know no Cache-Control.
            response["Pragma"] = "no-cache"
        return response
