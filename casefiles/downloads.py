"""Uploaded files and rendered PDFs leave the app only through here.

Django never serves MEDIA_ROOT: each file comes from a view that has checked the login, the
role and the one visibility rule, and it is sent so that a browser cannot run it in our
origin — as a download, with no content sniffing, inside a sandbox.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def protected_file_response(
    file: FieldFile,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    inline: bool = False,
) -> FileResponse:
    """`inline` only for images shown in our own pages (a signature in the letter page)."""
    response = FileResponse(
        file.open("rb"),
        as_attachment=not inline,
        filename=filename or (file.name or "download").rsplit("/", 1)[-1],
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Opened directly, even an HTML or SVG file runs no script and reaches no cookie.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
