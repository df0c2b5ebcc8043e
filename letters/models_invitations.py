"""Invitations to sign a letter through a personal link, and what happened on each.

A SignatureInvitation is one signatory's link to one frozen revision. Only the sha256 of
its token is stored: the token exists in the email alone (letters.invitations issues it in
the task that sends the email, so it never travels through the broker either). A
SignatoryEvent is one step — invited, email sent or failed, opened, signed, declined,
reminded, revoked — with the time, IP address and browser it came from.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from letters.choices import SignatoryEventKind
from people.fields import BoundedTextField
from people.history import HistoryAuthor
from people.visibility import visible_through


class SignatureInvitation(models.Model):
    signatory = models.ForeignKey(
        "letters.LetterSignatory", on_delete=models.CASCADE, related_name="invitations"
    )
    revision = models.ForeignKey(
        "letters.LetterRevision", on_delete=models.CASCADE, related_name="invitations"
    )
    # sha256 of the token in the link; empty until the email with the link is sent.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # The PDF shown on the signer page: the letter as it was when invited (its revision).
    pdf_version = models.ForeignKey(
        "letters.LetterVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(bases=[HistoryAuthor], excluded_fields=["token_hash"])
    objects = visible_through("signatory")

    class Meta:
        ordering = ["signatory", "-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.signatory} ({self.revision})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class SignatoryEvent(models.Model):
    """One step of a signatory's signing, never changed afterwards."""

    signatory = models.ForeignKey(
        "letters.LetterSignatory", on_delete=models.CASCADE, related_name="events"
    )
    invitation = models.ForeignKey(
        SignatureInvitation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(max_length=16, choices=SignatoryEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = BoundedTextField(max_length=2_000, blank=True)
    objects = visible_through("signatory")
    # One row per event (it never changes), like every record: the back office's history.
    history = HistoricalRecords(bases=[HistoryAuthor])

    class Meta:
        ordering = ["signatory", "at", "pk"]
        indexes = [
            # The dashboard's latest answers (invitations.signature_answers).
            models.Index(
                fields=["-at"],
                condition=models.Q(kind__in=["signed", "declined"]),
                name="signatory_answer_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
