"""Recording and correcting a case's events from the case page, through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casefiles import selectors
from casefiles.forms import apply_service_errors
from casefiles.forms.events import EventForm
from casefiles.models import Event, EventParticipant
from casefiles.services.events import event_record, event_update
from people.visibility import visible_or_404


def _to_timeline(request: HttpRequest, event: Event, message: str) -> HttpResponse:
    messages.success(request, message)
    anchor = f"event-{event.pk}"
    return redirect(f"{reverse('staff:case_detail', args=[event.case_id])}?new={anchor}#{anchor}")


@require_http_methods(["GET", "POST"])
@permission_required(
    ["casefiles.view_case", "casefiles.add_event", "casefiles.add_eventparticipant"],
    raise_exception=True,
)
def event_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    form = EventForm(request.POST or None, case=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = event_record(case=case, **form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _to_timeline(request, event, "Event recorded.")
    return render(
        request,
        "staff/event_form.html",
        {"case": case, "form": form, "event": None},
        status=400 if request.method == "POST" and form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(
    [
        "casefiles.view_case",
        "casefiles.change_event",
        "casefiles.add_eventparticipant",
        "casefiles.delete_eventparticipant",
    ],
    raise_exception=True,
)
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = visible_or_404(
        Event.objects.select_related("case").prefetch_related(
            "sources", Prefetch("participants", queryset=EventParticipant.objects.order_by("pk"))
        ),
        request.user,
        pk=pk,
    )
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), event.case_id)
    form = EventForm(
        request.POST or None, case=case, user=request.user, initial=EventForm.initial_for(event)
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = event_update(event=event, **form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _to_timeline(request, event, "Event saved.")
    return render(
        request,
        "staff/event_form.html",
        {"case": case, "form": form, "event": event},
        status=400 if request.method == "POST" and form.is_bound else 200,
    )
