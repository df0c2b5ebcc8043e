"""The back office's case page stays small however long the case: each inline shows the
newest 10 rows, says how many there are and links to the full list filtered by the case;
saving the page changes only the rows it showed."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casefiles.models import Event, Hearing
from tests.factories import CaseFactory, EventFactory, HearingFactory, SourceFactory
from tests.foundation.test_admin import form_data

pytestmark = pytest.mark.django_db

SHOWN = 10


def add_rows(case, count: int, *, start: int = 0) -> None:
    """`count` events and as many hearings, a day apart, each event citing a source."""
    source = SourceFactory()
    first = datetime.date(2015, 1, 1)
    for i in range(start, start + count):
        event = EventFactory(case=case, occurred_on=first + datetime.timedelta(days=i))
        event.sources.add(source)
        HearingFactory(case=case, held_on=first + datetime.timedelta(days=i))


@pytest.fixture
def long_case(db):
    case = CaseFactory()
    add_rows(case, 60)
    return case


def case_url(case) -> str:
    return reverse("admin:casefiles_case_change", args=[case.pk])


def inline(response, model):
    return next(
        i.formset for i in response.context["inline_admin_formsets"] if i.formset.model is model
    )


def snapshot(case) -> list:
    """Every field of every event and hearing of the case, with the sources they cite."""
    events = [
        (e, sorted(e.sources.values_list("pk", flat=True))) for e in Event.objects.filter(case=case)
    ]
    hearings = list(Hearing.objects.filter(case=case).values())
    return [[(e.__dict__ | {"_state": None}, s) for e, s in events], hearings]


def test_the_case_page_shows_the_newest_20_of_each_inline_and_links_to_all(
    client, editor, long_case
):
    client.force_login(editor)
    response = client.get(case_url(long_case))
    assert response.status_code == 200
    events = inline(response, Event)
    newest = Event.objects.filter(case=long_case).order_by("-occurred_on")[:SHOWN]
    assert [form.instance.pk for form in events.forms] == [e.pk for e in newest]
    assert len(inline(response, Hearing).forms) == SHOWN
    page = response.content.decode()
    assert "Showing the latest 10 of 60 events" in page
    assert "Showing the latest 10 of 60 hearings" in page
    events_list = reverse("admin:casefiles_event_changelist")
    assert f'href="{events_list}?case__id__exact={long_case.pk}"' in page


def test_a_short_case_shows_every_row_and_no_see_all_line(client, editor):
    case = CaseFactory()
    add_rows(case, 3)
    client.force_login(editor)
    response = client.get(case_url(case))
    assert len(inline(response, Event).forms) == 3
    assert "Showing the latest" not in response.content.decode()


@pytest.mark.parametrize(
    "model", ["event", "hearing", "detention", "charge", "sentencestep", "caseparty"]
)
def test_each_case_owned_list_filters_by_the_case(client, editor, long_case, model):
    other = CaseFactory()
    add_rows(other, 2)
    client.force_login(editor)
    url = reverse(f"admin:casefiles_{model}_changelist")
    response = client.get(f"{url}?case__id__exact={long_case.pk}")
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert all(row.case_id == long_case.pk for row in changelist.result_list)
    if model in ("event", "hearing"):
        assert changelist.result_count == 60


def test_the_case_pages_query_count_does_not_grow_with_the_rows(client, editor):
    case = CaseFactory()
    add_rows(case, 30)
    client.force_login(editor)
    client.get(case_url(case))  # warms the session and content types
    with CaptureQueriesContext(connection) as thirty:
        client.get(case_url(case))
    add_rows(case, 30, start=30)
    with CaptureQueriesContext(connection) as sixty:
        client.get(case_url(case))
    assert len(sixty) == len(thirty)


def test_saving_the_case_page_unchanged_changes_no_row(client, editor, long_case):
    client.force_login(editor)
    before = snapshot(long_case)
    response = client.post(case_url(long_case), form_data(client.get(case_url(long_case))))
    assert response.status_code == 302, response.context and [
        (i.formset.prefix, i.formset.errors, i.formset.non_form_errors())
        for i in response.context["inline_admin_formsets"]
    ]
    assert snapshot(long_case) == before


def test_editing_a_shown_event_saves_it_and_nothing_else(client, editor, long_case):
    client.force_login(editor)
    page = client.get(case_url(long_case))
    events = inline(page, Event)
    edited = events.forms[0].instance
    data = form_data(page)
    data[f"{events.forms[0].prefix}-title"] = "Search of the flat, corrected"
    before = [row for row in snapshot(long_case)[0] if row[0]["id"] != edited.pk]
    response = client.post(case_url(long_case), data)
    assert response.status_code == 302
    edited.refresh_from_db()
    assert edited.title == "Search of the flat, corrected"
    assert [row for row in snapshot(long_case)[0] if row[0]["id"] != edited.pk] == before


def test_deleting_a_shown_hearing_deletes_only_it(client, editor, long_case):
    client.force_login(editor)
    page = client.get(case_url(long_case))
    hearings = inline(page, Hearing)
    deleted = hearings.forms[5].instance
    data = form_data(page)
    data[f"{hearings.forms[5].prefix}-DELETE"] = "on"
    assert client.post(case_url(long_case), data).status_code == 302
    assert not Hearing.objects.filter(pk=deleted.pk).exists()
    assert Hearing.objects.filter(case=long_case).count() == 59


def test_a_row_added_meanwhile_does_not_push_a_shown_one_out_of_the_save(client, editor, long_case):
    """The page showed the newest 10; someone adds a newer event before it is saved: the edit
    to the oldest row shown is still saved, and the new event is left as it is."""
    client.force_login(editor)
    page = client.get(case_url(long_case))
    events = inline(page, Event)
    oldest_shown = events.forms[-1]
    data = form_data(page)
    data[f"{oldest_shown.prefix}-title"] = "Interrogation, not a search"
    newer = EventFactory(case=long_case, occurred_on=datetime.date(2030, 1, 1), title="Newer")
    assert client.post(case_url(long_case), data).status_code == 302
    oldest_shown.instance.refresh_from_db()
    assert oldest_shown.instance.title == "Interrogation, not a search"
    newer.refresh_from_db()
    assert newer.title == "Newer"


def test_a_posted_id_of_another_cases_event_changes_nothing(client, editor, long_case):
    """The rows saved are those the page sent back, but only among the case's own: a
    hand-made form naming another case's event is not saved onto it."""
    client.force_login(editor)
    page = client.get(case_url(long_case))
    events = inline(page, Event)
    unshown = EventFactory(case=CaseFactory(), title="Another case's search")
    data = form_data(page)
    data[f"{events.forms[0].prefix}-id"] = str(unshown.pk)
    data[f"{events.forms[0].prefix}-title"] = "Overwritten"
    client.post(case_url(long_case), data)
    unshown.refresh_from_db()
    assert unshown.title != "Overwritten"


def test_a_restricted_case_and_its_events_stay_hidden_from_staff_not_assigned(
    client, editor, long_case
):
    long_case.restricted = True
    long_case.save()
    client.force_login(editor)
    hidden = client.get(case_url(long_case))
    missing = client.get(reverse("admin:casefiles_case_change", args=[long_case.pk + 999]))
    # The admin answers a hidden case exactly as one that does not exist.
    assert (hidden.status_code, hidden["Location"]) == (missing.status_code, missing["Location"])
    events = reverse("admin:casefiles_event_changelist")
    listing = client.get(f"{events}?case__id__exact={long_case.pk}")
    assert listing.context["cl"].result_count == 0
