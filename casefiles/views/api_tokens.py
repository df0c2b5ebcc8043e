"""Personal API tokens: the account page where a user makes (key shown once), lists and
revokes their own."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from casefiles.forms import apply_service_errors
from casefiles.models import ApiToken
from casefiles.services.api_tokens import api_token_create, api_token_revoke
from casefiles.views.base import _staff, view_case_required


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What will use it, e.g. “website list” — to know which one to revoke.",
    )


@require_http_methods(["GET", "POST"])
@view_case_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, key = api_token_create(user=user, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            # Shown once, on the next page; only its hash is kept.
            request.session["api_token_key"] = key
            messages.success(request, "New API token created. Copy it now.")
            return redirect("staff:api_tokens")
    key = request.session.pop("api_token_key", "")
    tokens = ApiToken.objects.filter(user=user)[:100]
    return render(
        request, "staff/api_tokens.html", {"form": form, "tokens": tokens, "new_key": key}
    )


@require_POST
@view_case_required
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Only one's own: another user's token answers 404, like a missing one.
    token = get_object_or_404(ApiToken, pk=pk, user=_staff(request))
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
    return redirect("staff:api_tokens")
