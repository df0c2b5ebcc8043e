"""The one visibility rule: which records a user may see.

Every model whose records can be hidden has a `visible_to(user)` queryset method, and every
page, form choice, search, feed, download, autocomplete and back-office view reads through
it. A hidden record answers 404 exactly like a missing one.

`people` knows nothing of cases, yet a person who appears only in cases a user may not see
is hidden from that user. So the rule for persons and organisations is filled in by the app
that records where they appear: `casefiles` registers it in its `AppConfig.ready()`
(`register_rules`). Records that belong to another record (a charge to its case, an alias to
its person) are visible when what they belong to is: `VisibleThroughQuerySet`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

AnyUser = User | AnonymousUser
# A rule answers, for a user, the condition on a model's rows that makes them visible.
VisibilityRule = Callable[[AnyUser], Q]

_rules: dict[str, list[VisibilityRule]] = {"person": [], "organisation": []}
_sees_everything: list[Callable[[AnyUser], bool]] = []


def register_rules(
    *,
    persons: VisibilityRule,
    organisations: VisibilityRule,
    sees_everything: Callable[[AnyUser], bool],
) -> None:
    """Called once by the app that knows where persons and organisations appear."""
    _rules["person"].append(persons)
    _rules["organisation"].append(organisations)
    _sees_everything.append(sees_everything)


def sees_everything(user: AnyUser) -> bool:
    """True for users no rule hides anything from (Administrators)."""
    return user.is_authenticated and any(check(user) for check in _sees_everything)


class GuardedQuerySet(QuerySet):
    """Nothing for a visitor or a deactivated account, everything for those who see
    everything; for the rest, `_visible` says."""

    def visible_to(self, user: AnyUser) -> QuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_everything(user):
            return self
        return self._visible(user)

    def _visible(self, user: AnyUser) -> QuerySet:
        raise NotImplementedError


class RuleQuerySet(GuardedQuerySet):
    """Rows visible when every rule registered for `rule_name` allows them."""

    rule_name = ""

    def _visible(self, user: AnyUser) -> QuerySet:
        queryset = self
        for rule in _rules[self.rule_name]:
            queryset = queryset.filter(rule(user))
        return queryset


class PersonQuerySet(RuleQuerySet):
    rule_name = "person"


class OrganisationQuerySet(RuleQuerySet):
    rule_name = "organisation"


class VisibleThroughQuerySet(GuardedQuerySet):
    """Rows that belong to other records, visible when each of those is.

    `through` names the foreign keys to follow; each target model has its own
    `visible_to`. An empty nullable key hides nothing.
    """

    through: tuple[str, ...] = ()

    def _visible(self, user: AnyUser) -> QuerySet:
        queryset = self
        for name in self.through:
            field: Any = self.model._meta.get_field(name)
            target = field.related_model._default_manager.visible_to(user)
            condition = Q(**{f"{name}__in": target})
            if field.null:
                condition |= Q(**{f"{name}__isnull": True})
            queryset = queryset.filter(condition)
        return queryset


def visible_through(*through: str) -> Any:
    """A manager whose querysets are visible through the foreign keys named."""
    queryset_class: type[VisibleThroughQuerySet] = type(
        "VisibleThroughQuerySet", (VisibleThroughQuerySet,), {"through": through}
    )
    return queryset_class.as_manager()


def visible_or_404(queryset: QuerySet, user: AnyUser, **lookup: Any) -> Any:
    """One record the user may see, or 404 exactly as for a missing one."""
    from django.shortcuts import get_object_or_404

    rule: Any = queryset  # every model read through here has a queryset with visible_to
    return get_object_or_404(rule.visible_to(user), **lookup)
