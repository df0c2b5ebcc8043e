"""A case's timeline: every dated fact in one chronological list.

casefiles contributes events, detentions, charges, sentence steps and hearings. Higher
apps add their own entries by registering a provider in their AppConfig.ready() — letters
lists letters sent and replies received — so casefiles never imports them.

Each provider runs a fixed number of queries, so a timeline's cost does not grow with
the number of entries.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.db.models import Prefetch
from django.urls import reverse

from casefiles.choices import (
    DECIDED_CHARGE_STATUSES,
    INTERNATIONAL_EVENT_KINDS,
    SentenceStepKind,
)
from people.dates import DatePrecision, format_partial_date
from people.models import Person
from people.visibility import AnyUser


@dataclass
class TimelineEntry:
    date: datetime.date
    kind: str
    title: str
    anchor: str
    precision: str = DatePrecision.DAY
    detail: str = ""
    persons: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    url: str = ""
    # The staff page that edits this entry, set only for a user allowed to change it.
    edit_url: str = ""
    # Within one day: what happened first in the life of a case comes first.
    order: int = 50

    @property
    def date_display(self) -> str:
        return format_partial_date(self.date, self.precision)

    @property
    def kind_label(self) -> str:
        return timeline_kinds().get(self.kind, self.kind)

    @property
    def sort_key(self) -> tuple:
        return (self.date, self.order, self.anchor)

    def involves(self, person_id: int) -> bool:
        return any(person.pk == person_id for person in self.persons)


User = AbstractBaseUser | AnonymousUser
Provider = Callable[["object", User], Iterable[TimelineEntry]]


@dataclass
class _Registry:
    providers: list[Provider] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)


_registry = _Registry()


def register_timeline_provider(provider: Provider, *, kinds: dict[str, str]) -> None:
    """Add a source of timeline entries; `kinds` names the entry kinds it produces."""
    if provider not in _registry.providers:
        _registry.providers.append(provider)
    _registry.kinds.update(kinds)


def timeline_kinds() -> dict[str, str]:
    return dict(_registry.kinds)


def case_timeline(
    case, *, user: User, kinds: Iterable[str] = (), person_id: int | None = None
) -> list[TimelineEntry]:
    """Entries for one case, oldest first, optionally only some kinds or one person's."""
    wanted = set(kinds)
    entries: list[TimelineEntry] = []
    for provider in _registry.providers:
        entries.extend(provider(case, user))
    if wanted:
        entries = [entry for entry in entries if entry.kind in wanted]
    if person_id is not None:
        entries = [entry for entry in entries if entry.involves(person_id)]
    entries.sort(key=lambda entry: entry.sort_key)
    return entries


# The case page shows the latest entries and loads earlier ones a page at a time: a case
# followed for years has thousands of entries, and drawing them all made the page slow and
# heavy. The brief, a document, still lists them all.
TIMELINE_PAGE_SIZE = 100


@dataclass
class TimelinePage:
    """One page of a timeline, counted back from the latest: page 1 holds the latest
    entries, page 2 the ones just before them, and so on; entries stay oldest first."""

    entries: list[TimelineEntry]
    number: int
    # How many entries come before this page (on later-numbered pages).
    earlier: int
    # How many entries come after it (on earlier-numbered pages).
    later: int

    @property
    def has_earlier(self) -> bool:
        return self.earlier > 0

    @property
    def has_later(self) -> bool:
        return self.later > 0


