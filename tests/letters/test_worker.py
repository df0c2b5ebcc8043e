"""End to end through a real Celery worker on the real Redis broker.

Skipped without a reachable broker (CELERY_BROKER_URL); fails instead under
REQUIRE_SERVICES=1. The worker (the `real_worker` fixture, tests/workers.py) runs in a
thread of this process, consuming a queue of its own so that it never takes another
run's messages.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from letters import tasks  # noqa: F401  registers the task with the app
from letters.choices import RenderStatus
from letters.models import LetterVersion
from letters.services import letter_version_request
from tests.letters.conftest import make_letter


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_renders_a_queued_letter_and_stores_its_hash(real_worker):
    letter = make_letter()
    version = letter_version_request(letter=letter)  # commits, so the task is sent now
    seen = [version.status]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        version.refresh_from_db()
        if version.status != seen[-1]:
            seen.append(version.status)
        if version.status in (RenderStatus.DONE, RenderStatus.FAILED):
            break
        time.sleep(0.05)

    assert version.status == RenderStatus.DONE, version.error
    assert seen == [RenderStatus.QUEUED, RenderStatus.RENDERING, RenderStatus.DONE]
    with version.file.open("rb") as pdf:
        assert hashlib.sha256(pdf.read()).hexdigest() == version.sha256
    # Asking again for the same content sends nothing and makes no duplicate.
    assert letter_version_request(letter=letter).pk == version.pk
    assert LetterVersion.objects.filter(letter=letter).count() == 1
