"""Reads shared by the staff pages, the feed and the tasks. One rule decides visibility."""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim
from simple_history.utils import get_history_model_for_model

from casefiles.aggregates import JSONList, json_list
from casefiles.choices import CUSTODIAL_MEASURES, PartyRole
from casefiles.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    Hearing,
    Reminder,
    SentenceStep,
)
from people.models import Person, Relationship

UPCOMING_DAYS = 14


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases a user may see (`Case.objects.visible_to`, see casefiles/visibility.py)."""
    return Case.objects.visible_to(user)


# Up to this many cases hidden from a user are named in a page's queries; beyond, the rule
# stays the subquery of the cases they may see.
HIDDEN_CASES_LISTED = 1_000


@dataclass(frozen=True)
class CaseScope:
    """The cases a user may see, said the cheapest way for the rows that belong to them.

    `Q(case__in=cases_visible_to(user))` makes PostgreSQL read and hash every case for each
    query (at 20,000 cases, most of the dashboard's time). Few cases are restricted, so the
    ones hidden from the user are read once, by the restricted-case index, and each query
    leaves those out: no condition at all when there are none. `cases` is the same rule as
    a queryset, for what still wants one."""

    cases: QuerySet[Case]
    hidden: tuple[int, ...] | None  # None: too many to name; the subquery is used

    def rows(self, path: str = "case") -> Q:
        """The rows whose `path` (a non-null relation to the case) is a visible case."""
        if self.hidden is None:
            return Q(**{f"{path}__in": self.cases})
        return ~Q(**{f"{path}__in": self.hidden}) if self.hidden else Q()


def case_scope(user: User | AnonymousUser) -> CaseScope:
    """The cases `user` may see (`cases_visible_to`) as a CaseScope. One query (none for
    those who see every case)."""
    cases = cases_visible_to(user)
    hidden = list(
        Case.objects.hidden_from(user)
        .order_by()
        .values_list("pk", flat=True)[: HIDDEN_CASES_LISTED + 1]
    )
    if len(hidden) > HIDDEN_CASES_LISTED:
        return CaseScope(cases=cases, hidden=None)
    return CaseScope(cases=cases, hidden=tuple(hidden))


Cases = QuerySet[Case] | CaseScope


def in_cases(cases: Cases, path: str = "case") -> Q:
    """Rows of `cases` (a queryset or a CaseScope), through their `path` to the case."""
    if isinstance(cases, CaseScope):
        return cases.rows(path)
    return Q(**{f"{path}__in": cases})


def first_with_total(queryset: QuerySet, limit: int) -> tuple[list, int]:
    """The first `limit` rows of `queryset` and how many it has in all. Two queries: counted
    in the same query (a window), every row would be joined to its case and person before
    the slice; apart, each reads its index (migration 0021) and the few rows shown."""
    return list(queryset[:limit]), queryset.count()


@dataclass(frozen=True)
class CustodyRun:
    """An unbroken stretch in custody: custodial measures, across cases, each starting no
    later than the day after the one before it ended (arrest, then pretrial detention, then
    imprisonment). `ended_on` is None while the person is still held; `current` is the
    measure holding them today (None once released); `last` is the latest measure of the run."""

    person: Person
    started_on: datetime.date
    ended_on: datetime.date | None
    days: int
    current: Detention | None
    last: Detention
    detentions: tuple[Detention, ...]

    @property
    def in_custody(self) -> bool:
        return self.current is not None

    @property
    def days_grouped(self) -> str:
        return f"{self.days:,}"

    @property
    def days_display(self) -> str:
        return f"{self.days:,} day" + ("" if self.days == 1 else "s")


def _custodial_on(day: datetime.date) -> Q:
    """`Detention.objects.custodial_on(day)` as a condition on the row itself, to mark rows
    read anyway (as a subquery, PostgreSQL read every custodial measure to mark a few).
    tests/staff/test_detained_now.py checks that both say the same."""
    return Q(measure__in=CUSTODIAL_MEASURES, started_on__lte=day) & ~Q(actual_end__lt=day)


def custodial_detentions(detentions: QuerySet[Detention], *, today: datetime.date):
    """The custodial measures among `detentions`, ordered for `custody_runs`, each marked
    with `custodial_today` by the one rule for "detained now" (`custodial_on`)."""
    return (
        detentions.filter(measure__in=CUSTODIAL_MEASURES)
        .annotate(custodial_today=ExpressionWrapper(_custodial_on(today), BooleanField()))
        .select_related("person", "case")
        .order_by("person_id", "started_on", "pk")
    )


def custody_runs(detentions, *, today: datetime.date) -> list[CustodyRun]:
    """Each person's unbroken runs in custody, oldest first per person, from `detentions`
    (already limited to the cases the user may see). One query, whatever the rows.

    A run starts with the earliest custodial measure and goes on while the next one starts
    no later than the day after the run's latest end (or the run has a measure with no end
    recorded). A release with no custodial measure by the next day ends the run; a later
    arrest starts a new one. Non-custodial measures (probation) are left out."""
    return _runs(custodial_detentions(detentions, today=today), today=today)


def _runs(detentions, *, today: datetime.date) -> list[CustodyRun]:
    """custody_runs over custodial measures already read, in (person, start, id) order."""
    by_person: dict[int, list[Detention]] = {}
    for detention in detentions:
        by_person.setdefault(detention.person_id, []).append(detention)
    runs = []
    for person_detentions in by_person.values():
        group: list[Detention] = []
        open_ended = False
        end: datetime.date | None = None
        for detention in person_detentions:
            joins = group and (open_ended or detention.started_on <= end + _ONE_DAY)  # type: ignore[operator]
            if group and not joins:
                runs.append(_custody_run(group, today=today))
                group, open_ended, end = [], False, None
            group.append(detention)
            if detention.actual_end is None:
                open_ended = True
            elif end is None or detention.actual_end > end:
                end = detention.actual_end
        runs.append(_custody_run(group, today=today))
    return runs


_ONE_DAY = datetime.timedelta(days=1)


def _custody_run(detentions: list[Detention], *, today: datetime.date) -> CustodyRun:
    holding = [d for d in detentions if d.custodial_today]  # type: ignore[attr-defined]
    current = max(holding, key=lambda d: (d.started_on, d.pk)) if holding else None
    started_on = detentions[0].started_on
    ends = [d.actual_end for d in detentions]
    ended_on = None if current or None in ends else max(ends)  # type: ignore[type-var]
    last_day = min(ended_on or today, today)
    return CustodyRun(
        person=detentions[0].person,
        started_on=started_on,
        ended_on=ended_on,
        days=max((last_day - started_on).days, 0),
        current=current,
        last=max(detentions, key=lambda d: (d.started_on, d.pk)),
        detentions=tuple(detentions),
    )


def custody_runs_now(
    cases: QuerySet[Case], *, today: datetime.date, detained_in: QuerySet[Case] | None = None
) -> list[CustodyRun]:
    """The runs of everyone held today in `detained_in` (default: any of `cases`), counted
    across all of `cases`, longest in custody first. One query."""
    detained = Detention.objects.custodial_on(today).filter(
        case__in=cases if detained_in is None else detained_in
    )
    runs = custody_runs(
        Detention.objects.filter(case__in=cases, person__in=detained.values("person")),
        today=today,
    )
    now = [run for run in runs if run.in_custody]
    now.sort(key=lambda run: (run.started_on, run.person.name, run.person.pk))
    return now


def case_custody_runs_now(
    cases: QuerySet[Case], case: Case, *, today: datetime.date
) -> list[CustodyRun]:
    """custody_runs_now(cases, detained_in=<this case>), read in the same query as the
    case's own detentions, which the timeline draws: they are left on `case`, where
    `prefetched(case, "detentions")` finds them."""
    held_here = Detention.objects.custodial_on(today).filter(case=case).values("person")
    # Two index lookups joined (as one condition with OR the planner read every row).
    wanted = (
        Detention.objects.filter(case=case)
        .values("pk")
        .order_by()
        .union(
            Detention.objects.filter(
                case__in=cases, measure__in=CUSTODIAL_MEASURES, person__in=held_here
            )
            .values("pk")
            .order_by()
        )
    )
    rows = list(
        Detention.objects.filter(pk__in=wanted)
        .annotate(custodial_today=ExpressionWrapper(_custodial_on(today), BooleanField()))
        .select_related("case", "ordered_by")
        .order_by("person_id", "started_on", "pk")
    )
    party_persons_attach(case, rows)
    own = case.detentions.all()
    own._result_cache = sorted(
        (row for row in rows if row.case_id == case.pk), key=lambda row: (row.started_on, row.pk)
    )
    own._prefetch_done = True  # type: ignore[attr-defined]
    case._prefetched_objects_cache = getattr(case, "_prefetched_objects_cache", {}) | {  # type: ignore[attr-defined]
        "detentions": own
    }
    held = {row.person_id for row in own if row.custodial_today}  # type: ignore[attr-defined]
    runs = _runs(
        (row for row in rows if row.measure in CUSTODIAL_MEASURES and row.person_id in held),
        today=today,
    )
    now = [run for run in runs if run.in_custody]
    now.sort(key=lambda run: (run.started_on, run.person.name, run.person.pk))
    return now


def _run_starts(cases: Cases, *, today: datetime.date) -> QuerySet[Detention]:
    """The custodial measures in `cases`, begun by `today`, that start a run (custody_runs'
    rule, in SQL): no earlier measure of the person in `cases`, in (start, id) order, reaches
    the day before (ends on it or later, or has no end recorded).

    Said as "no such earlier measure" (one index probe per measure, by person) rather than a
    window over each person's measures: the starts can then be grouped by person in the
    same query, where a window filter needs the rows read again to group them."""
    reaching = Detention.objects.filter(
        in_cases(cases),
        Q(started_on__lt=OuterRef("started_on"))
        | Q(started_on=OuterRef("started_on"), pk__lt=OuterRef("pk")),
        Q(actual_end__isnull=True) | Q(actual_end__gte=OuterRef("day_before")),
        measure__in=CUSTODIAL_MEASURES,
        person_id=OuterRef("person_id"),
    )
    return (
        Detention.objects.filter(
            in_cases(cases), measure__in=CUSTODIAL_MEASURES, started_on__lte=today
        )
        .annotate(
            # Cast back to a date: SQLite's date arithmetic gives a datetime string, which
            # would sort after the same day's date and break the day-after join.
            day_before=Cast(
                ExpressionWrapper(F("started_on") - _ONE_DAY, output_field=DateField()),
                DateField(),
            )
        )
        .exclude(Exists(reaching))
    )


def detained_now_since(
    cases: Cases, *, today: datetime.date
) -> QuerySet[Detention, Mapping[str, Any]]:
    """Everyone held today in `cases`, as rows of `person_id` and `custody_since`: the first
    day of their unbroken run across all of `cases` (their latest run start by today).
    Longest in custody first (then by person id: detained_now_longest puts those starting
    the same day in name order); slice it for the few a page shows. One pass over the
    measures of those held, grouped by person, with no join to the persons."""
    held = Detention.objects.custodial_on(today).filter(in_cases(cases)).values("person_id")
    return (
        _run_starts(cases, today=today)
        .filter(person_id__in=held)
        .values("person_id")
        .annotate(custody_since=Max("started_on"))
        .order_by("custody_since", "person_id")
    )


@dataclass(frozen=True)
class DetainedNow:
    """The longest in custody (`runs`, bounded) and how many are held in all (`count`)."""

    runs: list[CustodyRun]
    count: int


def detained_now_longest(cases: Cases, *, today: datetime.date, limit: int) -> DetainedNow:
    """The `limit` people longest in custody today across `cases`, with their runs, and how
    many are held in all; those starting the same day by name. Two queries whatever the
    numbers: the persons chosen in SQL with the count, and the measures of their current
    runs only (from the first day of the run on: the measures of earlier runs, which may be
    many for someone arrested again and again, are not read)."""
    # Everyone held is counted in the same query, over the grouped rows before the slice.
    rows = list(detained_now_since(cases, today=today).annotate(held=Window(Count("*")))[:limit])
    count = rows[0]["held"] if rows else 0
    chosen = [row["person_id"] for row in rows]
    if not chosen:
        return DetainedNow(runs=[], count=count)
    current_runs = functools.reduce(
        operator.or_,
        (Q(person_id=row["person_id"], started_on__gte=row["custody_since"]) for row in rows),
    )
    runs = custody_runs(Detention.objects.filter(in_cases(cases), current_runs), today=today)
    holding = [run for run in runs if run.in_custody and run.person.pk in chosen]
    holding.sort(key=lambda run: (run.started_on, run.person.name, run.person.pk))
    return DetainedNow(runs=holding, count=count)


def days_in_custody(detention: Detention, *, today: datetime.date) -> int | None:
    """Days held so far (or in all, once ended); None for a non-custodial measure."""
    if detention.measure not in CUSTODIAL_MEASURES:
        return None
    end = min(detention.actual_end or today, today)
    return max((end - detention.started_on).days, 0)


def with_days_in_custody(detentions, *, today: datetime.date) -> list[Detention]:
    """The detentions, each with `.days_in_custody` for the page to show."""
    detentions = list(detentions)
    for detention in detentions:
        detention.days_in_custody = days_in_custody(detention, today=today)  # type: ignore[attr-defined]
    return detentions


def term_ending(*, today: datetime.date, days: int = UPCOMING_DAYS) -> Q:
    """A detention whose ordered term runs out within `days`, or already has, with no end
    recorded (the dashboard's list and the case list's filter)."""
    return Q(
        actual_end__isnull=True,
        planned_end__isnull=False,
        planned_end__lte=today + datetime.timedelta(days=days),
    )


def hearing_upcoming(*, today: datetime.date, days: int = UPCOMING_DAYS) -> Q:
    """A hearing held from today to `days` ahead (the dashboard's list and the filter)."""
    return Q(held_on__gte=today, held_on__lte=today + datetime.timedelta(days=days))


def detentions_ending(
    cases: Cases, *, today: datetime.date, days: int = UPCOMING_DAYS
) -> QuerySet[Detention]:
    """Ordered terms running out within `days` (or already overdue with no end recorded),
    each marked with whether an extension hearing was recorded after it started."""
    return (
        Detention.objects.filter(term_ending(today=today, days=days), in_cases(cases))
        .with_extension_recorded()
        .select_related("person", "case")
        .order_by("planned_end", "pk")
    )


def hearings_upcoming(
    cases: Cases, *, today: datetime.date, days: int = UPCOMING_DAYS
) -> QuerySet[Hearing]:
    return (
        Hearing.objects.filter(hearing_upcoming(today=today, days=days), in_cases(cases))
        .select_related("case", "court")
        .prefetch_related("defendants")
        .order_by("held_on", "starts_at", "pk")
    )


def reminders_undelivered(cases: Cases) -> QuerySet[Reminder]:
    """Reminders whose email failed or had nobody to go to: staff must see them."""
    return (
        Reminder.objects.filter(in_cases(cases), emailed_at__isnull=True)
        .exclude(error="")
        .select_related("case")
        .order_by("due_on", "pk")
    )


@dataclass(frozen=True)
class Change:
    when: datetime.datetime
    kind: str
    action: str
    user: str
    case_id: int
    case_reference: str
    history_url: str


_HISTORY_ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}
_HISTORY_MODELS = (
    (Case, "id"),
    (Detention, "case_id"),
    (Hearing, "case_id"),
    (Charge, "case_id"),
    (CaseParty, "case_id"),
)


