"""Sending a final letter and logging the replies, on the letter page (letters.sending)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from casefiles.models import SUMMARY_MAX
from letters.choices import DeliveryStatus, LetterStatus
from letters.models import Letter
from letters.sending import deliveries_retry, letter_send, reply_log
from people.fields import validate_fact_date
from people.models import Position


class ReplyForm(forms.Form):
    received_on = forms.DateField(
        label="Received on",
        validators=[validate_fact_date],
        widget=forms.DateInput({"type": "date"}),
    )
    sender = forms.ModelChoiceField(
        queryset=Position.objects.none(), required=False, label="From", empty_label="Someone else"
    )
    summary = forms.CharField(max_length=SUMMARY_MAX, widget=forms.Textarea({"rows": 3}))
    scan = forms.FileField(required=False, label="Scan or file of the reply")
    pasted_email = forms.CharField(
        required=False,
        max_length=100_000,
        label="or the email, pasted",
        widget=forms.Textarea({"rows": 4}),
    )

    def __init__(self, *args, letter: Letter, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The sender is one of those the letter went to.
        field = self.fields["sender"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Position.objects.filter(letters_received__letter=letter)
            .distinct()
            .select_related("person", "organisation")
        )


def sending_context(request: HttpRequest, letter: Letter) -> dict:
    deliveries = list(letter.deliveries.all())
    may = request.user.has_perm("letters.change_letter")
    return {
        "deliveries": deliveries,
        "deliveries_failed": [d for d in deliveries if d.status == DeliveryStatus.FAILED],
        "can_send": may
        and letter.status == LetterStatus.FINAL
        and not any(d.status != DeliveryStatus.FAILED for d in deliveries),
        "can_log_reply": request.user.has_perm("letters.add_reply")
        and letter.status in (LetterStatus.FINAL, LetterStatus.SENT),
        "reply_form": ReplyForm(letter=letter),
        "replies": letter.replies.select_related("from_person", "from_organisation"),
    }


def _letter(request: HttpRequest, pk: int) -> Letter:
    return get_object_or_404(Letter.objects.visible_to(request.user), pk=pk)


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@require_POST
@permission_required("letters.change_letter", raise_exception=True)
def letter_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    try:
        deliveries = letter_send(letter=letter, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.info(request, f"Sending to {len(deliveries)} addresses.")
    return redirect("letters:detail", pk=letter.pk)


@require_POST
@permission_required("letters.change_letter", raise_exception=True)
def deliveries_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    try:
        retried = deliveries_retry(letter=letter, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.info(request, f"Sending again to {len(retried)} addresses.")
    return redirect("letters:detail", pk=letter.pk)


@require_POST
@permission_required("letters.add_reply", raise_exception=True)
def reply_log_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    form = ReplyForm(request.POST, request.FILES, letter=letter)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{field.replace('_', ' ')}: {' '.join(str(e) for e in errors)}"
            )
        return redirect("letters:detail", pk=letter.pk)
    try:
        reply_log(
            letter=letter,
            received_on=form.cleaned_data["received_on"],
            summary=form.cleaned_data["summary"],
            sender_position=form.cleaned_data["sender"],
            scan=form.cleaned_data["scan"],
            pasted_email=form.cleaned_data["pasted_email"],
            by=request.user,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "The reply is recorded.")
    return redirect("letters:detail", pk=letter.pk)
