"""End to end through a real Celery worker on the real Redis broker.

Skipped without a reachable broker (CELERY_BROKER_URL); fails instead under
REQUIRE_SERVICES=1. The worker runs in a thread of this process, consuming a queue
of its own so that it never takes another run's messages.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from casefiles.celery import app
from letters import tasks  # noqa: F401  registers the task with the app
from letters.choices import RenderStatus
from letters.models import LetterVersion
from letters.services import letter_version_request
from tests.conftest import require_service
from tests.letters.conftest import make_letter


def broker_reachable(url: str | None) -> bool:
    if not url or not url.startswith("redis"):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def close_worker_connections(**kwargs) -> None:
    # The worker thread's database connections must not outlive the test database.
    connections.close_all()


@pytest.fixture
def real_worker():
    broker = os.environ.get("CELERY_BROKER_URL")
    require_service(broker_reachable(broker), f"no Redis broker reachable at {broker!r}")
    saved = {
        key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    app.conf.update(
        broker_url=broker,
        task_always_eager=False,
        task_default_queue=f"letters-test-{uuid.uuid4().hex[:8]}",
    )
    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.update(saved)


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
