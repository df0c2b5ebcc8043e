"""Logging detentions, hearings and sentence steps from the case page, through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casefiles import selectors, services
from casefiles.forms import (
    DetentionLogForm,
    HearingLogForm,
    SentenceStepForm,
    apply_service_errors,
    record_id,
)


def _log_view(request, pk, *, form_class, service, template, anchor_prefix, noun):
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    initial = {}
    person_id = record_id(request.GET.get("person", ""))
    if person_id is not None:
        initial["person"] = person_id
        initial["defendants"] = [person_id]
    form = form_class(request.POST or None, case=case, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = service(**form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{noun} logged.")
            anchor = f"{anchor_prefix}-{created.pk}"
            return redirect(f"{reverse('staff:case_detail', args=[case.pk])}?new={anchor}#{anchor}")
    return render(
        request, template, {"case": case, "form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_detention"], raise_exception=True)
def detention_log(request: HttpRequest, pk: int) -> HttpResponse:
    return _log_view(
        request,
        pk,
        form_class=DetentionLogForm,
        service=services.detention_log,
        template="staff/detention_form.html",
        anchor_prefix="detention",
        noun="Detention",
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_hearing"], raise_exception=True)
def hearing_log(request: HttpRequest, pk: int) -> HttpResponse:
    return _log_view(
        request,
        pk,
        form_class=HearingLogForm,
        service=services.hearing_log,
        template="staff/hearing_form.html",
        anchor_prefix="hearing",
        noun="Hearing",
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_sentencestep"], raise_exception=True)
def sentence_step_log(request: HttpRequest, pk: int) -> HttpResponse:
    return _log_view(
        request,
        pk,
        form_class=SentenceStepForm,
        service=services.sentence_step_log,
        template="staff/sentence_step_form.html",
        anchor_prefix="sentence-step",
        noun="Sentence step",
    )
