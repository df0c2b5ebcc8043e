"""Letter templates on the staff pages: list, edit, new, preview against a case.

Everyone with the view permission reads them; the Letters role (change/add permission)
writes them, through letters.services_templates (a template that does not render is
refused with its line and name).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from casefiles.forms import apply_service_errors
from casefiles.models import Case
from letters.forms import LetterTemplateForm
from letters.models import LetterTemplate
from letters.rendering import LetterContentError, body_to_html
from letters.services_templates import letter_template_render, letter_template_save
from letters.templating.environment import TemplateRenderError
from letters.templating.facts import REFERENCE
from letters.templating.filters import FILTERS

PICKER_CASES = 200  # the preview's case list; more than any one office follows at once
FIELDS = ("name", "subject", "salutation", "body", "closing")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _reference_context() -> dict:
    return {"vocabulary": REFERENCE, "filters": sorted(FILTERS)}


@require_GET
@permission_required("letters.view_lettertemplate", raise_exception=True)
def template_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "letters/template_list.html",
        {
            "templates": LetterTemplate.objects.order_by("name"),
            "may_add": request.user.has_perm("letters.add_lettertemplate"),
        },
    )


def _save(request: HttpRequest, form: LetterTemplateForm, template: LetterTemplate | None):
    if not form.is_valid():
        return None
    try:
        return letter_template_save(template=template, **form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None


@permission_required("letters.add_lettertemplate", raise_exception=True)
def template_new(request: HttpRequest) -> HttpResponse:
    form = LetterTemplateForm(request.POST or None)
    if request.method == "POST":
        saved = _save(request, form, None)
        if saved is not None:
            messages.success(request, f"Template “{saved.name}” saved.")
            return redirect("letters:template_edit", pk=saved.pk)
    return render(
        request,
        "letters/template_edit.html",
        {"form": form, "template": None, "may_change": True, **_reference_context()},
    )


@permission_required("letters.view_lettertemplate", raise_exception=True)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(LetterTemplate, pk=pk)
    may_change = request.user.has_perm("letters.change_lettertemplate")
    if request.method == "POST" and not may_change:
        raise PermissionDenied("Only the Letters role changes templates.")
    initial = {field: getattr(template, field) for field in FIELDS}
    form = LetterTemplateForm(request.POST or None, initial=initial, read_only=not may_change)
    if request.method == "POST":
        saved = _save(request, form, template)
        if saved is not None:
            messages.success(request, f"Template “{saved.name}” saved.")
            return redirect("letters:template_edit", pk=saved.pk)
    return render(
        request,
        "letters/template_edit.html",
        {
            "form": form,
            "template": template,
            "may_change": may_change,
            "cases": Case.objects.visible_to(request.user).order_by("reference")[:PICKER_CASES],
            **_reference_context(),
        },
    )


def _case_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("case", "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@require_GET
@permission_required("letters.view_lettertemplate", raise_exception=True)
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The template written out over a case the user may see (a hidden case answers 404)."""
    template = get_object_or_404(LetterTemplate, pk=pk)
    cases = Case.objects.visible_to(request.user)
    case_pk = _case_param(request)
    case = get_object_or_404(cases, pk=case_pk) if case_pk is not None else None
    context: dict = {
        "template": template,
        "case": case,
        "cases": cases.order_by("reference")[:PICKER_CASES],
    }
    if case is not None:
        try:
            text = letter_template_render(template=template, cases=[case], author=_user(request))
            context["text"] = text
            context["body"] = body_to_html(text["body"])
        except (TemplateRenderError, LetterContentError) as exc:
            context["error"] = str(exc)
    return render(request, "letters/template_preview.html", context)
