"""The private iCalendar feed: per user, by secret token, revocable."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from casefiles.models import CalendarFeed
from casefiles.services import calendar_feed_issue, calendar_feed_revoke
from tests.factories import DetentionFactory, HearingFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deadlines(db):
    today = timezone.localdate()
    hearing = HearingFactory(
        held_on=today + datetime.timedelta(days=3), starts_at=datetime.time(10)
    )
    detention = DetentionFactory(
        person=PersonFactory(given_name="Bekizhan", family_name="Mendygazyev"),
        started_on=today - datetime.timedelta(days=50),
        planned_end=today + datetime.timedelta(days=10),
    )
    return hearing, detention


def _events(response) -> list[str]:
    calendar = Calendar.from_ical(response.content)
    return sorted(str(event["summary"]) for event in calendar.walk("VEVENT"))


def test_the_feed_lists_hearings_and_detention_term_ends_without_a_session(deadlines, viewer):
    _, token = calendar_feed_issue(user=viewer)
    response = Client().get(reverse("staff:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    summaries = _events(response)
    assert len(summaries) == 2
    assert any("Pretrial detention of Bekizhan Mendygazyev ends" in s for s in summaries)
    assert any("Extension of detention hearing" in s for s in summaries)


def test_a_revoked_token_stops_working(deadlines, viewer):
    _, token = calendar_feed_issue(user=viewer)
    calendar_feed_revoke(user=viewer)
    assert Client().get(reverse("staff:calendar_feed", args=[token])).status_code == 404


def test_a_new_token_replaces_the_old_one(deadlines, viewer):
    _, old = calendar_feed_issue(user=viewer)
    _, new = calendar_feed_issue(user=viewer)
    assert Client().get(reverse("staff:calendar_feed", args=[old])).status_code == 404
    assert Client().get(reverse("staff:calendar_feed", args=[new])).status_code == 200


def test_a_guessed_token_finds_nothing_and_only_a_hash_is_stored(deadlines, viewer):
    _, token = calendar_feed_issue(user=viewer)
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    assert Client().get(reverse("staff:calendar_feed", args=["x" * 43])).status_code == 404


def test_a_user_who_lost_their_role_gets_an_empty_calendar(deadlines, outsider):
    _, token = calendar_feed_issue(user=outsider)
    assert _events(Client().get(reverse("staff:calendar_feed", args=[token]))) == []


def test_a_deactivated_user_feed_stops_working(deadlines, viewer):
    _, token = calendar_feed_issue(user=viewer)
    viewer.is_active = False
    viewer.save()
    assert Client().get(reverse("staff:calendar_feed", args=[token])).status_code == 404


def test_the_calendar_page_shows_a_new_address_once_and_revokes_it(deadlines, viewer_client):
    response = viewer_client.post(reverse("staff:calendar_issue"), follow=True)
    url = response.context["feed_url"]
    assert "/calendar/" in url and url.endswith(".ics")
    again = viewer_client.get(reverse("staff:calendar"))
    assert again.context["feed_url"] == "" and again.context["feed"] is not None
    path = url.split("testserver", 1)[1]
    assert Client().get(path).status_code == 200
    viewer_client.post(reverse("staff:calendar_revoke"))
    assert Client().get(path).status_code == 404
