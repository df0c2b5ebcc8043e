"""The dashboard: counts and the most urgent few of each list, with links to the rest.

It stays a dashboard at any size: each list is bounded (DASHBOARD_ROWS), carries its total,
and links to the filtered case list for everything else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casefiles import selectors
from casefiles.dashboard_alerts import dashboard_alerts_for
from casefiles.sentences import sentences_in_force
from casefiles.views.base import view_case_required

DASHBOARD_ROWS = 10


@require_GET
@view_case_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    # The visible cases, as each query below can say them cheapest (see CaseScope).
    scope = selectors.case_scope(request.user)
    # The longest in custody, counted from the start of their unbroken custody.
    detained = selectors.detained_now_longest(scope, today=today, limit=DASHBOARD_ROWS)
    sentences = sentences_in_force(detained.runs, cases=scope.cases, today=today)
    ending, ending_count = selectors.first_with_total(
        selectors.detentions_ending(scope, today=today), DASHBOARD_ROWS
    )
    hearings, hearings_count = selectors.first_with_total(
        selectors.hearings_upcoming(scope, today=today), DASHBOARD_ROWS
    )
    undelivered, undelivered_count = selectors.first_with_total(
        selectors.reminders_undelivered(scope), DASHBOARD_ROWS
    )
    return render(
        request,
        "staff/dashboard.html",
        {
            "today": today,
            "detained": detained.runs,
            "detained_count": detained.count,
            "detained_rows": [(run, sentences.get(run.person.pk)) for run in detained.runs],
            "ending": ending,
            "ending_count": ending_count,
            "hearings": hearings,
            "hearings_count": hearings_count,
            "changes": selectors.changes_latest(scope),
            "undelivered": undelivered,
            "undelivered_count": undelivered_count,
            "alerts": dashboard_alerts_for(request.user),
            "upcoming_days": selectors.UPCOMING_DAYS,
        },
    )
