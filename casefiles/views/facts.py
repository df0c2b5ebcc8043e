"""Logging and correcting detentions, hearings and sentence steps from the case page,
through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casefiles import selectors, services
from casefiles.forms import (
    DetentionEditForm,
    DetentionLogForm,
    HearingEditForm,
    HearingLogForm,
    SentenceChainForm,
    SentenceChainStepFormSet,
    SentenceStepEditForm,
    apply_service_errors,
    chain_refusal_apply,
    record_id,
)
from casefiles.models import Detention, Hearing, SentenceStep


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


def _case_page(case_pk: int, anchor: str) -> str:
    return f"{reverse('staff:case_detail', args=[case_pk])}?new={anchor}#{anchor}"


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_sentencestep"], raise_exception=True)
def sentence_step_log(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's sentence history in one go: the verdict and up to five changes to it."""
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    initial = {}
    person_id = record_id(request.GET.get("person", ""))
    if person_id is not None:
        initial["person"] = person_id
    data = request.POST or None
    chain = SentenceChainForm(data, case=case, user=request.user, initial=initial)
    steps = SentenceChainStepFormSet(data, case=case, user=request.user)
    # Both validated, so every row shows its own errors at once.
    if data is not None and all([chain.is_valid(), steps.is_valid()]):
        if not steps.filled:
            chain.add_error(None, "Give at least one step of the sentence.")
        else:
            try:
                recorded = services.sentence_steps_record(
                    case=case,
                    person=chain.cleaned_data["person"],
                    steps=[row.draft() for row in steps.filled],
                )
            except services.SentenceChainRefused as refusal:
                chain_refusal_apply(refusal, chain=chain, rows=steps.filled)
            except ValidationError as error:
                apply_service_errors(chain, error)
            else:
                count = len(recorded)
                messages.success(
                    request, f"{count} sentence step{'s' if count != 1 else ''} recorded."
                )
                return redirect(_case_page(case.pk, f"sentence-step-{recorded[0].pk}"))
    return render(
        request,
        "staff/sentence_step_form.html",
        {"case": case, "form": chain, "steps": steps},
        # Anything posted and still here was refused.
        status=200 if data is None else 400,
    )


def _record_for_page(request: HttpRequest, records: QuerySet, pk: int) -> Model:
    """A record of a case the user may see; any other answers as missing."""
    return get_object_or_404(
        records.filter(case__in=selectors.cases_visible_to(request.user)).select_related("case"),
        pk=pk,
    )


def _edit_view(request, record, *, form_class, service, template, anchor, noun, record_name):
    form = form_class(request.POST or None, user=request.user, **{record_name: record})
    if request.method == "POST" and form.is_valid():
        try:
            service(**form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{noun} saved.")
            return redirect(_case_page(record.case_id, anchor))
    return render(
        request,
        template,
        {"case": record.case, "form": form, record_name: record},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.change_sentencestep"], raise_exception=True)
def sentence_step_edit(request: HttpRequest, pk: int) -> HttpResponse:
    step = _record_for_page(request, SentenceStep.objects.select_related("person"), pk)
    return _edit_view(
        request,
        step,
        form_class=SentenceStepEditForm,
        service=services.sentence_step_update,
        template="staff/sentence_step_edit.html",
        anchor=f"sentence-step-{step.pk}",
        noun="Sentence step",
        record_name="step",
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.change_detention"], raise_exception=True)
def detention_edit(request: HttpRequest, pk: int) -> HttpResponse:
    detention = _record_for_page(request, Detention.objects.select_related("person"), pk)
    return _edit_view(
        request,
        detention,
        form_class=DetentionEditForm,
        service=services.detention_update,
        template="staff/detention_edit.html",
        anchor=f"detention-{detention.pk}",
        noun="Detention",
        record_name="detention",
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.change_hearing"], raise_exception=True)
def hearing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    hearing = _record_for_page(request, Hearing.objects.all(), pk)
    return _edit_view(
        request,
        hearing,
        form_class=HearingEditForm,
        service=services.hearing_update,
        template="staff/hearing_edit.html",
        anchor=f"hearing-{hearing.pk}",
        noun="Hearing",
        record_name="hearing",
    )
