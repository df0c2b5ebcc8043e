"""A case's timeline: every dated fact in one chronological list.

casefiles contributes events, detentions, charges, sentence steps and hearings. Higher
apps add their own entries by registering a provider in their AppConfig.ready() — letters
lists letters sent and replies received — so casefiles never imports them.

Each provider runs a fixed number of queries, so a timeline's cost does not grow with
the number of entries.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.urls import reverse

from casefiles.choices import (
    DECIDED_CHARGE_STATUSES,
    INTERNATIONAL_EVENT_KINDS,
    SentenceStepKind,
)
from people.dates import DatePrecision, format_partial_date
from people.models import Person
from people.visibility import AnyUser

User = AbstractBaseUser | AnonymousUser
Provider = Callable[["object", User], Iterable["TimelineEntry"]]


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
    # The staff page that edits this entry, set only for a user allowed to change it: a
    # provider gives its route, (URL name, pk), and completion reverses it for the entries
    # shown (a long timeline would pay for thousands of reverse() calls otherwise).
    edit_url: str = ""
    edit_route: tuple[str, int] | None = None
    # Within one day: what happened first in the life of a case comes first.
    order: int = 50
    # The record behind the entry ("event", 12): a provider's completer fills in what costs
    # a query per kind (sources, participants) only for the entries shown.
    owner: tuple[str, int] = ("", 0)
    provider: Provider | None = field(default=None, repr=False, compare=False)
    completed: bool = field(default=False, repr=False, compare=False)

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


# Fills in, for some of a provider's entries, what it left out to stay cheap.
Completer = Callable[[list[TimelineEntry]], None]


@dataclass
class _Registry:
    providers: list[Provider] = field(default_factory=list)
    completers: dict[Provider, Completer] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


_registry = _Registry()


def register_timeline_provider(
    provider: Provider, *, kinds: dict[str, str], complete: Completer | None = None
) -> None:
    """Add a source of timeline entries; `kinds` names the entry kinds it produces.

    A provider may leave out of its entries what costs queries (sources, participants) and
    give `complete`, which fills them in for the entries that are shown: a page of a long
    timeline then pays for the entries of one page, not for all of them."""
    if provider not in _registry.providers:
        _registry.providers.append(provider)
    if complete is not None:
        _registry.completers[provider] = complete
    _registry.kinds.update(kinds)


def timeline_kinds() -> dict[str, str]:
    return dict(_registry.kinds)


def case_timeline(
    case,
    *,
    user: User,
    kinds: Iterable[str] = (),
    person_id: int | None = None,
    complete: bool = True,
) -> list[TimelineEntry]:
    """Entries for one case, oldest first, optionally only some kinds or one person's.

    With `complete=False` the entries may lack their sources and participants: pass the
    ones to show to `complete_entries` (the case page does, for one page of them)."""
    wanted = set(kinds)
    entries: list[TimelineEntry] = []
    for provider in _registry.providers:
        produced = [entry for entry in provider(case, user) if not wanted or entry.kind in wanted]
        for entry in produced:
            entry.provider = provider
        entries.extend(produced)
    if person_id is not None:
        # Who took part is among what completion fills in.
        complete_entries(entries)
        entries = [entry for entry in entries if entry.involves(person_id)]
    elif complete:
        complete_entries(entries)
    entries.sort(key=lambda entry: entry.sort_key)
    return entries


def complete_entries(entries: list[TimelineEntry]) -> None:
    """Fill in what providers left out, once per entry, a fixed number of queries per
    provider whatever the number of entries."""
    pending: dict[Provider, list[TimelineEntry]] = {}
    for entry in entries:
        if entry.edit_route and not entry.edit_url:
            name, pk = entry.edit_route
            entry.edit_url = reverse(name, args=[pk])
        provider = entry.provider
        if provider in _registry.completers and not entry.completed:
            pending.setdefault(provider, []).append(entry)
            entry.completed = True
    for provider, some in pending.items():
        _registry.completers[provider](some)


# The case page shows the latest entries and loads earlier ones a page at a time: a case
# followed for years has thousands of entries, and drawing them all made the page slow and
# heavy. The brief, a document, still lists them all.
TIMELINE_PAGE_SIZE = 50


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


@functools.cache
def _labels(label: str, field_name: str) -> dict:
    from django.apps import apps

    return dict(apps.get_model(label)._meta.get_field(field_name).flatchoices)


def _label(instance, field_name: str) -> str:
    """What get_FOO_display() gives, from a dict built once per field (Django rebuilds it on
    every call: thousands of entries made that a fifth of a long timeline's cost)."""
    value = getattr(instance, field_name)
    return str(_labels(instance._meta.label, field_name).get(value, value))


def _events(case, user: User) -> Iterable[TimelineEntry]:
    may_edit = cast(AnyUser, user).has_perms(
        [
            "casefiles.change_event",
            "casefiles.add_eventparticipant",
            "casefiles.delete_eventparticipant",
        ]
    )
    labels = _labels("casefiles.Event", "kind")
    # Plain values, as for hearings: a long case has hundreds of events.
    rows = case.events.order_by("occurred_on", "pk").values_list(
        "pk", "occurred_on", "precision", "kind", "title", "description", "place"
    )
    for pk, occurred_on, precision, kind, title, description, place in rows:
        international = kind in INTERNATIONAL_EVENT_KINDS
        yield TimelineEntry(
            date=occurred_on,
            precision=precision,
            kind=kind if international else "event",
            # An international body's decision is labelled by its kind already.
            title=title if international else f"{labels.get(kind, kind)}: {title}",
            detail=description + (f" ({place})" if place else ""),
            anchor=f"event-{pk}",
            edit_route=("staff:event_edit", pk) if may_edit else None,
            order=10,
            owner=("event", pk),
        )


def _edit_route(user: User, permission: str, name: str):
    """The staff page that corrects a record of one kind, as a function of its pk, for a
    user allowed to change it (asked once per kind, not per entry)."""
    allowed = isinstance(user, PermissionsMixin) and user.has_perm(permission)
    return (lambda pk: (f"staff:{name}", pk)) if allowed else (lambda pk: None)


def _detentions(case, user: User) -> Iterable[TimelineEntry]:
    from casefiles.selectors import prefetched

    detentions = prefetched(case, "detentions")
    if detentions is None:
        detentions = list(
            case.detentions.order_by("started_on", "pk").select_related("person", "ordered_by")
        )
    edit_route = _edit_route(user, "casefiles.change_detention", "detention_edit")
    for detention in detentions:
        owner = ("detention", detention.pk)
        measure = _label(detention, "measure")
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
            edit_route=edit_route(detention.pk),
            order=30,
            persons=persons,
            owner=owner,
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
                owner=owner,
            )
        if detention.actual_end:
            yield TimelineEntry(
                date=detention.actual_end,
                kind="detention_end",
                title=f"{measure} of {detention.person.name} ends",
                anchor=f"detention-{detention.pk}-end",
                order=70,
                persons=persons,
                owner=owner,
            )


