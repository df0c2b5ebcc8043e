"""Continuous custody: days counted from the first day of an unbroken run of custodial
measures across records (arrest, pretrial detention, imprisonment), each run listed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casefiles import selectors
from casefiles.models import Detention
from casefiles.services import detention_log
from tests.factories import CaseFactory, CasePartyFactory, DetentionFactory, PersonFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def _lawyer_case():
    """Arrested 12 April 2018, held for two days, then pretrial detention from 14 April,
    then imprisonment from the verdict (3 March 2019) in a second case, still held."""
    person = PersonFactory(given_name="Tohir", family_name="Karimov")
    first, second = CaseFactory(reference="UZ-2018-A"), CaseFactory(reference="UZ-2019-B")
    for case in (first, second):
        CasePartyFactory(case=case, person=person)
    detention_log(
        case=first, person=person, measure="arrest", started_on=D(2018, 4, 12),
        actual_end=D(2018, 4, 14),
    )  # fmt: skip
    detention_log(
        case=first, person=person, measure="pretrial", started_on=D(2018, 4, 14),
        actual_end=D(2019, 3, 3),
    )  # fmt: skip
    detention_log(case=second, person=person, measure="imprisonment", started_on=D(2019, 3, 3))
    return person, first, second


def _runs(user, *, today):
    return selectors.custody_runs(
        Detention.objects.filter(case__in=selectors.cases_visible_to(user)), today=today
    )


def test_an_arrest_then_pretrial_detention_then_imprisonment_is_one_run_since_the_arrest(
    viewer,
):
    person, _, second = _lawyer_case()
    [run] = _runs(viewer, today=D(2026, 12, 31))
    assert run.person == person
    assert run.started_on == D(2018, 4, 12)
    assert run.ended_on is None
    assert run.days == (D(2026, 12, 31) - D(2018, 4, 12)).days == 3185
    assert run.current.measure == "imprisonment" and run.current.case == second


def test_the_pages_show_custody_since_the_arrest_and_the_current_measure_apart(viewer_client):
    person, _, second = _lawyer_case()
    today = timezone.localdate()
    since = f"in custody since 12 April 2018: <strong>{(today - D(2018, 4, 12)).days:,} days"
    for url in (
        reverse("staff:dashboard"),
        reverse("staff:person_detail", args=[person.pk]),
        reverse("staff:case_detail", args=[second.pk]),
        reverse("staff:case_brief", args=[second.pk]),
    ):
        page = viewer_client.get(url).content.decode()
        assert since in page, url
        assert "now imprisonment since 3 Mar 2019" in page, url


def test_the_dashboard_lists_a_person_held_in_two_cases_once(viewer_client):
    _lawyer_case()
    detained = viewer_client.get(reverse("staff:dashboard")).context["detained"]
    assert [(run.person.name, run.started_on) for run in detained] == [
        ("Tohir Karimov", D(2018, 4, 12))
    ]


def test_a_release_then_a_later_arrest_gives_two_runs_both_listed(viewer, viewer_client):
    detention = DetentionFactory(
        measure="arrest", started_on=D(2018, 4, 12), actual_end=D(2018, 6, 1)
    )
    person, case = detention.person, detention.case
    DetentionFactory(case=case, person=person, measure="arrest", started_on=D(2020, 1, 10))
    runs = _runs(viewer, today=D(2020, 1, 20))
    assert [(run.started_on, run.ended_on, run.days) for run in runs] == [
        (D(2018, 4, 12), D(2018, 6, 1), 50),
        (D(2020, 1, 10), None, 10),
    ]
    assert runs[0].current is None and runs[0].last.pk == detention.pk
    page = viewer_client.get(reverse("staff:person_detail", args=[person.pk])).content.decode()
    assert "in custody from 12 April 2018 until 1 June 2018: <strong>50 days" in page
    assert "in custody since 10 January 2020" in page
    # The dashboard counts only the run going on now.
    [now] = viewer_client.get(reverse("staff:dashboard")).context["detained"]
    assert now.started_on == D(2020, 1, 10)


def test_a_measure_starting_the_day_after_a_release_continues_the_run_but_a_longer_gap_splits_it(
    viewer,
):
    detention = DetentionFactory(
        measure="arrest", started_on=D(2019, 1, 1), actual_end=D(2019, 1, 3)
    )
    person, case = detention.person, detention.case
    DetentionFactory(
        case=case, person=person, measure="pretrial", started_on=D(2019, 1, 4),
        actual_end=D(2019, 2, 1),
    )  # fmt: skip
    DetentionFactory(case=case, person=person, measure="imprisonment", started_on=D(2019, 2, 3))
    runs = _runs(viewer, today=D(2019, 3, 1))
    assert [(run.started_on, run.ended_on) for run in runs] == [
        (D(2019, 1, 1), D(2019, 2, 1)),
        (D(2019, 2, 3), None),
    ]


def test_a_non_custodial_measure_neither_counts_nor_bridges_a_gap(viewer):
    detention = DetentionFactory(
        measure="arrest", started_on=D(2019, 1, 1), actual_end=D(2019, 1, 3)
    )
    person, case = detention.person, detention.case
    # Probation from the release to a new arrest: free in the sense that matters here.
    DetentionFactory(
        case=case, person=person, measure="probation", started_on=D(2019, 1, 3),
        actual_end=D(2019, 6, 1),
    )  # fmt: skip
    DetentionFactory(case=case, person=person, measure="arrest", started_on=D(2019, 6, 1))
    runs = _runs(viewer, today=D(2019, 7, 1))
    assert [(run.started_on, run.ended_on, run.days) for run in runs] == [
        (D(2019, 1, 1), D(2019, 1, 3), 2),
        (D(2019, 6, 1), None, 30),
    ]
    assert all(d.measure != "probation" for run in runs for d in run.detentions)

    on_probation = DetentionFactory(measure="probation", started_on=D(2019, 1, 1))
    assert on_probation.person not in {run.person for run in _runs(viewer, today=D(2019, 7, 1))}


def test_a_restricted_case_does_not_lengthen_custody_for_someone_who_may_not_see_it(
    viewer, viewer_client
):
    person, first, _ = _lawyer_case()
    first.restricted = True
    first.save()
    # Without the restricted case, the viewer sees only the imprisonment from the verdict.
    [run] = _runs(viewer, today=D(2026, 12, 31))
    assert run.started_on == D(2019, 3, 3)
    page = viewer_client.get(reverse("staff:person_detail", args=[person.pk])).content.decode()
    assert "12 April 2018" not in page
    assert "in custody since 3 March 2019" in page

    first.assigned_staff.add(viewer)
    [run] = _runs(viewer, today=D(2026, 12, 31))
    assert run.started_on == D(2018, 4, 12)


@pytest.mark.parametrize("persons", [2, 20])
def test_custody_runs_take_one_query_however_many_persons(
    viewer, django_assert_num_queries, persons
):
    today = timezone.localdate()
    for n in range(persons):
        arrest = DetentionFactory(
            measure="arrest",
            started_on=today - datetime.timedelta(days=400 + n),
            actual_end=today - datetime.timedelta(days=398 + n),
        )
        DetentionFactory(
            case=arrest.case,
            person=arrest.person,
            started_on=today - datetime.timedelta(days=398 + n),
        )
    cases = selectors.cases_visible_to(viewer)
    # The detentions of every person held now, with their cases and persons: one query.
    with django_assert_num_queries(1):
        runs = selectors.custody_runs_now(cases, today=today)
        assert [run.person.name for run in runs] and [run.current.case for run in runs]
    assert len(runs) == persons
    assert {run.days for run in runs} == {400 + n for n in range(persons)}
