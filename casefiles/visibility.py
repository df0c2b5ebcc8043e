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


def _cases(user: AnyUser) -> tuple[QuerySet, QuerySet]:
    """The cases a user may see and those they may not."""
    from casefiles.models import Case

    visible = Case.objects.visible_to(user)
    return visible, Case.objects.exclude(pk__in=visible.values("pk"))


def _appearing_in(cases: QuerySet, appearances) -> Q:
    """Rows referred to, in one of these cases, by any of `appearances`: pairs of a queryset
    and the lookups (its column naming the row, its path to the case)."""
    condition = Q()
    for queryset, column, case_path in appearances:
        # NULLs left out: NOT IN over a list holding NULL would hide every row.
        ids = queryset.filter(**{f"{case_path}__in": cases, f"{column}__isnull": False})
        condition |= Q(pk__in=ids.values(column))
    return condition


def _visible_unless_only_in_hidden(appearances):
    def rule(user: AnyUser) -> Q:
        visible, hidden = _cases(user)
        return ~_appearing_in(hidden, appearances()) | _appearing_in(visible, appearances())

    return rule


def _person_appearances():
    from casefiles.models import CaseParty, Charge, Detention, EventParticipant, Hearing

    return (
        (CaseParty.objects, "person", "case"),
        (Charge.objects, "person", "case"),
        (Detention.objects, "person", "case"),
        (Hearing.objects, "judge", "case"),
        (Hearing.defendants.through.objects, "person", "hearing__case"),
        (EventParticipant.objects, "person", "event__case"),
    )


def _organisation_appearances():
    from casefiles.models import CaseParty, Detention, EventParticipant, Hearing

    return (
        (CaseParty.objects, "organisation", "case"),
        (Detention.objects, "ordered_by", "case"),
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