def timeline_page(
    entries: list[TimelineEntry],
    *,
    number: int | None = None,
    marked: Iterable[str] = (),
    size: int = TIMELINE_PAGE_SIZE,
) -> TimelinePage:
    """The page `number` of `entries` (oldest first), counted back from the latest.

    Without a number it is the page holding the oldest of the `marked` anchors (entries
    just logged, so that the page they are sent to shows them), or else the latest page.
    A number past the last page gives the last (oldest) page.
    """
    total = len(entries)
    last = max(1, -(-total // size))
    if number is None:
        wanted = set(marked)
        positions = [i for i, entry in enumerate(entries) if entry.anchor in wanted]
        number = (total - 1 - min(positions)) // size + 1 if positions else 1
    number = min(max(number, 1), last)
    end = total - (number - 1) * size
    start = max(0, end - size)
    return TimelinePage(entries=entries[start:end], number=number, earlier=start, later=total - end)


# --- casefiles' own entries -----------------------------------------------------------

CASEFILES_KINDS = {
    "event": "Event",
    # What international bodies decided has a kind of its own (see INTERNATIONAL_EVENT_KINDS).
    **{kind.value: kind.label for kind in INTERNATIONAL_EVENT_KINDS},
    "charge_brought": "Charge brought",
    "charge_decided": "Charge decided",
    "detention_start": "Detention starts",
    "detention_planned_end": "Ordered term ends",
    "detention_end": "Detention ends",
    "hearing": "Hearing",
    "sentence_step": "Sentence",
}


def _events(case, user: User) -> Iterable[TimelineEntry]:
    from casefiles.models import EventParticipant

    participants = EventParticipant.objects.select_related("person", "organisation")
    may_edit = cast(AnyUser, user).has_perms(
        [
            "casefiles.change_event",
            "casefiles.add_eventparticipant",
            "casefiles.delete_eventparticipant",
        ]
    )
    for event in case.events.order_by("occurred_on", "pk").prefetch_related(
        Prefetch("participants", queryset=participants), "sources"
    ):
        people = [p.person for p in event.participants.all() if p.person_id]
        organisations = [p.organisation for p in event.participants.all() if p.organisation_id]
        international = event.kind in INTERNATIONAL_EVENT_KINDS
        yield TimelineEntry(
            date=event.occurred_on,
            precision=event.precision,
            kind=event.kind if international else "event",
            # An international body's decision is labelled by its kind already.
            title=event.title if international else f"{event.get_kind_display()}: {event.title}",
            detail=event.description + (f" ({event.place})" if event.place else ""),
            persons=people,
            organisations=organisations,
            sources=list(event.sources.all()),
            anchor=f"event-{event.pk}",
            edit_url=reverse("staff:event_edit", args=[event.pk]) if may_edit else "",
            order=10,
        )


def _edit_url(user: User, permission: str, name: str, pk: int) -> str:
    """The staff page that corrects a record, for a user allowed to change it (the
    permission is cached on the user: no query per entry)."""
    from django.urls import reverse

    allowed = isinstance(user, PermissionsMixin) and user.has_perm(permission)
    return reverse(f"staff:{name}", args=[pk]) if allowed else ""


def _detentions(case, user: User) -> Iterable[TimelineEntry]:
    for detention in (
        case.detentions.order_by("started_on", "pk")
        .select_related("person", "ordered_by")
        .prefetch_related("sources")
    ):
        sources = list(detention.sources.all())
        measure = detention.get_measure_display()
        term = f" for {detention.term_display}" if detention.term_display else ""
        where = f" in {detention.facility}" if detention.facility else ""
        ordered = f", ordered by {detention.ordered_by}" if detention.ordered_by else ""
        persons = [detention.person]
        yield TimelineEntry(
            date=detention.started_on,
            precision=detention.started_on_precision,
            kind="detention_start",
            title=f"{measure} of {detention.person.name}{term}",
            detail="\n".join(
                filter(None, [f"{where}{ordered}".strip(", ").capitalize(), detention.notes])
            ),
            anchor=f"detention-{detention.pk}",
            edit_url=_edit_url(user, "casefiles.change_detention", "detention_edit", detention.pk),
            order=30,
            persons=persons,
            sources=sources,
        )
        if detention.planned_end:
            yield TimelineEntry(
                date=detention.planned_end,
                kind="detention_planned_end",
                title=f"Ordered term of {measure.lower()} of {detention.person.name} ends",
                detail="" if detention.actual_end else "Unless extended.",
                anchor=f"detention-{detention.pk}-planned-end",
                order=60,
                persons=persons,
                sources=sources,
            )
        if detention.actual_end:
            yield TimelineEntry(
                date=detention.actual_end,
                kind="detention_end",
                title=f"{measure} of {detention.person.name} ends",
                anchor=f"detention-{detention.pk}-end",
                order=70,
                persons=persons,
                sources=sources,
            )


def _charges(case, user: User) -> Iterable[TimelineEntry]:
    may_change = cast(AnyUser, user).has_perm("casefiles.change_charge")
    for charge in (
        case.charges.order_by("pk").select_related("person", "article").prefetch_related("sources")
    ):
        sources = list(charge.sources.all())
        edit_url = reverse("staff:charge_edit", args=[charge.pk]) if may_change else ""
        offence = charge.offence
        article_title = f" — {charge.article.title}" if charge.article else ""
        if charge.brought_on:
            yield TimelineEntry(
                date=charge.brought_on,
                precision=charge.brought_on_precision,
                kind="charge_brought",
                title=f"{charge.person.name} charged under {offence}",
                detail=article_title.removeprefix(" — "),
                persons=[charge.person],
                sources=sources,
                anchor=f"charge-{charge.pk}",
                order=20,
                edit_url=edit_url,
            )
        if charge.decided_on and charge.status in DECIDED_CHARGE_STATUSES:
            # The sentence is the person's: its own entry (a sentence step) tells it.
            yield TimelineEntry(
                date=charge.decided_on,
                precision=charge.decided_on_precision,
                kind="charge_decided",
                title=f"{charge.person.name} {charge.get_status_display().lower()} of {offence}",
                persons=[charge.person],
                sources=sources,
                anchor=f"charge-{charge.pk}-decided",
                order=45,
                edit_url=edit_url,
            )


def _sentence_step_title(step) -> str:
    from casefiles.sentences import months_display

    name = step.person.name
    length = months_display(step.months) if step.months else ""
    reason = f" ({step.reason})" if step.reason else ""
    if step.kind == SentenceStepKind.IMPOSED:
        kind = step.get_sentence_kind_display().lower()
        return f"{name} sentenced to {length} of {kind}{reason}"
    if step.kind in (SentenceStepKind.INCREASED, SentenceStepKind.REDUCED):
        verb = step.get_kind_display().lower()
        return f"Sentence of {name} {verb} by {length}{reason}"
    if step.kind == SentenceStepKind.OVERTURNED:
        return f"Sentence of {name} overturned{reason}"
    return f"{name} has served the sentence{reason}"


def _sentence_steps(case, user: User) -> Iterable[TimelineEntry]:
    for step in (
        case.sentence_steps.order_by("occurred_on", "pk")
        .select_related("person", "article", "court")
        .prefetch_related("sources")
    ):
        details = [
            f"Under {step.article.citation}" if step.article else "",
            "Counts the time already held." if step.counts_time_held else "",
            f"Scheduled release: {step.scheduled_release_display}."
            if step.scheduled_release_on
            else "",
            step.notes,
        ]
        yield TimelineEntry(
            edit_url=_edit_url(
                user, "casefiles.change_sentencestep", "sentence_step_edit", step.pk
            ),
            date=step.occurred_on,
            precision=step.precision,
            kind="sentence_step",
            title=_sentence_step_title(step),
            detail="\n".join(filter(None, details)),
            persons=[step.person],
            organisations=[step.court] if step.court else [],
            sources=list(step.sources.all()),
            anchor=f"sentence-step-{step.pk}",
            order=46,
        )


def _hearings(case, user: User) -> Iterable[TimelineEntry]:
    for hearing in (
        case.hearings.order_by("held_on", "pk")
        .select_related("court", "judge", "postponed_to")
        .prefetch_related("defendants", "sources")
    ):
        at = f" at {hearing.starts_at:%H:%M}" if hearing.starts_at else ""
        court = f" — {hearing.court.name}" if hearing.court else ""
        persons: list[Person] = list(hearing.defendants.all())
        if hearing.judge:
            persons.append(hearing.judge)
        postponed = ""
        if hearing.postponed:
            to = hearing.postponed_to
            postponed = (
                f" — postponed to {format_partial_date(to.held_on)}" if to else " — postponed"
            )
        yield TimelineEntry(
            edit_url=_edit_url(user, "casefiles.change_hearing", "hearing_edit", hearing.pk),
            date=hearing.held_on,
            kind="hearing",
            title=f"{hearing.get_kind_display()} hearing{at}{court}{postponed}",
            detail=hearing.outcome,
            persons=persons,
            sources=list(hearing.sources.all()),
            anchor=f"hearing-{hearing.pk}",
            order=40,
        )


def _casefiles_provider(case, user: User) -> Iterable[TimelineEntry]:
    yield from _events(case, user)
    yield from _charges(case, user)
    yield from _detentions(case, user)
    yield from _hearings(case, user)
    yield from _sentence_steps(case, user)


register_timeline_provider(_casefiles_provider, kinds=CASEFILES_KINDS)
