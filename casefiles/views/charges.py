"""Bringing and correcting charges, and recording verdicts, from the case page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casefiles import selectors
from casefiles.forms import apply_service_errors, record_id
from casefiles.forms.charges import ChargeForm, VerdictForm
from casefiles.models import Charge
from casefiles.services import charges as charge_services


def _case_page(case, anchor: str):
    return redirect(f"{reverse('staff:case_detail', args=[case.pk])}?new={anchor}#{anchor}")


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_charge"], raise_exception=True)
def charge_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    form = ChargeForm(request.POST or None, case=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        try:
            (charge,) = charge_services.charges_bring(
                case=case, person=arguments["person"], charges=[arguments["draft"]]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Charge recorded.")
            return _case_page(case, f"charge-{charge.pk}")
    return render(
        request,
        "staff/charge_form.html",
        {"case": case, "form": form, "charge": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.change_charge"], raise_exception=True)
def charge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    charge = (
        Charge.objects.filter(case__in=selectors.cases_visible_to(request.user), pk=pk)
        .select_related("case", "person", "article")
        .first()
    )
    if charge is None:
        raise Http404("No such charge.")
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), charge.case_id)
    form = ChargeForm(request.POST or None, case=case, user=request.user, charge=charge)
    if request.method == "POST" and form.is_valid():
        try:
            charge_services.charge_update(charge=charge, **form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Charge saved.")
            return _case_page(case, f"charge-{charge.pk}")
    return render(
        request,
        "staff/charge_form.html",
        {"case": case, "form": form, "charge": charge},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(
    ["casefiles.view_case", "casefiles.change_charge", "casefiles.add_sentencestep"],
    raise_exception=True,
)
def verdict_record(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    # ?person= (the page's links to each party) narrows the charges offered to theirs.
    person_id = record_id(request.GET.get("person", ""))
    initial = {"person": person_id} if person_id is not None else {}
    form = VerdictForm(request.POST or None, case=case, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            verdict = charge_services.verdict_record(**form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Verdict recorded.")
            step = verdict.sentence_step
            anchor = f"sentence-step-{step.pk}" if step else f"charge-{verdict.charges[0].pk}"
            if step is None:
                anchor += "-decided"
            return _case_page(case, anchor)
    persons = sorted(
        {party.person for party in case.parties.all() if party.person},
        key=lambda person: person.name,
    )
    return render(
        request,
        "staff/verdict_form.html",
        {"case": case, "form": form, "persons": persons},
        status=400 if form.errors else 200,
    )