def changes_latest(cases: Cases, *, limit: int = 10) -> list[Change]:
    """The latest recorded changes to cases and the facts in them, newest first, each
    linked to its record's history in the admin. Six queries whatever the volume."""
    from django.contrib.auth import get_user_model
    from django.urls import NoReverseMatch, reverse

    # History outlives its case: only rows of cases that still exist and are visible, so the
    # rule stays the subquery here (these queries read a few rows by date, by index).
    visible = cases.cases if isinstance(cases, CaseScope) else cases
    username = f"history_user__{get_user_model().USERNAME_FIELD}"
    rows = []
    for model, case_field in _HISTORY_MODELS:
        history = get_history_model_for_model(model)
        # Only the columns shown: whole historical rows (a case's summary, an event's
        # description) were read and built into objects for five lines of text.
        for row in (
            history.objects.filter(**{f"{case_field}__in": visible.values("pk")})
            .order_by("-history_date")
            .values("id", "history_date", "history_type", case_field, username)[:limit]
        ):
            rows.append((model, row[case_field], row))
    rows.sort(key=lambda item: item[2]["history_date"], reverse=True)
    rows = rows[:limit]
    references = dict(
        Case.objects.filter(pk__in={case_id for _, case_id, _ in rows}).values_list(
            "pk", "reference"
        )
    )
    changes = []
    for model, case_id, row in rows:
        opts = model._meta
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[row["id"]])
        except NoReverseMatch:
            url = ""
        changes.append(
            Change(
                when=row["history_date"],
                kind=str(opts.verbose_name).capitalize(),
                action=_HISTORY_ACTIONS.get(row["history_type"], row["history_type"]),
                user=row[username] or "system",
                case_id=case_id,
                case_reference=references.get(case_id, "(deleted case)"),
                history_url=url,
            )
        )
    return changes


