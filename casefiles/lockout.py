"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE).

Axes counts failed logins per username and, past AXES_FAILURE_LIMIT, refuses that username
for AXES_COOLOFF_TIME; this renders its refusal as our page, with the wait in minutes.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(
        request, "registration/locked.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
