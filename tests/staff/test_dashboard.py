"""The dashboard: who is detained now, terms running out, hearings coming, latest changes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casefiles import dashboard_alerts
from casefiles.choices import PartyRole
from casefiles.models import Case, CaseParty, Detention, Hearing, Reminder, ReminderKind
from casefiles.services import hearing_log
from casefiles.views.dashboard import DASHBOARD_ROWS
from people.models import Person
from tests.factories import CaseFactory, DetentionFactory, HearingFactory, PersonFactory

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


def test_latest_changes_say_who_did_what_newest_first(viewer, viewer_client):
    now = timezone.now()
    case = CaseFactory(reference="KZ-CHANGES-1")
    detention = DetentionFactory(case=case)
    detention_pk = detention.pk
    # The case recorded by a signed-in user, the detention by a script (no user).
    case.history.update(history_user=viewer, history_date=now - datetime.timedelta(minutes=2))
    detention.history.update(history_date=now - datetime.timedelta(minutes=1))
    CaseParty.history.filter(case_id=case.pk).update(
        history_date=now - datetime.timedelta(minutes=3)
    )
    detention.delete()

    changes = viewer_client.get(reverse("staff:dashboard")).context["changes"]

    assert [(c.kind, c.action, c.user, c.case_reference) for c in changes[:3]] == [
        ("Detention", "deleted", "system", "KZ-CHANGES-1"),
        ("Detention", "added", "system", "KZ-CHANGES-1"),
        ("Case", "added", viewer.username, "KZ-CHANGES-1"),
    ]
    assert changes[0].history_url == reverse(
        "admin:casefiles_detention_history", args=[detention_pk]
    )


# Pinned: the user with their permissions and their groups' (1: the session comes from the
# cache, see tests/settings.py); the cases hidden from the user, named in the queries after
# it (1, selectors.case_scope); the longest in custody chosen in SQL with how many are
# detained now (1) and the custodial measures of those only (1); their sentence steps, with
# person and case, for the sentence in force (1, only when someone is detained); terms
# ending (1) and their count (1); hearings (1), their defendants (1, only when there are
# hearings) and their count (1); reminders not delivered (1) and their count (1); history of
# cases, detentions, hearings, charges, parties (5) with their users (joined); case
# references for the changes (1); letters whose sending failed (1, letters.sending's
# dashboard alert); signatories' latest answers (1, letters.invitations' alert).
DASHBOARD_QUERIES = 20


def _detained_world(count: int) -> None:
    """`count` people held today, each in two cases (an arrest, then a detention the next
    day whose term ends within two weeks), with a hearing and an undelivered reminder in
    each case. Written in bulk: at 500 the factories would take most of the test's time."""
    today = timezone.localdate()
    CaseFactory()  # with its history, so that the latest changes are read as usual
    cases = Case.objects.bulk_create(
        [
            Case(reference=f"KZ-BULK-{n:04d}", title="Held", opened_on=today)
            for n in range(count * 2)
        ]
    )
    persons = Person.objects.bulk_create(
        [Person(given_name=f"Held{n}", family_name="Person") for n in range(count)]
    )
    CaseParty.objects.bulk_create(
        [
            CaseParty(case=case, person=persons[n // 2], role=PartyRole.POLITICAL_PRISONER)
            for n, case in enumerate(cases)
        ]
    )
    detentions = []
    for n, person in enumerate(persons):
        arrested = today - datetime.timedelta(days=n + 3)
        detentions += [
            Detention(
                case=cases[2 * n],
                person=person,
                measure="arrest",
                started_on=arrested,
                actual_end=arrested + datetime.timedelta(days=1),
            ),
            Detention(
                case=cases[2 * n + 1],
                person=person,
                measure="pretrial",
                started_on=arrested + datetime.timedelta(days=2),
                planned_end=today + datetime.timedelta(days=n % 14),
            ),
        ]
    Detention.objects.bulk_create(detentions)
    hearings = Hearing.objects.bulk_create(
        [
            Hearing(case=case, held_on=today + datetime.timedelta(days=n % 14), kind="extension")
            for n, case in enumerate(cases)
        ]
    )
    Hearing.defendants.through.objects.bulk_create(
        [
            Hearing.defendants.through(hearing=hearing, person=persons[n // 2])
            for n, hearing in enumerate(hearings)
        ]
    )
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=ReminderKind.HEARING_TOMORROW,
                case=hearing.case,
                hearing=hearing,
                due_on=hearing.held_on,
                message="Hearing tomorrow",
                error="No address to send it to",
            )
            for hearing in hearings
        ]
    )


@pytest.mark.parametrize("count", [10, 500])
def test_the_dashboard_runs_the_same_queries_with_10_and_500_detained(
    viewer_client, django_assert_num_queries, count
):
    _detained_world(count)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = viewer_client.get(reverse("staff:dashboard"))
    context = response.context
    assert context["detained_count"] == count
    assert context["ending_count"] == count
    assert context["hearings_count"] == context["undelivered_count"] == 2 * count
    # Bounded whatever the numbers: the most urgent few of each.
    assert len(context["detained"]) == len(context["ending"]) == DASHBOARD_ROWS
    assert len(context["hearings"]) == len(context["undelivered"]) == DASHBOARD_ROWS
    # The longest held first: the last person was arrested first, and their run goes on
    # from the arrest in one case through the detention in the other.
    first = context["detained"][0]
    assert first.person.given_name == f"Held{count - 1}"
    assert first.days == count + 2 and len(first.detentions) == 2


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


def test_the_detained_list_links_each_person_and_the_case_holding_them(viewer_client):
    held = DetentionFactory(started_on=timezone.localdate() - datetime.timedelta(days=30))
    page = viewer_client.get(reverse("staff:dashboard")).content.decode()
    assert reverse("staff:person_detail", args=[held.person.pk]) in page
    assert reverse("staff:case_detail", args=[held.case.pk]) + f"#detention-{held.pk}" in page
    assert '<span class="num">30</span> <span class="small muted">days</span>' in page


def test_people_held_since_the_same_day_are_listed_by_name(viewer_client):
    started = timezone.localdate() - datetime.timedelta(days=40)
    for given_name in ("Zarina", "Aigerim", "Marat"):
        DetentionFactory(person=PersonFactory(given_name=given_name), started_on=started)
    detained = viewer_client.get(reverse("staff:dashboard")).context["detained"]
    assert [run.person.given_name for run in detained] == ["Aigerim", "Marat", "Zarina"]


def test_undelivered_reminders_are_bounded_soonest_due_first_with_their_total(viewer_client):
    today = timezone.localdate()
    case = CaseFactory()
    for n in range(DASHBOARD_ROWS + 3):
        Reminder.objects.create(
            kind=ReminderKind.HEARING_TOMORROW,
            case=case,
            due_on=today + datetime.timedelta(days=DASHBOARD_ROWS + 3 - n),
            message=f"Hearing {n}",
            error="No address to send it to",
        )
    response = viewer_client.get(reverse("staff:dashboard"))
    undelivered = response.context["undelivered"]
    assert response.context["undelivered_count"] == DASHBOARD_ROWS + 3
    assert len(undelivered) == DASHBOARD_ROWS
    assert [r.due_on for r in undelivered] == sorted(r.due_on for r in undelivered)
    assert undelivered[0].due_on == today + datetime.timedelta(days=1)
    assert f"{DASHBOARD_ROWS} of {DASHBOARD_ROWS + 3} shown" in response.content.decode()


def test_each_alert_provider_shows_a_bounded_number(viewer_client, monkeypatch):
    def many(user):
        return [(f"Alert {n}", "/") for n in range(50)]

    monkeypatch.setattr(dashboard_alerts, "_providers", [many])
    alerts = viewer_client.get(reverse("staff:dashboard")).context["alerts"]
    assert len(alerts) == dashboard_alerts.ALERTS_PER_PROVIDER
    assert alerts[0] == ("Alert 0", "/")


def _restricted_world():
    """One person held in a visible case, one in a restricted case with a term ending, a
    hearing and an undelivered reminder there; returns the restricted case."""
    today = timezone.localdate()
    DetentionFactory(started_on=today - datetime.timedelta(days=5))
    hidden = CaseFactory(restricted=True, reference="KZ-SECRET")
    DetentionFactory(
        case=hidden,
        person=PersonFactory(given_name="Hidden"),
        started_on=today - datetime.timedelta(days=900),
        planned_end=today + datetime.timedelta(days=3),
    )
    hearing = HearingFactory(case=hidden, held_on=today + datetime.timedelta(days=2))
    Reminder.objects.create(
        kind=ReminderKind.HEARING_TOMORROW,
        case=hidden,
        hearing=hearing,
        due_on=hearing.held_on,
        message="Hearing in the restricted case",
        error="No address to send it to",
    )
    return hidden


def test_a_restricted_case_is_neither_counted_nor_listed_for_staff_not_assigned(viewer_client):
    _restricted_world()
    response = viewer_client.get(reverse("staff:dashboard"))
    context = response.context
    assert context["detained_count"] == 1 and context["detained"][0].days == 5
    assert context["ending_count"] == context["hearings_count"] == 0
    assert context["undelivered_count"] == 0
    page = response.content.decode()
    assert "Hidden" not in page and "KZ-SECRET" not in page


def test_staff_assigned_to_a_restricted_case_see_it_counted_and_listed(editor, editor_client):
    hidden = _restricted_world()
    hidden.assigned_staff.add(editor)
    context = editor_client.get(reverse("staff:dashboard")).context
    assert context["detained_count"] == 2
    assert context["detained"][0].person.given_name == "Hidden"
    assert context["ending_count"] == context["hearings_count"] == 1
    assert context["undelivered_count"] == 1
