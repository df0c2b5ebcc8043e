"""The case page's timeline in pages: the latest entries first, "Earlier entries" for the
rest (in place with JavaScript, as a plain link without), filters kept across pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from casefiles.choices import EventKind
from casefiles.models import Event
from casefiles.timeline import TIMELINE_PAGE_SIZE, case_timeline, timeline_page
from tests.factories import CaseFactory, CasePartyFactory, DetentionFactory, PersonFactory

D = datetime.date
pytestmark = pytest.mark.django_db
FIRST_DAY = D(2015, 1, 1)
PAGE = TIMELINE_PAGE_SIZE
# Three pages of entries.
TOTAL = 3 * PAGE


def _events(case, count: int, *, first: datetime.date = FIRST_DAY) -> list[Event]:
    """`count` events, one a day from `first`: `count` timeline entries, oldest first."""
    return Event.objects.bulk_create(
        Event(
            case=case,
            occurred_on=first + datetime.timedelta(days=n),
            kind=EventKind.SEARCH,
            title=f"Search {n:04d}",
        )
        for n in range(count)
    )


@pytest.fixture
def long_case():
    case = CaseFactory()
    _events(case, TOTAL)
    return case


def _titles(response) -> list[str]:
    return [entry.title.removeprefix("Search: ") for entry in response.context["timeline"]]


def test_the_case_page_shows_the_latest_page_oldest_first(long_case, viewer_client):
    response = viewer_client.get(reverse("staff:case_detail", args=[long_case.pk]))
    titles = _titles(response)
    assert len(titles) == TIMELINE_PAGE_SIZE
    assert titles[0] == f"Search {TOTAL - PAGE:04d}" and titles[-1] == f"Search {TOTAL - 1:04d}"
    assert response.context["timeline_page"].earlier == TOTAL - PAGE
    html = response.content.decode()
    assert "Earlier entries" in html and "Later entries" not in html
    assert f"Search {TOTAL - PAGE - 1:04d}" not in html


def test_earlier_entries_links_to_the_case_page_and_to_the_fragment_with_the_filters(
    viewer_client,
):
    case = CaseFactory()
    person = PersonFactory()
    CasePartyFactory(case=case, person=person)
    events = _events(case, TOTAL)
    for event in events:
        event.participants.create(person=person, role="target")
    url = reverse("staff:case_detail", args=[case.pk])
    response = viewer_client.get(url, {"kind": "event", "person": person.pk})
    earlier = f"kind=event&amp;person={person.pk}&amp;page=2"
    html = response.content.decode()
    assert f'href="{url}?{earlier}#timeline-h"' in html
    fragment = reverse("staff:case_timeline", args=[case.pk])
    assert f'data-timeline-earlier="{fragment}?{earlier}"' in html


def test_the_fragment_is_the_earlier_page_alone_with_its_own_earlier_link(long_case, viewer_client):
    fragment = reverse("staff:case_timeline", args=[long_case.pk])
    response = viewer_client.get(fragment, {"kind": "event", "page": 2})
    titles = _titles(response)
    assert titles[0] == f"Search {PAGE:04d}" and titles[-1] == f"Search {2 * PAGE - 1:04d}"
    html = response.content.decode()
    assert "<html" not in html and "timeline-filter" not in html
    assert "kind=event&amp;page=3" in html
    assert "Later entries" not in html  # the later page is already on screen
    last = viewer_client.get(fragment, {"kind": "event", "page": 3})
    assert _titles(last)[0] == "Search 0000" and "Earlier entries" not in last.content.decode()


def test_the_earlier_page_without_javascript_is_the_case_page_at_that_page(
    long_case, viewer_client
):
    url = reverse("staff:case_detail", args=[long_case.pk])
    response = viewer_client.get(url, {"page": 3})
    assert _titles(response)[0] == "Search 0000" and len(_titles(response)) == PAGE
    html = response.content.decode()
    assert "Later entries" in html and f'href="{url}?page=2#timeline-h"' in html
    # Past the oldest page: the oldest page.
    assert _titles(viewer_client.get(url, {"page": 99}))[0] == "Search 0000"


def test_filters_narrow_every_page(viewer_client):
    case = CaseFactory()
    _events(case, TOTAL)
    person = PersonFactory()
    for _ in range(TOTAL):
        DetentionFactory(case=case, person=person, started_on=D(2016, 1, 1), planned_end=None)
    url = reverse("staff:case_detail", args=[case.pk])
    for page in (1, 2):
        response = viewer_client.get(url, {"kind": "event", "page": page})
        assert {entry.kind for entry in response.context["timeline"]} == {"event"}
    assert len(viewer_client.get(url, {"kind": "event", "page": 3}).context["timeline"]) == PAGE
    assert {
        entry.kind
        for entry in viewer_client.get(url, {"kind": "event", "page": 3}).context["timeline"]
    } == {"event"}


def test_an_entry_just_logged_is_on_the_page_the_case_page_opens_at(long_case, viewer_client):
    marked = Event.objects.get(case=long_case, title="Search 0042")
    url = reverse("staff:case_detail", args=[long_case.pk])
    response = viewer_client.get(url, {"new": f"event-{marked.pk}"})
    assert "Search 0042" in _titles(response)
    html = response.content.decode()
    assert f'id="event-{marked.pk}" class="entry kind-event new' in html
    # The oldest page: the later entries are a link away.
    assert "Later entries" in html and "Earlier entries" not in html


def test_the_brief_keeps_the_full_timeline(long_case, viewer_client):
    response = viewer_client.get(reverse("staff:case_brief", args=[long_case.pk]))
    assert len(response.context["timeline"]) == TOTAL
    assert "Earlier entries" not in response.content.decode()


def test_a_page_number_is_counted_back_from_the_latest(viewer):
    case = CaseFactory()
    _events(case, 25)
    entries = case_timeline(case, user=viewer)
    page = timeline_page(entries, number=2, size=10)
    assert [e.title[-4:] for e in page.entries] == [f"{n:04d}" for n in range(5, 15)]
    assert (page.earlier, page.later) == (5, 10)
    assert timeline_page([], number=None).entries == []


def test_the_case_page_runs_the_same_queries_with_120_and_400_entries(
    viewer_client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = CaseFactory()
    _events(case, 120)
    url = reverse("staff:case_detail", args=[case.pk])
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(url)
    _events(case, 280, first=D(2010, 1, 1))
    with django_assert_num_queries(len(few)):
        viewer_client.get(url, {"page": 2})
