"""The staff side of invitations to sign (letters.invitations): invite the signatories of
the frozen revision (all, or one again), revoke a link, set the co-signature rules, and the
signatories' states as JSON for the letter page's live view.

Writes need the Letters role (letters.change_letter); the letter is read through the letters'
visibility rule, so a letter of a restricted case is 404 for those not assigned to it.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from letters.choices import LetterStatus, SignatoryEventKind
from letters.invitations import (
    invitation_revoke,
    invitations_send,
    letter_signature_rules_set,
    letter_signature_summary,
    signatories_states,
)
from letters.models import Letter, SignatoryEvent, SignatureInvitation

WRITE = "letters.change_letter"


class SignatureRulesForm(forms.Form):
    signature_deadline = forms.DateField(
        label="Deadline for signatures", required=False, widget=forms.DateInput({"type": "date"})
    )
    signatures_required = forms.IntegerField(
        label="Minimum signatures", required=False, min_value=1, max_value=1000
    )


def _letter(request: HttpRequest, pk: int) -> Letter:
    return get_object_or_404(Letter.objects.visible_to(request.user), pk=pk)


def invitations_context(request: HttpRequest, letter: Letter) -> dict:
    """What the letter page's signatures card shows (templates/letters/_invitations_card.html)."""
    signatories = list(letter.signatories.select_related("person").order_by("order", "pk"))
    failures = {
        event.signatory_id: event
        for event in SignatoryEvent.objects.filter(
            signatory__letter=letter, kind=SignatoryEventKind.EMAIL_FAILED
        ).order_by("at", "pk")
    }
    latest_sent = {
        event.signatory_id: event
        for event in SignatoryEvent.objects.filter(
            signatory__letter=letter,
            kind__in=(SignatoryEventKind.EMAIL_SENT, SignatoryEventKind.REMINDED),
        ).order_by("at", "pk")
    }
    # One query for every signatory's usable link (the latest wins).
    active = {
        invitation.signatory_id: invitation
        for invitation in SignatureInvitation.objects.filter(
            signatory__letter=letter, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("created_at", "pk")
    }
    rows = []
    for signatory in signatories:
        invitation = active.get(signatory.pk)
        failed = failures.get(signatory.pk)
        sent = latest_sent.get(signatory.pk)
        rows.append(
            {
                "signatory": signatory,
                "invitation": invitation,
                # A failure after the last successful sending is still to be dealt with.
                "failure": failed if failed and (not sent or failed.at > sent.at) else None,
            }
        )
    return {
        "invitation_rows": rows,
        "signature_summary": letter_signature_summary(letter),
        "can_invite": request.user.has_perm(WRITE) and letter.status == LetterStatus.COLLECTING,
        "rules_form": SignatureRulesForm(
            initial={
                "signature_deadline": letter.signature_deadline,
                "signatures_required": letter.signatures_required,
            }
        ),
    }


@require_POST
@permission_required(WRITE, raise_exception=True)
def letter_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite every signatory who has not answered, or the one named by ``signatory`` (a
    re-send: their earlier link stops working)."""
    letter = _letter(request, pk)
    signatory = None
    if request.POST.get("signatory"):
        wanted = request.POST["signatory"]
        signatory = letter.signatories.filter(pk=wanted).first() if wanted.isdigit() else None
        if signatory is None:
            messages.error(request, "That signatory is not on this letter.")
            return redirect("letters:detail", pk=letter.pk)
    try:
        invited = invitations_send(letter=letter, by=cast(User, request.user), signatory=signatory)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if invited:
            names = ", ".join(i.signatory.person.signature_name for i in invited)
            messages.success(request, f"Invitations to sign are being emailed to {names}.")
        else:
            messages.info(request, "Every signatory has already answered.")
    return redirect("letters:detail", pk=letter.pk)


@require_POST
@permission_required(WRITE, raise_exception=True)
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        SignatureInvitation.objects.visible_to(request.user).select_related("signatory__person"),
        pk=pk,
    )
    try:
        invitation_revoke(invitation=invitation, by=cast(User, request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"The link of {invitation.signatory.person.signature_name} no longer works."
        )
    return redirect("letters:detail", pk=invitation.signatory.letter_id)


@require_POST
@permission_required(WRITE, raise_exception=True)
def letter_signature_rules(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    form = SignatureRulesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect("letters:detail", pk=letter.pk)
    try:
        letter_signature_rules_set(
            letter=letter,
            deadline=form.cleaned_data["signature_deadline"],
            minimum=form.cleaned_data["signatures_required"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Signature rules saved.")
    return redirect("letters:detail", pk=letter.pk)


@require_GET
@permission_required("letters.view_letter", raise_exception=True)
def letter_signature_states(request: HttpRequest, pk: int) -> JsonResponse:
    """Each signatory's state, polled by the letter page (static/letters/signatures.js)."""
    letter = _letter(request, pk)
    return JsonResponse(
        {
            "summary": letter_signature_summary(letter).text,
            "signatories": signatories_states(letter),
        }
    )
