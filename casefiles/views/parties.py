"""Who is in a case: adding a party, changing their role, removing them — through
services.parties."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from casefiles import selectors
from casefiles.forms import apply_service_errors, record_id
from casefiles.forms.parties import PartyAddForm, PartyEditForm
from casefiles.models import CaseParty
from casefiles.services import parties as party_services


def _party_anchor(case_pk: int) -> str:
    return f"{reverse('staff:case_detail', args=[case_pk])}#parties"


def _visible_party(request: HttpRequest, pk: int) -> CaseParty:
    """A party of a case the user may see; 404 exactly as for a missing one otherwise."""
    return get_object_or_404(
        CaseParty.objects.filter(case__in=selectors.cases_visible_to(request.user)).select_related(
            "case", "person", "organisation"
        ),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_caseparty"], raise_exception=True)
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    initial = {}
    person_id = record_id(request.GET.get("person", ""))
    if person_id is not None:
        initial["person"] = person_id
    form = PartyAddForm(request.POST or None, case=case, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            party = party_services.party_add(**form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{party.person or party.organisation} added to the case.")
            return redirect(_party_anchor(case.pk))
    return render(
        request,
        "staff/party_form.html",
        {"case": case, "form": form},
        status=400 if form.errors else 200,
    )


def _edit_page(request, party, form, *, removal_error: str = "", status: int = 200):
    return render(
        request,
        "staff/party_edit_form.html",
        {
            "case": party.case,
            "party": party,
            "form": form,
            "can_remove": request.user.has_perm("casefiles.delete_caseparty"),
            "removal_error": removal_error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.change_caseparty"], raise_exception=True)
def party_edit(request: HttpRequest, pk: int) -> HttpResponse:
    party = _visible_party(request, pk)
    form = PartyEditForm(request.POST or None, party=party)
    if request.method == "POST" and form.is_valid():
        try:
            party_services.party_update(**form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{party.person or party.organisation}: role saved.")
            return redirect(_party_anchor(party.case_id))
    return _edit_page(request, party, form, status=400 if form.errors else 200)


@require_POST
@permission_required(["casefiles.view_case", "casefiles.delete_caseparty"], raise_exception=True)
def party_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a party once its removal is confirmed (the `confirm` box ticked)."""
    party = _visible_party(request, pk)
    form = PartyEditForm(party=party)
    if request.POST.get("confirm") != "yes":
        return _edit_page(
            request,
            party,
            form,
            removal_error="Tick the box to confirm the removal.",
            status=400,
        )
    name = str(party.person or party.organisation)
    try:
        party_services.party_remove(party=party)
    except ValidationError as error:
        return _edit_page(request, party, form, removal_error=" ".join(error.messages), status=400)
    messages.success(request, f"{name} removed from the case.")
    return redirect(_party_anchor(party.case_id))
