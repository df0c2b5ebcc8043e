"""The brief for a meeting: a printable page and a PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casefiles import selectors
from casefiles.sentences import custody_from, sentences_for_case
from casefiles.timeline import case_timeline
from casefiles.views.base import view_case_required


@require_GET
@view_case_required
def case_brief(request: HttpRequest, pk: int) -> HttpResponse:
    """The case summary and full timeline on one printable page, for a meeting."""
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    return render(request, "staff/brief.html", _brief_context(request, case))


def _brief_context(request: HttpRequest, case) -> dict:
    today = timezone.localdate()
    cases = selectors.cases_visible_to(request.user)
    custody = selectors.custody_runs_now(cases, today=today, detained_in=cases.filter(pk=case.pk))
    return {
        "case": case,
        "timeline": case_timeline(case, user=request.user),
        "custody_runs": custody,
        "sentences": sentences_for_case(case, custody=custody_from(cases, today=today)),
        "today": today,
        "prepared_by": request.user.get_username(),
    }


@require_GET
@view_case_required
def case_brief_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The brief as a PDF, through the shared renderer that fetches nothing from outside."""
    from django.conf import settings
    from django.template.loader import render_to_string

    from casefiles.pdf import PDFRenderError, css_string, render_pdf

    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    context = _brief_context(request, case) | {
        "font_family": css_string(settings.PDF_FONT_FAMILY or "")
    }
    html = render_to_string("staff/brief_pdf.html", context, request=request)
    try:
        pdf = render_pdf(
            html=html,
            stylesheets=[settings.BASE_DIR / "static" / "css" / "brief_pdf.css"],
            time_limit=settings.BRIEF_PDF_TIME_LIMIT,  # a brief is a few pages
        )
    except PDFRenderError as error:
        advice = (
            " The case's texts are too long to print in one brief: shorten the longest "
            "summary or event descriptions, or use the printable page."
            if error.limit
            else ""
        )
        messages.error(request, f"The brief PDF could not be made: {error}{advice}")
        return redirect("staff:case_detail", pk=case.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"brief-{case.reference}-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