def _charges(case, user: User) -> Iterable[TimelineEntry]:
    may_change = cast(AnyUser, user).has_perm("casefiles.change_charge")
    from casefiles.selectors import prefetched

    charges = prefetched(case, "charges")
    if charges is None:
        charges = list(case.charges.select_related("person", "article"))
    for charge in sorted(charges, key=lambda charge: charge.pk):
        owner = ("charge", charge.pk)
        edit_route = ("staff:charge_edit", charge.pk) if may_change else None
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
                owner=owner,
                anchor=f"charge-{charge.pk}",
                order=20,
                edit_route=edit_route,
            )
        if charge.decided_on and charge.status in DECIDED_CHARGE_STATUSES:
            # The sentence is the person's: its own entry (a sentence step) tells it.
            yield TimelineEntry(
                date=charge.decided_on,
                precision=charge.decided_on_precision,
                kind="charge_decided",
                title=f"{charge.person.name} {_label(charge, 'status').lower()} of {offence}",
                persons=[charge.person],
                owner=owner,
                anchor=f"charge-{charge.pk}-decided",
                order=45,
                edit_route=edit_route,
            )


def _sentence_step_title(step) -> str:
    from casefiles.sentences import months_display

    name = step.person.name
    length = months_display(step.months) if step.months else ""
    reason = f" ({step.reason})" if step.reason else ""
    if step.kind == SentenceStepKind.IMPOSED:
        kind = _label(step, "sentence_kind").lower()
        return f"{name} sentenced to {length} of {kind}{reason}"
    if step.kind in (SentenceStepKind.INCREASED, SentenceStepKind.REDUCED):
        verb = _label(step, "kind").lower()
        return f"Sentence of {name} {verb} by {length}{reason}"
    if step.kind == SentenceStepKind.OVERTURNED:
        return f"Sentence of {name} overturned{reason}"
    return f"{name} has served the sentence{reason}"


