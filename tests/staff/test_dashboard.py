"""The dashboard: who is detained now, terms running out, hearings coming, latest changes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casefiles.services import hearing_log
from tests.factories import DetentionFactory, HearingFactory

pytestmark = pytest.mark.django_db


def test_the_demo_dashboard_shows_bekizhan_detained_and_his_term_with_no_extension(
    demo, viewer_client
):
    response = viewer_client.get(reverse("staff:dashboard"))
    detained = response.context["detained"]
    assert [d.person.name for d in detained] == ["Bekizhan Mendygazyev"]
    today = timezone.localdate()
    # Counted from the start of his unbroken custody (here, his pretrial detention).
    assert detained[0].started_on == datetime.date(2021, 6, 5)
    assert detained[0].days == (today - datetime.date(2021, 6, 5)).days
    assert detained[0].current.get_measure_display() == "Pretrial detention"
    ending = list(response.context["ending"])
    assert [(d.person.name, d.planned_end) for d in ending] == [
        ("Bekizhan Mendygazyev", datetime.date(2021, 8, 5))
    ]
    assert ending[0].extension_recorded is False
    page = response.content.decode()
    assert "no extension hearing recorded" in page
    assert "5 Aug 2021" in page


def test_an_extension_hearing_after_the_start_is_noted(demo, viewer_client):
    hearing_log(
        case=demo.case,
        held_on=datetime.date(2021, 8, 4),
        kind="extension",
        defendants=[demo.persons["bekizhan"]],
    )
    response = viewer_client.get(reverse("staff:dashboard"))
    assert list(response.context["ending"])[0].extension_recorded is True


def test_released_people_are_not_detained_now_and_hearings_come_in_date_order(viewer_client):
    today = timezone.localdate()
    DetentionFactory(
        started_on=today - datetime.timedelta(days=40),
        actual_end=today - datetime.timedelta(days=1),
    )
    later = HearingFactory(held_on=today + datetime.timedelta(days=9))
    sooner = HearingFactory(held_on=today + datetime.timedelta(days=2))
    HearingFactory(held_on=today + datetime.timedelta(days=20))
    response = viewer_client.get(reverse("staff:dashboard"))
    assert response.context["detained"] == []
    assert list(response.context["hearings"]) == [sooner, later]


def test_latest_changes_link_to_their_history(demo, viewer_client):
    response = viewer_client.get(reverse("staff:dashboard"))
    changes = response.context["changes"]
    assert changes and all(change.history_url.startswith("/admin/") for change in changes)
    assert changes[0].case_reference == "KZ-2021-MENDYGAZYEV"


# Pinned: session, user, user permissions, group permissions (4); the custody runs of those
# detained now, all their custodial measures in one query (1); their sentence steps, with
# person and case, for the sentence in force (1, only when someone is detained);
# terms ending (1); hearings (1) and their defendants (1, only when there are hearings);
# history of cases, detentions, hearings, charges, parties (5) with their users (joined);
# case references for the changes (1); reminders not delivered (1).
DASHBOARD_QUERIES = 16


@pytest.mark.parametrize("count", [3, 60])
def test_the_dashboard_runs_the_same_queries_however_many_detentions(
    viewer_client, django_assert_num_queries, count
):
    today = timezone.localdate()
    for n in range(count):
        DetentionFactory(
            started_on=today - datetime.timedelta(days=n + 1),
            planned_end=today + datetime.timedelta(days=n % 14),
        )
        HearingFactory(held_on=today + datetime.timedelta(days=n % 14))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        viewer_client.get(reverse("staff:dashboard"))
