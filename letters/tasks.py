"""Celery tasks for letters: thin wrappers that take ids and call one service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_init
from django.conf import settings

from letters.services import TRANSIENT_ERRORS, letter_version_render

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,  # a worker killed mid-render hands the letter to another
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    # Past the render's own limit (enforced on its child process), so that a slow render
    # fails the version with that limit's message rather than the task's.
    soft_time_limit=settings.LETTERS_RENDER_TIME_LIMIT + 30,
    time_limit=settings.LETTERS_RENDER_TIME_LIMIT + 60,
)
def render_letter_version(version_id: int) -> str:
    """Render one queued LetterVersion (see letters.services.letter_version_render)."""
    return letter_version_render(version_id=version_id).status


@worker_init.connect
def check_pdf_font(**kwargs) -> None:
    """Say loudly at worker start-up when letters cannot be printed in the configured font."""
    from casefiles.pdf import font_problems

    for problem in font_problems():
        logger.critical("Letters cannot be rendered: %s", problem)
