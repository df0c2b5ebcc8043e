"""Background jobs for deadlines. Tasks take ids, call one service, and are safe to rerun."""

from __future__ import annotations

import smtplib
from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from casefiles import services
from casefiles.models import Reminder


@shared_task(autoretry_for=(OSError, smtplib.SMTPException), retry_backoff=True, max_retries=5)
def reminder_email(reminder_id: int) -> bool:
    return services.reminder_email(reminder_id=reminder_id)


@shared_task
def reminders_send_due() -> int:
    """Daily (beat): create today's reminders, then email each one not yet emailed.

    Running it twice creates and emails nothing new: reminders are unique per deadline
    and reminder_email skips one already sent.
    """
    with transaction.atomic():
        created = services.reminders_create_due(today=timezone.localdate())
        for reminder_id in Reminder.objects.filter(emailed_at__isnull=True).values_list(
            "pk", flat=True
        ):
            transaction.on_commit(partial(reminder_email.delay, reminder_id))
    return len(created)
