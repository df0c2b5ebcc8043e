"""Sending a final letter: one Delivery per recipient of the email (letters.sending)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from letters.choices import DeliveryKind, DeliveryStatus
from people.fields import BoundedTextField
from people.history import HistoryAuthor
from people.visibility import visible_through


class Delivery(models.Model):
    """The final PDF emailed to one address: the addressee, a copy, or a signatory's office."""

    letter = models.ForeignKey(
        "letters.Letter", on_delete=models.CASCADE, related_name="deliveries"
    )
    version = models.ForeignKey(
        "letters.LetterVersion", on_delete=models.PROTECT, related_name="deliveries"
    )
    address = models.EmailField()
    name = models.CharField(max_length=300, blank=True, help_text="Who the address is for.")
    kind = models.CharField(max_length=10, choices=DeliveryKind.choices)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    error = BoundedTextField(max_length=2_000, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("letter")

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["letter", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.address} ({self.get_status_display()})"