def prefetched(instance, relation: str) -> list | None:
    """`instance`'s `relation` when the page has loaded it already (see `case_for_page`),
    so that what else the page draws does not ask the database again; None otherwise."""
    cache = getattr(instance, "_prefetched_objects_cache", {})
    return list(cache[relation]) if relation in cache else None


def case_for_page(cases: QuerySet[Case], pk: int) -> Case:
    """One case with what its page shows above the timeline, in a fixed number of queries."""
    from django.shortcuts import get_object_or_404

    case = get_object_or_404(
        cases.prefetch_related(
            Prefetch(
                "parties",
                queryset=CaseParty.objects.select_related("person", "organisation").order_by(
                    "role", "pk"
                ),
            ),
            Prefetch(
                "charges",
                queryset=Charge.objects.select_related("article").order_by(
                    "person__family_name", "brought_on", "pk"
                ),
            ),
            Prefetch(
                "sentence_steps",
                queryset=SentenceStep.objects.select_related("article", "court"),
            ),
        ).annotate(assigned_staff_names_json=_assigned_staff_names()),
        pk=pk,
    )
    party_persons_attach(case, [*case.charges.all(), *case.sentence_steps.all()])
    return case


def party_persons_attach(case: Case, rows) -> None:
    """Give each row (a charge, a step, a detention: each about a party of `case`) its person
    from the case's parties, already read, rather than a copy of the person per row joined
    in SQL: a case of 500 charges of one prisoner built 500 copies of them. A person who is
    not a party (rows written around the services) is read, in one query for all."""
    persons = {party.person_id: party.person for party in case.parties.all() if party.person_id}
    missing = {row.person_id for row in rows if row.person_id not in persons}
    if missing:
        persons |= Person.objects.in_bulk(missing)
    for row in rows:
        row.person = persons[row.person_id]


