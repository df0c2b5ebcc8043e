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
