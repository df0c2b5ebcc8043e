"""The one visibility rule for cases and what belongs to them (see people/visibility.py).

A case is visible to a role that may view cases, unless it is restricted: then only to its
assigned staff and to holders of casefiles.view_restricted_case (Administrators). The facts
of a case, its letters and their parts are visible with it. A source is hidden when the only
facts citing it belong to hidden cases; a person or organisation is hidden when the only
cases they appear in are hidden.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from people.visibility import AnyUser, GuardedQuerySet, register_rules

SEE_ALL_CASES = "casefiles.view_restricted_case"


class CaseQuerySet(QuerySet):
    def visible_to(self, user: AnyUser) -> QuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if not user.has_perm("casefiles.view_case"):
            return self.none()
        if user.has_perm(SEE_ALL_CASES):
            return self
        return self.filter(
            Q(restricted=False) | Q(pk__in=user.assigned_cases.values("pk"))  # type: ignore[union-attr]
        )

    def hidden_from(self, user: AnyUser) -> QuerySet:
        """The cases `visible_to` leaves out, said directly: the restricted ones the user is
        not assigned to (a handful, where "every case but the visible ones" read them all)."""
        if not user.is_authenticated or not user.is_active:
            return self
        if not user.has_perm("casefiles.view_case"):
            return self
        if user.has_perm(SEE_ALL_CASES):
            return self.none()
        return self.filter(restricted=True).exclude(
            pk__in=user.assigned_cases.values("pk")  # type: ignore[union-attr]
        )


def _visible_cases(user: AnyUser) -> QuerySet:
    from casefiles.models import Case

    return Case.objects.visible_to(user)


def _hidden_cases(user: AnyUser) -> QuerySet:
    from casefiles.models import Case

    return Case.objects.hidden_from(user)


def _appearing_in(cases: QuerySet | list[int], appearances, among: set[int] | None = None) -> Q:
    """Rows referred to, in one of these cases, by any of `appearances`: pairs of a queryset
    and the lookups (its column naming the row, its path to the case); only rows `among`
    these when given."""
    condition = Q()
    for queryset, column, case_path in appearances:
        # NULLs left out: NOT IN over a list holding NULL would hide every row.
        ids = queryset.filter(**{f"{case_path}__in": cases, f"{column}__isnull": False})
        if among is not None:
            ids = ids.filter(**{f"{column}__in": among})
        condition |= Q(pk__in=ids.values(column))
    return condition


# Beyond this many rows in hidden cases the rule stays a subquery instead of a list of ids.
HIDDEN_IDS_LISTED = 5_000
# Beyond this many hidden cases the rows in them are found by a subquery, not a list of ids.
HIDDEN_CASES_LISTED = 1_000


def _visible_unless_only_in_hidden(appearances):
    """Visible unless every appearance is in a hidden case: not in a hidden case, or also in
    a visible one.

    Few cases are restricted, so the rows in hidden cases are read first, in one query, and
    the rule names them (usually none: then it is no condition at all). Written as nested
    subqueries over every case instead, at 20,000 cases PostgreSQL took longer to plan each
    search, picker and person page than to run it."""

    def rule(user: AnyUser) -> Q:
        # The visible cases are only built when some are hidden (usually none are).
        hidden = _hidden_cases(user)
        if not user.has_perm("casefiles.view_case"):
            # Every case is hidden: only rows that appear in none are visible.
            return ~_appearing_in(hidden, appearances())
        # The hidden cases themselves first, by the restricted-case index: usually none, and
        # then no rule at all (building and running the union below took a search page
        # 20 ms per rule for nothing); else the union names them.
        hidden_ids = list(hidden.order_by().values_list("pk", flat=True)[: HIDDEN_CASES_LISTED + 1])
        if not hidden_ids:
            return Q()
        named: QuerySet | list[int] = (
            hidden_ids if len(hidden_ids) <= HIDDEN_CASES_LISTED else hidden
        )
        parts = [
            queryset.filter(**{f"{case_path}__in": named, f"{column}__isnull": False})
            .values_list(column, flat=True)
            .order_by()
            for queryset, column, case_path in appearances()
        ]
        in_hidden = set(parts[0].union(*parts[1:])[: HIDDEN_IDS_LISTED + 1])
        if not in_hidden:
            return Q()
        visible = _visible_cases(user)
        if len(in_hidden) > HIDDEN_IDS_LISTED:
            return ~_appearing_in(named, appearances()) | _appearing_in(visible, appearances())
        return ~Q(pk__in=in_hidden) | _appearing_in(visible, appearances(), among=in_hidden)

    return rule


def _person_appearances():
    from casefiles.models import (
        CaseParty,
        Charge,
        Detention,
        EventParticipant,
        Hearing,
        SentenceStep,
    )

    return (
        (CaseParty.objects, "person", "case"),
        (Charge.objects, "person", "case"),
        (Detention.objects, "person", "case"),
        (SentenceStep.objects, "person", "case"),
        (Hearing.objects, "judge", "case"),
        (Hearing.defendants.through.objects, "person", "hearing__case"),
        (EventParticipant.objects, "person", "event__case"),
    )


def _organisation_appearances():
    from casefiles.models import CaseParty, Detention, EventParticipant, Hearing, SentenceStep

    return (
        (CaseParty.objects, "organisation", "case"),
        (Detention.objects, "ordered_by", "case"),
        (SentenceStep.objects, "court", "case"),
        (Hearing.objects, "court", "case"),
        (EventParticipant.objects, "organisation", "event__case"),
    )


def _source_citations():
    from casefiles.models import Charge, Detention, Event, Hearing, SentenceStep

    return (
        (Charge.sources.through.objects, "source", "charge__case"),
        (Detention.sources.through.objects, "source", "detention__case"),
        (Hearing.sources.through.objects, "source", "hearing__case"),
        (Event.sources.through.objects, "source", "event__case"),
        (SentenceStep.sources.through.objects, "source", "sentencestep__case"),
    )


_source_rule = _visible_unless_only_in_hidden(_source_citations)


class SourceQuerySet(GuardedQuerySet):
    def _visible(self, user: AnyUser) -> QuerySet:
        return self.filter(_source_rule(user))


def register() -> None:
    """Called from CasefilesConfig.ready(): persons and organisations follow their cases."""
    register_rules(
        persons=_visible_unless_only_in_hidden(_person_appearances),
        organisations=_visible_unless_only_in_hidden(_organisation_appearances),
        sees_everything=lambda user: user.has_perm(SEE_ALL_CASES),
    )
