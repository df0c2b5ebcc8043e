"""Adding, citing and correcting a case's sources from the case page, through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casefiles import selectors
from casefiles.forms import apply_service_errors, record_id
from casefiles.forms.sources import SourceAddForm, SourceFieldsForm
from casefiles.models import Case, Source
from casefiles.services import sources as services
from casefiles.views.base import typed_query
from people.visibility import visible_or_404


def _to_case(request: HttpRequest, case: Case, source: Source, message: str) -> HttpResponse:
    messages.success(request, message)
    anchor = f"source-{source.pk}"
    return redirect(f"{reverse('staff:case_detail', args=[case.pk])}?new={anchor}#{anchor}")


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_source"], raise_exception=True)
def source_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    query = typed_query(request)
    form = SourceAddForm(
        request.POST or None, request.FILES or None, case=case, user=request.user, query=query
    )
    if request.method == "POST" and form.is_valid():
        existing = form.cleaned_data.get("existing")
        facts = form.cleaned_data["facts"]
        try:
            if existing is not None:
                source = services.source_attach(
                    case=case, user=request.user, source=existing, facts=facts
                )
            else:
                source = services.source_add(case=case, facts=facts, **form.source_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _to_case(request, case, source, "Source added.")
    return render(
        request,
        "staff/source_form.html",
        {"case": case, "form": form, "source": None, "query": query},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_source", "casefiles.change_source"], raise_exception=True)
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = visible_or_404(Source.objects.all(), request.user, pk=pk)
    # The case page to return to: the one it was opened from, else one that cites it.
    cases = services.cases_citing(source=source, user=request.user)
    case = cases.filter(pk=record_id(request.GET.get("case", "")) or 0).first() or cases.first()
    initial = {
        "url": source.url,
        "title": source.title,
        "publisher": source.publisher,
        "published_on": source.published_on,
    }
    form = SourceFieldsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_update(source=source, **form.source_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if case is None:
                messages.success(request, "Source saved.")
                return redirect("staff:dashboard")
            return _to_case(request, case, source, "Source saved.")
    return render(
        request,
        "staff/source_form.html",
        {"case": case, "form": form, "source": source, "query": ""},
        status=400 if form.errors else 200,
    )