def _sentence_steps(case, user: User) -> Iterable[TimelineEntry]:
    from casefiles.selectors import prefetched

    steps = prefetched(case, "sentence_steps")
    if steps is None:
        steps = list(case.sentence_steps.select_related("person", "article", "court"))
    edit_route = _edit_route(user, "casefiles.change_sentencestep", "sentence_step_edit")
    for step in sorted(steps, key=lambda step: (step.occurred_on, step.pk)):
        details = [
            f"Under {step.article.citation}" if step.article else "",
            "Counts the time already held." if step.counts_time_held else "",
            f"Scheduled release: {step.scheduled_release_display}."
            if step.scheduled_release_on
            else "",
            step.notes,
        ]
        yield TimelineEntry(
            edit_route=edit_route(step.pk),
            date=step.occurred_on,
            precision=step.precision,
            kind="sentence_step",
            title=_sentence_step_title(step),
            detail="\n".join(filter(None, details)),
            persons=[step.person],
            organisations=[step.court] if step.court else [],
            owner=("sentencestep", step.pk),
            anchor=f"sentence-step-{step.pk}",
            order=46,
        )


def _hearings(case, user: User) -> Iterable[TimelineEntry]:
    """Read as plain values, not model instances: a case followed for years has hundreds of
    hearings, each with a court, a judge and the hearing it was postponed to, and building
    four objects per hearing cost more than the rest of the page. The judge, like the
    defendants, is filled in by completion for the entries shown."""
    edit_route = _edit_route(user, "casefiles.change_hearing", "hearing_edit")
    kinds = _labels("casefiles.Hearing", "kind")
    rows = case.hearings.order_by("held_on", "pk").values_list(
        "pk", "held_on", "starts_at", "kind", "outcome", "postponed", "court__name",
        "postponed_to__held_on", "postponed_to",
    )  # fmt: skip
    for pk, held_on, starts_at, kind, outcome, postponed, court, to_held_on, to in rows:
        at = f" at {starts_at:%H:%M}" if starts_at else ""
        before = f" — {court}" if court else ""
        postponed_text = ""
        if postponed:
            postponed_text = (
                f" — postponed to {format_partial_date(to_held_on)}" if to else " — postponed"
            )
        yield TimelineEntry(
            edit_route=edit_route(pk),
            date=held_on,
            kind="hearing",
            title=f"{kinds.get(kind, kind)} hearing{at}{before}{postponed_text}",
            detail=outcome,
            owner=("hearing", pk),
            anchor=f"hearing-{pk}",
            order=40,
        )


def _casefiles_provider(case, user: User) -> Iterable[TimelineEntry]:
    yield from _events(case, user)
    yield from _charges(case, user)
    yield from _detentions(case, user)
    yield from _hearings(case, user)
    yield from _sentence_steps(case, user)


def _complete_casefiles(entries: list[TimelineEntry]) -> None:
    """Sources of every entry, participants of events and defendants of hearings: two
    queries at most, whatever the number of entries."""
    ids: dict[str, set[int]] = {}
    for entry in entries:
        ids.setdefault(entry.owner[0], set()).add(entry.owner[1])
    cited = _citations(ids)
    persons, organisations = _taking_part(ids)
    for entry in entries:
        kind, pk = entry.owner
        entry.sources = sorted(
            cited.get(entry.owner, ()), key=lambda source: (source.title, source.pk)
        )
        if kind == "event":
            entry.persons = persons.get(entry.owner, [])
            entry.organisations = organisations.get(entry.owner, [])
        elif kind == "hearing":
            entry.persons = persons.get(entry.owner, [])


def _columns(model, path: str) -> tuple[list[str], list[str]]:
    """A model's columns (attnames) and the lookups reading them through `path`."""
    names = [str(field.attname) for field in model._meta.concrete_fields]
    return names, [f"{path}__{name}" for name in names]


def _row_instance(model, names: list[str], values) -> Any:
    """A model instance from the columns a union read, as the ORM would build it."""
    from django.db import connection

    return model.from_db(connection.alias, names, values)


