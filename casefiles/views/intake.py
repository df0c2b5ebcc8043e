"""The New case page: a case from the news (person, case, first detention, source) in one form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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
            url = reverse("staff:case_detail", args=[case.pk])
            detention = case.detentions.order_by("pk").first()
            if detention is not None:
                anchor = f"detention-{detention.pk}"
                return redirect(f"{url}?new={anchor}#{anchor}")
            return redirect(url)
    return render(
        request, "staff/case_new.html", {"form": form}, status=400 if form.errors else 200
    )
