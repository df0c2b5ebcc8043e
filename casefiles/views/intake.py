"""The New case page: a case from the news (person, case, detention, charges, hearing, source)
in one form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from casefiles import services
from casefiles.forms import CaseOpenForm, apply_service_errors
from casefiles.views.base import _staff


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_case"], raise_exception=True)
def case_new(request: HttpRequest) -> HttpResponse:
    form = CaseOpenForm(request.POST or None, user=_staff(request))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(**form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} opened.")
            return redirect(_case_page_marking_new(case))
    return render(
        request, "staff/case_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _case_page_marking_new(case) -> str:
    """The case page with every timeline entry the New case page created marked as new
    (?new=a&new=b), scrolled to the first."""
    anchors = [
        f"detention-{pk}" for pk in case.detentions.order_by("pk").values_list("pk", flat=True)
    ]
    # A charge without a date has no place on the timeline, so nothing to mark.
    anchors += [
        f"charge-{pk}"
        for pk in case.charges.filter(brought_on__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    hearings = case.hearings.order_by("pk").values_list("pk", flat=True)
    anchors += [f"hearing-{pk}" for pk in hearings]
    url = reverse("staff:case_detail", args=[case.pk])
    if not anchors:
        return url
    return f"{url}?{urlencode({'new': anchors}, doseq=True)}#{anchors[0]}"
