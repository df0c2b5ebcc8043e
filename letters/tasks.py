"""Celery tasks for letters: thin wrappers that take ids and call one service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_init
from django.conf import settings

from letters import services
from letters.services import TRANSIENT_ERRORS, letter_version_render

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,  # the message stays in the broker until the render has ended
    reject_on_worker_lost=True,  # a worker killed mid-render hands the letter to another
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,  # below the broker's visibility timeout (settings)
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=settings.LETTERS_RENDER_SOFT_TIME_LIMIT,
    time_limit=settings.LETTERS_RENDER_HARD_TIME_LIMIT,
)
def render_letter_version(self, version_id: int) -> str:
    """Render one queued LetterVersion (see letters.services.letter_version_render)."""
    return letter_version_render(version_id=version_id, task_id=self.request.id or "").status


@shared_task
def letter_versions_requeue_stuck() -> int:
    """Every two minutes (beat): send again renders whose message or worker was lost."""
    return len(services.letter_versions_requeue_stuck())


@worker_init.connect
def check_pdf_font(**kwargs) -> None:
    """Say loudly at worker start-up when letters cannot be printed in the configured font."""
    from casefiles.pdf import font_problems

    for problem in font_problems():
        logger.critical("Letters cannot be rendered: %s", problem)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def send_signature_invitation(invitation_id: int, reminder: bool = False) -> str:
    """Email one invitation to sign, with a fresh personal link (letters.invitations)."""
    from letters.invitations import invitation_email_send

    event = invitation_email_send(invitation_id=invitation_id, reminder=reminder)
    return event.kind if event else "skipped"


@shared_task
def signature_reminders_send() -> int:
    """Daily (beat): remind the signatories who have not answered, at most
    LETTERS_MAX_REMINDERS times each."""
    from letters import invitations

    return invitations.signature_reminders_send()


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def notify_signature_answer(event_id: int) -> int:
    """Tell whoever invited a signatory that they signed or declined."""
    from letters.invitations import signature_answer_notify

    return signature_answer_notify(event_id=event_id)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=None,  # bounded by LETTERS_DELIVERY_ATTEMPTS, counted on the delivery
)
def send_letter_delivery(self, delivery_id: int) -> str:
    """Email the final PDF to one address (letters.sending); try again later on failure."""
    from letters.sending import DeliveryRetry, delivery_send

    try:
        return delivery_send(delivery_id=delivery_id).status
    except DeliveryRetry as exc:
        # 30 s, 2 min, 8 min… between attempts.
        raise self.retry(exc=exc, countdown=30 * 4 ** (self.request.retries or 0)) from exc
