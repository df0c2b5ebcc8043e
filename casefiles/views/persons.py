"""Adding and correcting persons through services.persons. Only persons the user may see can
be changed or named; a hidden one answers 404 exactly like a missing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casefiles import selectors
from casefiles.forms import record_id
from casefiles.forms.persons import PersonPage
from casefiles.services import persons as person_services
from people.models import Person
from people.visibility import visible_or_404


def _render(request, page: PersonPage, **context) -> HttpResponse:
    return render(
        request,
        "staff/person_form.html",
        {"page": page, "form": page.form, **context},
        status=400 if page.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(["people.view_person", "people.add_person"], raise_exception=True)
def person_add(request: HttpRequest) -> HttpResponse:
    """A new person; with ?case=<pk>, then on to adding them as a party to that case."""
    case = None
    case_id = record_id(request.GET.get("case", ""))
    if "case" in request.GET:
        case = selectors.case_for_page(selectors.cases_visible_to(request.user), case_id or 0)
    page = PersonPage(request.POST or None, user=request.user)
    if request.method == "POST" and page.is_valid():
        try:
            person = person_services.person_create(**page.service_arguments())
        except ValidationError as error:
            page.apply_errors(error)
        else:
            messages.success(request, f"{person.name} added.")
            if case is not None:
                return redirect(f"{reverse('staff:party_add', args=[case.pk])}?person={person.pk}")
            return redirect("staff:person_detail", pk=person.pk)
    return _render(request, page, case=case)


@require_http_methods(["GET", "POST"])
@permission_required(["people.view_person", "people.change_person"], raise_exception=True)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = visible_or_404(Person.objects.prefetch_related("aliases"), request.user, pk=pk)
    page = PersonPage(request.POST or None, user=request.user, person=person)
    if request.method == "POST" and page.is_valid():
        try:
            person_services.person_update(**page.service_arguments())
        except ValidationError as error:
            page.apply_errors(error)
        else:
            messages.success(request, f"{person.name} saved.")
            return redirect("staff:person_detail", pk=person.pk)
    return _render(request, page, person=person)
