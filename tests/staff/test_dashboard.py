"""The dashboard: who is detained now, terms running out, hearings coming, latest changes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casefiles.services import hearing_log
from casefiles.views.dashboard import DASHBOARD_ROWS
from tests.factories import CaseFactory, DetentionFactory, HearingFactory

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


# Pinned: the user with their permissions and their groups' (1: the session comes from the
# cache, see tests/settings.py); the longest in custody
# chosen in SQL with how many are detained now (1) and the custodial measures of those only (1);
# their sentence steps, with person and case, for the sentence in force (1, only when someone
# is detained); terms ending (1) and their count (1); hearings (1), their defendants (1, only
# when there are hearings) and their count (1); history of cases, detentions, hearings,
# charges, parties (5) with their users (joined); case references for the changes (1);
# reminders not delivered (1); letters whose sending failed (1, letters.sending's dashboard
# alert).
DASHBOARD_QUERIES = 17


@pytest.mark.parametrize("count", [3, 60])
def test_the_dashboard_runs_the_same_queries_however_many_detentions(
    viewer_client, django_assert_num_queries, count
):
    today = timezone.localdate()
    for n in range(count):
        arrest = DetentionFactory(
            measure="arrest",
            started_on=today - datetime.timedelta(days=n + 3),
            actual_end=today - datetime.timedelta(days=n + 2),
        )
        # The same person's run goes on in another case: runs are read across records.
        DetentionFactory(
            person=arrest.person,
            started_on=today - datetime.timedelta(days=n + 1),
            planned_end=today + datetime.timedelta(days=n % 14),
        )
        HearingFactory(held_on=today + datetime.timedelta(days=n % 14))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        viewer_client.get(reverse("staff:dashboard"))


def test_each_list_is_bounded_with_its_total_and_a_link_to_the_rest(viewer_client):
    today = timezone.localdate()
    for n in range(DASHBOARD_ROWS + 5):
        DetentionFactory(
            started_on=today - datetime.timedelta(days=100 + n),
            planned_end=today + datetime.timedelta(days=n % 14),
        )
        HearingFactory(held_on=today + datetime.timedelta(days=n % 14))
    response = viewer_client.get(reverse("staff:dashboard"))
    context = response.context
    total = DASHBOARD_ROWS + 5
    assert len(context["detained"]) == len(context["ending"]) == len(context["hearings"])
    assert len(context["detained"]) == DASHBOARD_ROWS
    assert context["detained_count"] == context["ending_count"] == context["hearings_count"]
    assert context["detained_count"] == total
    # The longest in custody, the terms ending soonest and the hearings soonest.
    assert [run.days for run in context["detained"]] == [
        100 + n for n in range(total - 1, total - 1 - DASHBOARD_ROWS, -1)
    ]
    ends = [detention.planned_end for detention in context["ending"]]
    assert ends == sorted(ends) and ends[0] == today
    held = [hearing.held_on for hearing in context["hearings"]]
    assert held == sorted(held) and held[0] == today
    page = response.content.decode()
    assert page.count(f"{DASHBOARD_ROWS} of {total} shown") == 3
    case_list = reverse("staff:case_list")
    for query in ("detained_now=on", "term_ending=on", "hearing_upcoming=on"):
        assert f'href="{case_list}?{query}"' in page


def test_the_see_all_links_list_the_cases_behind_each_list(viewer_client):
    today = timezone.localdate()
    held = DetentionFactory(started_on=today - datetime.timedelta(days=5))
    ending = DetentionFactory(
        started_on=today - datetime.timedelta(days=5),
        planned_end=today + datetime.timedelta(days=3),
    )
    released = DetentionFactory(
        started_on=today - datetime.timedelta(days=50),
        actual_end=today - datetime.timedelta(days=1),
        planned_end=today + datetime.timedelta(days=3),
    )
    hearing = HearingFactory(held_on=today + datetime.timedelta(days=2))
    HearingFactory(case=released.case, held_on=today + datetime.timedelta(days=30))

    def listed(query):
        response = viewer_client.get(reverse("staff:case_list"), query)
        return {case.pk for case in response.context["page"]}

    assert listed({"detained_now": "on"}) == {held.case_id, ending.case_id}
    assert listed({"term_ending": "on"}) == {ending.case_id}
    assert listed({"hearing_upcoming": "on"}) == {hearing.case_id}


def test_counts_and_rows_leave_out_restricted_cases_for_a_viewer(viewer_client):
    today = timezone.localdate()
    DetentionFactory(
        started_on=today - datetime.timedelta(days=5),
        planned_end=today + datetime.timedelta(days=3),
    )
    hidden = CaseFactory(restricted=True)
    DetentionFactory(
        case=hidden,
        started_on=today - datetime.timedelta(days=900),
        planned_end=today + datetime.timedelta(days=3),
    )
    HearingFactory(case=hidden, held_on=today + datetime.timedelta(days=2))
    context = viewer_client.get(reverse("staff:dashboard")).context
    assert context["detained_count"] == 1 and context["detained"][0].days == 5
    assert context["ending_count"] == 1 and context["hearings_count"] == 0
