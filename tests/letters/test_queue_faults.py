"""The render queue survives faults: a broker that is down, lost messages, killed workers.

The first tests need no service: a broker on a closed port, and the requeue job run on
versions put in each state. The last ones use real services (tests/workers.py): the Redis
of CELERY_BROKER_URL, a redis-server of the test's own that it restarts, and worker
processes killed with SIGKILL — those need PostgreSQL, the database another process can
share; they skip without it (and fail under REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from letters import tasks  # noqa: F401  registers the tasks with the app
from letters.choices import RenderStatus
from letters.models import Letter, LetterVersion
from letters.services import (
    QUEUE_UNREACHABLE,
    RENDER_LOST,
    letter_version_render,
    letter_version_request,
    letter_versions_requeue_stuck,
)
from tests.conftest import logged_in, require_service
from tests.factories import SourceFactory
from tests.letters.conftest import make_letter
from tests.workers import (
    RedisServer,
    WorkerProcess,
    broker_url_required,
    celery_on_broker,
    require_postgresql,
    worker_in_thread,
)

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def unique_reference() -> str:
    return f"LTR-Q-{uuid.uuid4().hex[:8]}"


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"waited {seconds} s for {what}")


def status_of(version: LetterVersion) -> str:
    version.refresh_from_db()
    return version.status


def files_of(version: LetterVersion) -> list[Path]:
    reference = version.letter.reference
    return list(Path(settings.MEDIA_ROOT).rglob(f"{reference}-v{version.number}-*.pdf"))


# A broker that is down ------------------------------------------------------------------


@TRANSACTIONAL
def test_generate_pdf_with_the_broker_down_answers_a_warning_and_keeps_the_version_queued(
    letters_user,
):
    letter = make_letter(reference=unique_reference())
    client = logged_in(letters_user)
    with celery_on_broker(CLOSED_PORT_BROKER):
        started = time.monotonic()
        response = client.post(reverse("letters:render", args=[letter.pk]))
        took = time.monotonic() - started

    assert response.status_code == 302, "a broker that is down must not answer 500"
    assert took < 10, f"the click waited {took:.1f} s for a broker that is down"
    version = letter.versions.get()
    assert (version.status, version.error) == (RenderStatus.QUEUED, QUEUE_UNREACHABLE)
    page = client.get(response["Location"]).content.decode()
    assert f"Version 1 is saved. {QUEUE_UNREACHABLE}" in page  # the message
    versions_table = client.get(reverse("letters:versions", args=[letter.pk])).content.decode()
    assert QUEUE_UNREACHABLE in versions_table  # and the note on the version itself


@TRANSACTIONAL
def test_make_final_with_the_broker_down_makes_the_letter_final_and_warns(letters_user):
    letter = make_letter(reference=unique_reference())
    client = logged_in(letters_user)
    with celery_on_broker(CLOSED_PORT_BROKER):
        response = client.post(reverse("letters:finalise", args=[letter.pk]))

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The letter is final; version 1 is its PDF." in page
    assert f"Version 1 is saved. {QUEUE_UNREACHABLE}" in page
    letter.refresh_from_db()
    version = letter.versions.get()
    assert version.is_final and version.status == RenderStatus.QUEUED


@pytest.mark.django_db
def test_asking_again_once_the_broker_is_back_sends_the_render_at_once(
    django_capture_on_commit_callbacks,
):
    letter = make_letter(reference=unique_reference())
    with celery_on_broker(CLOSED_PORT_BROKER), django_capture_on_commit_callbacks(execute=True):
        version = letter_version_request(letter=letter)
    assert status_of(version) == RenderStatus.QUEUED and version.error == QUEUE_UNREACHABLE

    # Back to this test run's in-process tasks: the second click renders it.
    with django_capture_on_commit_callbacks(execute=True):
        assert letter_version_request(letter=letter).pk == version.pk
    assert status_of(version) == RenderStatus.DONE and version.error == ""


@pytest.mark.redis
@TRANSACTIONAL
def test_once_the_broker_is_back_the_requeue_job_sends_the_version_and_a_worker_renders_it():
    broker = broker_url_required()
    letter = make_letter(reference=unique_reference())
    with celery_on_broker(CLOSED_PORT_BROKER):
        version = letter_version_request(letter=letter)
    assert status_of(version) == RenderStatus.QUEUED and version.error == QUEUE_UNREACHABLE

    later = timezone.now() + datetime.timedelta(seconds=settings.LETTERS_QUEUED_STUCK_AFTER + 1)
    with celery_on_broker(broker) as queue:
        assert letter_versions_requeue_stuck(now=later) == [version.pk]
        assert redis.Redis.from_url(broker).llen(queue) == 1  # the message is in Redis
        version.refresh_from_db()
        assert version.status == RenderStatus.QUEUED and version.error == ""
        with worker_in_thread():
            wait_for(lambda: status_of(version) == RenderStatus.DONE, 60, "the render")
    assert len(files_of(version)) == 1


# The requeue job ------------------------------------------------------------------------


def version_in_state(status: str, *, age: float, attempts: int = 0, **fields) -> LetterVersion:
    """A version of a letter of its own, `age` seconds in `status`."""
    version = letter_version_request(letter=make_letter(reference=unique_reference()))
    LetterVersion.objects.filter(pk=version.pk).update(
        status=status,
        status_changed_at=timezone.now() - datetime.timedelta(seconds=age),
        render_attempts=attempts,
        **fields,
    )
    version.refresh_from_db()
    return version


@pytest.mark.django_db
def test_versions_stuck_queued_or_rendering_are_queued_again_and_no_other(
    django_capture_on_commit_callbacks,
):
    queued_after = settings.LETTERS_QUEUED_STUCK_AFTER
    rendering_after = settings.LETTERS_RENDER_STUCK_AFTER
    with django_capture_on_commit_callbacks(execute=False):  # nothing renders while we set up
        stuck_queued = version_in_state(RenderStatus.QUEUED, age=queued_after + 5)
        stuck_rendering = version_in_state(
            RenderStatus.RENDERING, age=rendering_after + 5, attempts=1, render_task_id="dead"
        )
        untouched = [
            version_in_state(RenderStatus.QUEUED, age=queued_after - 30),
            version_in_state(RenderStatus.RENDERING, age=rendering_after - 30, attempts=1),
            version_in_state(RenderStatus.DONE, age=86400, sha256="a" * 64),
            version_in_state(RenderStatus.FAILED, age=86400, error="The body is too long."),
        ]
    before = {v.pk: (v.status, v.error, v.status_changed_at) for v in untouched}

    with django_capture_on_commit_callbacks(execute=True) as sent:
        requeued = letter_versions_requeue_stuck()

    assert requeued == [stuck_queued.pk, stuck_rendering.pk]
    assert len(sent) == 1
    for version in untouched:
        version.refresh_from_db()
        assert (version.status, version.error, version.status_changed_at) == before[version.pk]
    # Sent again, they render (in-process here) to one file each.
    for version in (stuck_queued, stuck_rendering):
        version.refresh_from_db()
        assert version.status == RenderStatus.DONE and len(files_of(version)) == 1
    assert stuck_rendering.render_attempts == 2


@pytest.mark.django_db
def test_a_render_that_lost_its_worker_is_queued_again_with_a_note(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        version = version_in_state(
            RenderStatus.RENDERING, age=settings.LETTERS_RENDER_STUCK_AFTER + 5, attempts=1
        )
        assert letter_versions_requeue_stuck() == [version.pk]
    version.refresh_from_db()
    assert (version.status, version.error) == (RenderStatus.QUEUED, RENDER_LOST)


@pytest.mark.django_db
def test_a_version_that_keeps_losing_its_worker_ends_failed_with_the_reason(
    settings, django_capture_on_commit_callbacks
):
    settings.LETTERS_RENDER_MAX_ATTEMPTS = 3
    version = version_in_state(
        RenderStatus.RENDERING, age=settings.LETTERS_RENDER_STUCK_AFTER + 5, attempts=3
    )
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert letter_versions_requeue_stuck() == []
    assert sent == []  # nothing is sent again
    version.refresh_from_db()
    assert version.status == RenderStatus.FAILED and version.finished_at
    assert version.error == (
        "Rendering was given up after 3 attempts; the last one: it stopped before it "
        "finished (its worker was stopped or ran out of time)"
    )
    # A failed version stays failed: later runs of the job leave it alone.
    assert letter_versions_requeue_stuck(now=timezone.now() + datetime.timedelta(days=1)) == []


@pytest.mark.django_db
def test_a_version_whose_renders_keep_erroring_ends_failed_with_the_last_error(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LETTERS_RENDER_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=False):
        version = letter_version_request(letter=make_letter(reference=unique_reference()))

    def storage_down(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr("letters.services.html_to_pdf", storage_down)
    for attempt in (1, 2):
        with pytest.raises(OSError):  # re-raised so that the task retries
            letter_version_render(version_id=version.pk, task_id=f"try-{attempt}")
        version.refresh_from_db()
        assert version.status == RenderStatus.QUEUED and version.render_attempts == attempt
        assert version.error == "OSError: No space left on device (will retry)"

    final = letter_version_render(version_id=version.pk, task_id="try-3")
    assert final.status == RenderStatus.FAILED
    assert final.error == (
        "Rendering was given up after 2 attempts; the last one: "
        "OSError: No space left on device (will retry)"
    )


# A message delivered twice ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_message_leaves_a_render_in_progress_to_its_worker(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        version = version_in_state(
            RenderStatus.RENDERING, age=5, attempts=1, render_task_id="first"
        )
    again = letter_version_render(version_id=version.pk, task_id="second")
    assert (again.status, again.render_attempts, again.file.name) == (
        RenderStatus.RENDERING,
        1,
        "",
    )
    assert files_of(version) == []


@pytest.mark.django_db
def test_a_message_redelivered_after_its_worker_died_renders_the_version(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        version = version_in_state(
            RenderStatus.RENDERING, age=5, attempts=1, render_task_id="first"
        )
    again = letter_version_render(version_id=version.pk, task_id="first")
    assert (again.status, again.render_attempts) == (RenderStatus.DONE, 2)
    assert len(files_of(version)) == 1


@pytest.mark.django_db
def test_a_stray_message_for_a_done_or_failed_version_changes_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        done = letter_version_request(letter=make_letter(reference=unique_reference()))
    done.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        failed = version_in_state(RenderStatus.FAILED, age=60, error="The body is too long.")
    name = done.file.name

    assert letter_version_render(version_id=done.pk, task_id="stray").file.name == name
    again = letter_version_render(version_id=failed.pk, task_id="stray")
    assert (again.status, again.error) == (RenderStatus.FAILED, "The body is too long.")
    assert len(files_of(done)) == 1 and files_of(failed) == []


# Real services: a worker killed mid-render, a broker restarted ------------------------------


def long_letter() -> Letter:
    """A genuinely long letter — 200 cited paragraphs — that takes seconds to render."""
    source = SourceFactory(url="https://news.example.org/kz/long")
    body = "\n\n".join(
        f"Paragraph {n}: **Mr Test** was detained again and the court refused bail."
        f"[^src:{source.pk}]"
        for n in range(200)
    )
    return make_letter(body=body, reference=unique_reference())


def wait_until_all_end(versions: list[LetterVersion], seconds: float) -> None:
    ended = (RenderStatus.DONE, RenderStatus.FAILED)
    wait_for(lambda: all(status_of(v) in ended for v in versions), seconds, "every render")
    for version in versions:
        assert version.status == RenderStatus.DONE, version.error
        assert len(files_of(version)) == 1, "one version, one file"


@pytest.mark.redis
@pytest.mark.postgres
@TRANSACTIONAL
def test_renders_survive_a_worker_killed_mid_render(tmp_path):
    require_postgresql()
    broker = broker_url_required()
    with celery_on_broker(broker) as queue:
        long_one = letter_version_request(letter=long_letter())
        others = [
            letter_version_request(letter=make_letter(reference=unique_reference()))
            for _ in range(2)
        ]
        worker = WorkerProcess(broker_url=broker, queue=queue, log_dir=tmp_path)
        try:
            worker.start()
            wait_for(lambda: status_of(long_one) == RenderStatus.RENDERING, 30, "the long render")
            worker.kill()
            assert status_of(long_one) == RenderStatus.RENDERING, "killed mid-render"

            # The job, as it runs once the hard time limit has passed.
            later = timezone.now() + datetime.timedelta(
                seconds=settings.LETTERS_RENDER_STUCK_AFTER + 1
            )
            assert long_one.pk in letter_versions_requeue_stuck(now=later)
            worker.start()
            wait_until_all_end([long_one, *others], 90)
        finally:
            worker.stop()
            redis.Redis.from_url(broker).delete(queue)
    assert long_one.render_attempts == 2


@pytest.mark.redis
@pytest.mark.postgres
@TRANSACTIONAL
def test_queued_renders_survive_a_broker_restart(tmp_path):
    require_postgresql()
    require_service(RedisServer.available(), "redis-server is not installed")
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis")
    server.start()
    worker = None
    try:
        with celery_on_broker(server.url) as queue:
            before = [
                letter_version_request(letter=make_letter(reference=unique_reference()))
                for _ in range(3)
            ]
            assert server.client().llen(queue) == 3

            server.shutdown()
            during = letter_version_request(letter=make_letter(reference=unique_reference()))
            assert status_of(during) == RenderStatus.QUEUED
            assert during.error == QUEUE_UNREACHABLE

            server.start()
            assert server.client().llen(queue) == 3, "the append-only file kept the messages"
            worker = WorkerProcess(broker_url=server.url, queue=queue, log_dir=tmp_path)
            worker.start()
            later = timezone.now() + datetime.timedelta(
                seconds=settings.LETTERS_QUEUED_STUCK_AFTER + 1
            )
            assert during.pk in letter_versions_requeue_stuck(now=later)
            wait_until_all_end([*before, during], 60)
    finally:
        if worker:
            worker.stop()
        server.shutdown()
