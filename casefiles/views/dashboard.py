"""The dashboard: who is detained now, terms ending, hearings, latest changes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casefiles import selectors
from casefiles.sentences import sentences_in_force
from casefiles.views.base import view_case_required


@require_GET
@view_case_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cases = selectors.cases_visible_to(request.user)
    # One row per person held today, counted from the start of their unbroken custody.
    detained = selectors.custody_runs_now(cases, today=today)
    sentences = sentences_in_force(detained, cases=cases, today=today)
    return render(
        request,
        "staff/dashboard.html",
        {
            "today": today,
            "detained": detained,
            "detained_rows": [(run, sentences.get(run.person.pk)) for run in detained],
            "ending": selectors.detentions_ending(cases, today=today),
            "hearings": selectors.hearings_upcoming(cases, today=today),
            "changes": selectors.changes_latest(cases),
            "undelivered": selectors.reminders_undelivered(cases),
            "upcoming_days": selectors.UPCOMING_DAYS,
        },
    )