def _assigned_staff_names():
    """The names of the case's assigned staff (full name, else username), read with the
    case: the page shows no more of them."""
    staff = Case.assigned_staff.through.objects.filter(case_id=OuterRef("pk"))
    full_name = Trim(Concat("user__first_name", Value(" "), "user__last_name"))
    return Subquery(
        staff.order_by()
        .annotate(all=Value(1))
        .values("all")
        .annotate(names=JSONList(Coalesce(NullIf(full_name, Value("")), F("user__username"))))
        .values("names")
    )


def assigned_staff_names(case: Case) -> list[str]:
    """The names case_for_page read, sorted."""
    return sorted(json_list(getattr(case, "assigned_staff_names_json", None)))


TARGETED_ROLES = (
    PartyRole.POLITICAL_PRISONER,
    PartyRole.DEFENDANT,
    PartyRole.TARGETED_RELATIVE,
    PartyRole.TARGETED_ASSOCIATE,
    PartyRole.ACTIVIST,
)


@dataclass(frozen=True)
class Tie:
    person: Person
    kind: str
    # True: "this person is the <kind> of <person>"; False: "<person> is their <kind>".
    outgoing: bool
    notes: str
    targeted: bool


def person_ties(person: Person, cases: QuerySet[Case]) -> list[Tie]:
    """Everyone recorded as related to the person, in either direction, and whether each of
    them is targeted too (a targeted party or detained in a visible case). Two queries."""
    relationships = list(
        Relationship.objects.filter(Q(person=person) | Q(other=person)).select_related(
            "person", "other"
        )
    )
    others = {r.other_id if r.person_id == person.pk else r.person_id for r in relationships}
    targeted = (
        set(
            CaseParty.objects.filter(
                case__in=cases, person_id__in=others, role__in=TARGETED_ROLES
            ).values_list("person_id", flat=True)
        )
        if others
        else set()
    )
    ties = []
    seen: set[tuple[int, str]] = set()
    # Outgoing first, so a tie recorded both ways ("brother of" each other) shows once.
    relationships.sort(key=lambda r: r.person_id != person.pk)
    for relationship in relationships:
        outgoing = relationship.person_id == person.pk
        other = relationship.other if outgoing else relationship.person
        if (other.pk, relationship.kind) in seen:
            continue
        seen.add((other.pk, relationship.kind))
        ties.append(
            Tie(
                person=other,
                kind=relationship.get_kind_display().lower(),
                outgoing=outgoing,
                notes=relationship.notes,
                targeted=other.pk in targeted,
            )
        )
    ties.sort(key=lambda tie: (not tie.targeted, tie.person.name))
    return ties


def staff_assignable() -> QuerySet[User]:
    """Colleagues who can be put on a case's staff: active staff accounts in the Editor role
    (those who work cases), by name. A Viewer assigned to a case could read it but not work it."""
    from people.roles import EDITOR

    return (
        User.objects.filter(is_active=True, is_staff=True, groups__name=EDITOR)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
