"""Deadline reminders: made once per deadline however often the daily job runs, emailed
to the case's assigned staff."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from casefiles.models import Reminder
from casefiles.services import reminders_create_due
from casefiles.tasks import reminders_send_due
from tests.conftest import make_user
from tests.factories import DetentionFactory, HearingFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def detention_ending_in_5_days(today):
    detention = DetentionFactory(
        person=PersonFactory(given_name="Bekizhan", family_name="Mendygazyev"),
        started_on=today - datetime.timedelta(days=56),
        planned_end=today + datetime.timedelta(days=5),
    )
    staff = make_user("sara_staff")
    staff.email = "sara@example.org"
    staff.save()
    detention.case.assigned_staff.add(staff)
    return detention


def test_a_detention_ending_in_5_days_produces_one_reminder_once(
    detention_ending_in_5_days, django_capture_on_commit_callbacks
):
    for _ in range(3):
        # The emails are queued on commit; the test's transaction never commits.
        with django_capture_on_commit_callbacks(execute=True):
            reminders_send_due.delay()
    reminder = Reminder.objects.get()
    assert reminder.detention == detention_ending_in_5_days
    assert "Bekizhan Mendygazyev ends" in reminder.message
    assert "no extension hearing recorded" in reminder.message
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sara@example.org"]
    assert reminder.emailed_at is not None


def test_the_job_run_again_the_next_day_adds_nothing(detention_ending_in_5_days, today):
    reminders_create_due(today=today)
    assert reminders_create_due(today=today + datetime.timedelta(days=1)) == []
    assert Reminder.objects.count() == 1


def test_terms_ending_later_than_a_week_or_already_ended_make_no_reminder(today):
    DetentionFactory(
        started_on=today - datetime.timedelta(days=30),
        planned_end=today + datetime.timedelta(days=8),
    )
    DetentionFactory(
        started_on=today - datetime.timedelta(days=30),
        planned_end=today + datetime.timedelta(days=3),
        actual_end=today,
    )
    assert reminders_create_due(today=today) == []


def test_an_extended_term_gets_a_reminder_for_its_new_end(detention_ending_in_5_days, today):
    reminders_create_due(today=today)
    detention_ending_in_5_days.planned_end = today + datetime.timedelta(days=6)
    detention_ending_in_5_days.save()
    assert len(reminders_create_due(today=today)) == 1
    assert Reminder.objects.count() == 2


def test_tomorrows_hearing_produces_one_reminder(today):
    hearing = HearingFactory(
        held_on=today + datetime.timedelta(days=1), starts_at=datetime.time(10, 30)
    )
    HearingFactory(held_on=today + datetime.timedelta(days=2))
    reminders_create_due(today=today)
    reminders_create_due(today=today)
    reminder = Reminder.objects.get()
    assert reminder.hearing == hearing and "at 10:30" in reminder.message


def test_the_daily_job_is_scheduled_in_celery_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["reminders-daily"]
    assert entry["task"] == "casefiles.tasks.reminders_send_due"


# --- Through a real Celery worker on Redis -----------------------------------------------


def _broker_reachable(url: str | None) -> bool:
    if not url or not url.startswith("redis"):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def real_worker():
    """A worker thread on the real broker, consuming a queue of its own; it records the
    name of every task it finishes."""
    import os
    import uuid

    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from casefiles.celery import app
    from tests.conftest import require_service

    broker = os.environ.get("CELERY_BROKER_URL")
    require_service(_broker_reachable(broker), f"no Redis broker reachable at {broker!r}")
    finished: list[str] = []

    def on_postrun(sender=None, **kwargs) -> None:
        connections.close_all()  # the worker's connections must not outlive the test DB
        finished.append(sender.name)

    saved = {
        key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    queue = f"staff-test-{uuid.uuid4().hex[:8]}"
    app.conf.update(broker_url=broker, task_always_eager=False, task_default_queue=queue)
    task_postrun.connect(on_postrun, weak=False)
    try:
        # Named explicitly: the app caches its queue list from an earlier worker in this
        # process, which would leave this worker consuming that worker's queue.
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
            queues=[queue],
        ):
            yield finished
    finally:
        task_postrun.disconnect(on_postrun)
        app.conf.update(saved)


def _wait_for(condition, seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        time.sleep(0.05)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_running_the_job_three_times_sends_one_reminder(real_worker, today):
    detention = DetentionFactory(
        started_on=today - datetime.timedelta(days=56),
        planned_end=today + datetime.timedelta(days=5),
    )
    staff = make_user("sara_staff")
    staff.email = "sara@example.org"
    staff.save()
    detention.case.assigned_staff.add(staff)

    for run in range(1, 4):
        reminders_send_due.delay()
        _wait_for(lambda run=run: real_worker.count("casefiles.tasks.reminders_send_due") == run)
    _wait_for(lambda: "casefiles.tasks.reminder_email" in real_worker)

    reminder = Reminder.objects.get()
    assert reminder.emailed_at is not None
    assert [message.to for message in mail.outbox] == [["sara@example.org"]]


def test_a_reminder_nobody_can_receive_is_shown_on_the_dashboard_not_dropped(
    today, viewer, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    DetentionFactory(
        started_on=today - datetime.timedelta(days=30),
        planned_end=today + datetime.timedelta(days=3),
    )
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due.delay()
    reminder = Reminder.objects.get()
    assert reminder.emailed_at is None
    assert "has no assigned staff with an email address" in reminder.error
    assert mail.outbox == []
    client.force_login(viewer)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "Reminders not delivered" in page
    assert "has no assigned staff with an email address" in page


def test_a_failed_email_keeps_its_reason_and_is_sent_on_a_later_run(
    detention_ending_in_5_days, settings, django_capture_on_commit_callbacks
):
    from casefiles.services import reminder_email

    reminders_create_due(today=timezone.localdate())
    reminder = Reminder.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    with pytest.raises(OSError):
        reminder_email(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert reminder.emailed_at is None
    assert reminder.error.startswith("Email to sara@example.org failed:")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminder_email(reminder_id=reminder.pk) is True
    reminder.refresh_from_db()
    assert (reminder.error, len(mail.outbox)) == ("", 1)
