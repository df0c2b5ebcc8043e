"""The spreadsheet import: upload, preview (nothing written), confirm (written in one go).

The file is kept as an ImportRun between the preview and the confirmation, never in the
session; a run is seen and confirmed only by the person who uploaded it (anyone else gets
404, as for a missing one)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from casefiles.forms import apply_service_errors
from casefiles.forms.imports import ImportUploadForm
from casefiles.importing import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from casefiles.models import ImportRun
from casefiles.services import imports as services
from casefiles.views.base import _staff

import_required = permission_required(
    ["casefiles.view_case", "casefiles.add_case"], raise_exception=True
)
# Earlier imports listed on the upload page.
RECENT_RUNS = 10


@require_http_methods(["GET", "POST"])
@import_required
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = services.import_preview(
                user=user,
                kind=form.cleaned_data["kind"],
                content=upload.read(IMPORT_MAX_BYTES + 1),
                name=services.import_file_name_ok(upload.name),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("staff:import_preview", pk=run.pk)
    runs = ImportRun.objects.filter(user=user)[:RECENT_RUNS]
    return render(
        request,
        "staff/import_upload.html",
        {
            "form": form,
            "runs": runs,
            "columns": services.COLUMNS,
            "max_rows": IMPORT_MAX_ROWS,
        },
        status=400 if form.errors else 200,
    )


def _own_run(request: HttpRequest, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun, pk=pk, user=_staff(request))


@require_http_methods(["GET"])
@import_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    run = _own_run(request, pk)
    earlier = (
        ImportRun.objects.filter(sha256=run.sha256, kind=run.kind, status="applied")
        .exclude(pk=run.pk)
        .order_by("-applied_at")
        .first()
    )
    return render(request, "staff/import_preview.html", {"run": run, "earlier": earlier})


@require_http_methods(["POST"])
@import_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = _own_run(request, pk)
    try:
        services.import_apply(run=run, user=_staff(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"Imported: {run.created} created, {run.updated} updated, {run.matched} already "
            f"on file, {run.errors} rows with errors skipped.",
        )
    return redirect("staff:import_preview", pk=run.pk)
