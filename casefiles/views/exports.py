"""Downloads of the data as zips: an Administrator's full export, and one case's export.

Each zip is built in a temporary file (never in memory) and streamed from it; the file is
removed when the response is closed.
"""

from __future__ import annotations

import tempfile

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from casefiles import selectors
from casefiles.exchange import case_export_zip, export_zip
from casefiles.views.base import _staff, view_case_required
from people.visibility import sees_everything


def _zip_response(build, filename: str) -> FileResponse:
    # Not a `with`: the response reads the file after this returns, and closes it.
    scratch = tempfile.TemporaryFile(prefix="casefiles-zip-")  # noqa: SIM115
    try:
        build(scratch)
        scratch.seek(0)
    except BaseException:
        scratch.close()
        raise
    response = FileResponse(
        scratch, as_attachment=True, filename=filename, content_type="application/zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def export_all(request: HttpRequest) -> FileResponse:
    """Everything, as `export_casefiles` writes it for this Administrator (no passwords)."""
    user = _staff(request)
    if not sees_everything(user):
        raise PermissionDenied
    return _zip_response(
        lambda out: export_zip(user=user, out=out),
        f"casefiles-export-{timezone.localdate():%Y-%m-%d}.zip",
    )


@require_GET
@view_case_required
def case_export(request: HttpRequest, pk: int) -> FileResponse:
    """One case: its facts and letters as JSON, its sources' files and its letters' PDFs."""
    user = _staff(request)
    case = selectors.case_for_page(selectors.cases_visible_to(user), pk)
    return _zip_response(
        lambda out: case_export_zip(case=case, user=user, out=out),
        f"case-{case.reference}-{timezone.localdate():%Y-%m-%d}.zip",
    )
