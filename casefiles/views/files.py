"""Downloads of uploaded sources (see casefiles/downloads.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from casefiles.downloads import protected_file_response
from casefiles.models import Source
from people.visibility import visible_or_404


@require_GET
@permission_required("casefiles.view_source", raise_exception=True)
def source_file(request: HttpRequest, pk: int) -> FileResponse:
    """An uploaded source, to logged-in staff who may read sources. Always a download, so
    an uploaded HTML or SVG file never runs in our pages."""
    source = visible_or_404(Source.objects.exclude(file=""), request.user, pk=pk)
    return protected_file_response(source.file)
