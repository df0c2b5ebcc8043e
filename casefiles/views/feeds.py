"""Calendar feeds: the settings page and the private, revocable iCalendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casefiles import services
from casefiles.calendar import calendar_for_user
from casefiles.models import CalendarFeed
from casefiles.views.base import _staff, view_case_required


@require_GET
@view_case_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=_staff(request), revoked_at__isnull=True).first()
    token = request.session.pop("calendar_token", None)
    feed_url = (
        request.build_absolute_uri(reverse("staff:calendar_feed", args=[token])) if token else ""
    )
    return render(request, "staff/calendar.html", {"feed": feed, "feed_url": feed_url})


@require_POST
@view_case_required
def calendar_issue(request: HttpRequest) -> HttpResponse:
    _, token = services.calendar_feed_issue(user=_staff(request))
    # Shown once on the next page; only its hash is kept.
    request.session["calendar_token"] = token
    messages.success(request, "New calendar address created; any earlier one stopped working.")
    return redirect("staff:calendar")


@require_POST
@view_case_required
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_revoke(user=_staff(request))
    messages.success(request, "Calendar address revoked; subscribed calendars stop updating.")
    return redirect("staff:calendar")


@login_not_required  # authenticated by the secret token in the URL instead of a session
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = (
        CalendarFeed.objects.filter(
            token_hash=services.calendar_token_hash(token), revoked_at__isnull=True
        )
        .select_related("user")
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    body = calendar_for_user(feed.user, today=timezone.localdate())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


# --- Persons ------------------------------------------------------------------------------
# The person page lives here, not in `people`: it shows cases and detentions, and `people`
# knows nothing of cases.
