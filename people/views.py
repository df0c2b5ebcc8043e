"""The back office page of deleted records, where an Administrator restores one."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from people.deletion import (
    OUR_APPS,
    RestoreError,
    deleted_records,
    is_administrator,
    is_tracked,
    record_restore,
)


def _history_row(label: str, history_id: str):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError) as exc:
        raise Http404("No such kind of record.") from exc
    if model._meta.app_label not in OUR_APPS or not is_tracked(model):
        raise Http404("No such kind of record.")
    row = model.history.filter(history_id=history_id, history_type="-").first()
    if row is None:
        raise Http404("No such deletion.")
    return row


def deleted_records_view(request: HttpRequest) -> HttpResponse:
    """GET lists records deleted and not yet restored; POST restores one (Administrators)."""
    if not is_administrator(request.user):
        raise PermissionDenied("Only an Administrator can see and restore deleted records.")
    if request.method == "POST":
        row = _history_row(request.POST.get("model", ""), request.POST.get("history_id", ""))
        try:
            record = record_restore(history_row=row, user=request.user)
        except RestoreError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"“{record}” is restored, with its links.")
        return redirect("deleted_records")
    context = {
        **admin.site.each_context(request),
        "title": "Deleted records",
        "deletions": deleted_records(),
    }
    return TemplateResponse(request, "admin/deleted_records.html", context)
