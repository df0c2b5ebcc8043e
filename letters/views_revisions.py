"""Editing a letter's text and sending it out for signature (letters.services_revisions).

Both need the Letters role (letters.change_letter), as the other writes on the letter page,
and read the letter through the letters' visibility rule: a letter of a restricted case is
404 for those not assigned to it.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from casefiles.forms import apply_service_errors
from letters.forms import LetterTextForm
from letters.models import Letter
from letters.services_cite import citations_hidden
from letters.services_revisions import (
    CLOSED,
    letter_current_revision,
    letter_send_for_signature,
    letter_text_update,
    signatures_on_current_text,
)
from letters.views_cite import fact_choices

WRITE = "letters.change_letter"


def _letter(request: HttpRequest, pk: int) -> Letter:
    return get_object_or_404(Letter.objects.visible_to(request.user), pk=pk)


@permission_required(WRITE, raise_exception=True)
def letter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter's text. Out for signature, the page lists who has signed the frozen
    revision and saving needs the confirmation that they will be asked again. A final or sent
    letter is not edited: the page says so and offers nothing to save."""
    letter = _letter(request, pk)
    closed = letter.status in CLOSED
    signed = [] if closed or not letter.text_is_frozen else signatures_on_current_text(letter)
    initial = {name: getattr(letter, name) for name in LetterTextForm.TEXT_FIELDS}
    form = LetterTextForm(request.POST or None, initial=initial)
    if closed and request.method == "POST":
        messages.error(
            request,
            f"Letter {letter.reference} is {letter.get_status_display().lower()} and can no "
            "longer be edited. To correct it, write a new letter referring to this one.",
        )
        return redirect("letters:detail", pk=letter.pk)
    if request.method == "POST" and form.is_valid():
        hidden = citations_hidden(body=form.cleaned_data["body"], user=request.user)
        if hidden:
            form.add_error("body", hidden)
    if request.method == "POST" and form.is_valid():
        try:
            asked_again = letter_text_update(letter=letter, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if asked_again:
                names = ", ".join(s.person.signature_name for s in asked_again)
                messages.success(
                    request,
                    f"Text saved as a new draft. {names} signed an earlier text; send the "
                    "letter for signature again to ask them.",
                )
            else:
                messages.success(request, "Text saved.")
            return redirect("letters:detail", pk=letter.pk)
    return render(
        request,
        "letters/letter_edit.html",
        {
            "letter": letter,
            "form": form,
            "closed": closed,
            "signed": signed,
            "revision": letter_current_revision(letter),
            "facts": [] if closed else fact_choices(letter, request.user),
        },
    )


@require_POST
@permission_required(WRITE, raise_exception=True)
def letter_send_for_signature_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    try:
        revision = letter_send_for_signature(letter=letter, sent_by=cast(User, request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Revision {revision.number} is frozen and out for signature; signatures recorded "
            "now belong to it.",
        )
    return redirect("letters:detail", pk=letter.pk)