def _citations(ids: dict[str, set[int]]) -> dict[tuple[str, int], list]:
    """The sources cited by each record, read with the sources from the five citation
    tables in one query."""
    from django.db.models import CharField, F, Value

    from casefiles.models import Charge, Detention, Event, Hearing, SentenceStep, Source

    tables: dict[str, tuple[Any, str]] = {
        "event": (Event, "event_id"),
        "charge": (Charge, "charge_id"),
        "detention": (Detention, "detention_id"),
        "hearing": (Hearing, "hearing_id"),
        "sentencestep": (SentenceStep, "sentencestep_id"),
    }
    names, lookups = _columns(Source, "source")
    parts = [
        model.sources.through.objects.filter(**{f"{column}__in": ids[kind]})
        .annotate(kind=Value(kind, output_field=CharField()), record=F(column))
        .values_list("kind", "record", *lookups)
        .order_by()
        for kind, (model, column) in tables.items()
        if ids.get(kind)
    ]
    if not parts:
        return {}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    sources: dict[int, Any] = {}
    cited: dict[tuple[str, int], list] = {}
    for kind, record, *values in rows:
        source = sources.get(values[0]) or _row_instance(Source, names, values)
        sources[source.pk] = source
        cited.setdefault((kind, record), []).append(source)
    return cited


def _taking_part(
    ids: dict[str, set[int]],
) -> tuple[dict[tuple[str, int], list], dict[tuple[str, int], list]]:
    """Who took part in the events (persons and organisations, in the order recorded) and
    who stood trial at the hearings (in name order), then the hearings' judges, read
    together in one query."""
    from django.db.models import CharField, F, IntegerField, Value

    from casefiles.models import EventParticipant, Hearing
    from people.models import Organisation

    person_names, person_lookups = _columns(Person, "person")
    organisation_names, organisation_lookups = _columns(Organisation, "organisation")
    parts: list[Any] = []
    if ids.get("event"):
        parts.append(
            EventParticipant.objects.filter(event_id__in=ids["event"])
            .annotate(
                kind=Value("event", output_field=CharField()), record=F("event_id"), row=F("pk")
            )
            .values_list("kind", "record", "row", *person_lookups, *organisation_lookups)
            .order_by()
        )
    if ids.get("hearing"):
        nothing = {
            f"no_{name}": Value(
                None,
                output_field=(
                    field.target_field if field.is_relation else field  # type: ignore[attr-defined]
                ).clone(),
            )
            for name, field in zip(
                organisation_names, Organisation._meta.concrete_fields, strict=True
            )
        }
        # The defendants, then the judge (`row` orders them); a union matches columns by
        # position, so each part names its own (Hearing has a field `kind` of its own).
        for rows, record, row, path in (
            (Hearing.defendants.through.objects.all(), "hearing_id", 0, "person"),
            (Hearing.objects.filter(judge__isnull=False), "pk", 1, "judge"),
        ):
            parts.append(
                rows.filter(**{f"{record}__in": ids["hearing"]})
                .annotate(
                    owner_kind=Value("hearing", output_field=CharField()),
                    record=F(record),
                    row=Value(row, output_field=IntegerField()),
                    **nothing,
                )
                .values_list("owner_kind", "record", "row", *_columns(Person, path)[1], *nothing)
                .order_by()
            )
    persons: dict[tuple[str, int], list] = {}
    organisations: dict[tuple[str, int], list] = {}
    if not parts:
        return persons, organisations
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    width = len(person_names)
    ordered: list[tuple] = []
    for kind, record, row, *values in rows:
        person = (
            _row_instance(Person, person_names, values[:width]) if values[0] is not None else None
        )
        organisation = (
            _row_instance(Organisation, organisation_names, values[width:])
            if values[width] is not None
            else None
        )
        ordered.append(((kind, record), row, person, organisation))
    # Participants in the order recorded; defendants in the order of names (Person.Meta).
    name_order = [str(field) for field in Person._meta.ordering or []]
    ordered.sort(
        key=lambda found: (
            found[1],
            tuple(getattr(found[2], field) or "" for field in name_order) if found[2] else (),
            found[2].pk if found[2] else 0,
        )
    )
    for owner, _row, person, organisation in ordered:
        if person is not None:
            persons.setdefault(owner, []).append(person)
        if organisation is not None:
            organisations.setdefault(owner, []).append(organisation)
    return persons, organisations


register_timeline_provider(_casefiles_provider, kinds=CASEFILES_KINDS, complete=_complete_casefiles)
