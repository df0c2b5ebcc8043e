"""Who is detained now, chosen in SQL: the first day of each person's unbroken run across
visible records agrees with custody_runs, and only the few shown have their runs loaded."""

from __future__ import annotations

import datetime

import pytest

from casefiles import selectors
from tests.factories import CaseFactory, DetentionFactory, PersonFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 6, 1)


def _held(person, case=None, **dates):
    return DetentionFactory(person=person, case=case or CaseFactory(), **dates)


def _since(user):
    cases = selectors.cases_visible_to(user)
    rows = selectors.detained_now_since(cases, today=TODAY)
    return {row["person_id"]: row["custody_since"] for row in rows}


def _python_since(user):
    cases = selectors.cases_visible_to(user)
    return {run.person.pk: run.started_on for run in selectors.custody_runs_now(cases, today=TODAY)}


def test_a_measure_starting_the_day_after_the_last_ended_continues_the_run(viewer):
    person = PersonFactory()
    _held(person, measure="arrest", started_on=D(2018, 4, 12), actual_end=D(2018, 4, 13))
    _held(person, started_on=D(2018, 4, 14))
    assert _since(viewer) == {person.pk: D(2018, 4, 12)} == _python_since(viewer)


def test_a_day_free_between_measures_starts_a_new_run(viewer):
    person = PersonFactory()
    _held(person, measure="arrest", started_on=D(2018, 4, 12), actual_end=D(2018, 4, 13))
    _held(person, started_on=D(2018, 4, 15))
    assert _since(viewer) == {person.pk: D(2018, 4, 15)} == _python_since(viewer)


def test_a_measure_with_no_end_recorded_holds_the_run_together(viewer):
    person = PersonFactory()
    _held(person, measure="arrest", started_on=D(2015, 1, 1))
    _held(person, started_on=D(2019, 1, 1), actual_end=D(2019, 2, 1))
    _held(person, measure="imprisonment", started_on=D(2024, 1, 1))
    assert _since(viewer) == {person.pk: D(2015, 1, 1)} == _python_since(viewer)


def test_a_long_measure_spans_shorter_ones_inside_it(viewer):
    person = PersonFactory()
    _held(person, started_on=D(2016, 1, 1), actual_end=D(2020, 1, 1))
    _held(person, measure="arrest", started_on=D(2017, 1, 1), actual_end=D(2017, 1, 5))
    _held(person, measure="imprisonment", started_on=D(2019, 12, 31))
    assert _since(viewer) == {person.pk: D(2016, 1, 1)} == _python_since(viewer)


def test_probation_neither_holds_nor_joins_a_run(viewer):
    person = PersonFactory()
    _held(person, measure="arrest", started_on=D(2018, 1, 1), actual_end=D(2018, 1, 3))
    _held(person, measure="probation", started_on=D(2018, 1, 3), actual_end=D(2020, 1, 1))
    _held(person, started_on=D(2020, 1, 1))
    assert _since(viewer) == {person.pk: D(2020, 1, 1)} == _python_since(viewer)


def test_released_people_and_measures_starting_later_are_left_out(viewer):
    released, later = PersonFactory(), PersonFactory()
    _held(released, started_on=D(2018, 1, 1), actual_end=D(2026, 5, 31))
    _held(later, started_on=D(2026, 6, 2))
    assert _since(viewer) == {} == _python_since(viewer)


def test_a_restricted_case_neither_shows_nor_joins_the_run(viewer):
    person = PersonFactory()
    _held(
        person,
        case=CaseFactory(restricted=True),
        measure="arrest",
        started_on=D(2018, 1, 1),
        actual_end=D(2018, 1, 10),
    )
    _held(person, started_on=D(2018, 1, 11))
    hidden = PersonFactory()
    _held(hidden, case=CaseFactory(restricted=True), started_on=D(2010, 1, 1))
    assert _since(viewer) == {person.pk: D(2018, 1, 11)} == _python_since(viewer)


def test_the_longest_in_custody_come_first_bounded_with_the_total(
    viewer, django_assert_num_queries
):
    persons = [PersonFactory() for _ in range(6)]
    for n, person in enumerate(persons):
        # Each run starts with an arrest in another case, n years back.
        started = D(2020 - n, 3, 1)
        _held(person, measure="arrest", started_on=started, actual_end=started)
        _held(person, started_on=started + datetime.timedelta(days=1))
    cases = selectors.cases_visible_to(viewer)
    # The persons chosen with the total (1), the custodial measures of those only (1).
    with django_assert_num_queries(2):
        detained = selectors.detained_now_longest(cases, today=TODAY, limit=4)
    assert detained.count == 6
    assert [run.person for run in detained.runs] == persons[::-1][:4]
    assert [run.started_on for run in detained.runs] == [D(2015, 3, 1), D(2016, 3, 1),
                                                         D(2017, 3, 1), D(2018, 3, 1)]  # fmt: skip
    assert all(len(run.detentions) == 2 for run in detained.runs)


def test_someone_arrested_again_and_again_is_shown_with_the_current_run_only(viewer):
    """The dashboard reads the measures of the run holding someone now, not of the runs
    before it: for each earlier arrest, released days later, nothing is read."""
    person = PersonFactory()
    for year in range(2010, 2020):
        _held(person, measure="arrest", started_on=D(year, 1, 1), actual_end=D(year, 1, 5))
    arrest = _held(person, measure="arrest", started_on=D(2025, 3, 1), actual_end=D(2025, 3, 2))
    pretrial = _held(person, started_on=D(2025, 3, 3))
    detained = selectors.detained_now_longest(
        selectors.cases_visible_to(viewer), today=TODAY, limit=10
    )
    (run,) = detained.runs
    assert run.started_on == D(2025, 3, 1)
    assert run.days == (TODAY - D(2025, 3, 1)).days
    assert run.current == pretrial
    assert list(run.detentions) == [arrest, pretrial]


def test_the_measure_holding_someone_today_is_marked_by_the_custodial_on_rule(viewer):
    from casefiles.models import Detention

    person = PersonFactory()
    for measure, dates in [
        ("arrest", {"started_on": D(2026, 5, 1), "actual_end": D(2026, 5, 31)}),  # ended
        ("pretrial", {"started_on": D(2026, 5, 1), "actual_end": TODAY}),  # ends today
        ("pretrial", {"started_on": D(2026, 5, 1)}),  # no end recorded
        ("imprisonment", {"started_on": TODAY}),  # starts today
        ("imprisonment", {"started_on": D(2026, 6, 2)}),  # starts tomorrow
        ("probation", {"started_on": D(2026, 5, 1)}),  # not custodial
    ]:
        _held(person, measure=measure, **dates)
    marked = {
        d.pk
        for d in selectors.custodial_detentions(Detention.objects.all(), today=TODAY)
        if d.custodial_today
    }
    assert marked == set(Detention.objects.custodial_on(TODAY).values_list("pk", flat=True))
    assert len(marked) == 3
