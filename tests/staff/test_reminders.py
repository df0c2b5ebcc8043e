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
