"""Recording what happened in a case: events, with who took part and what reports them.

An event may bring along what it needs, typed in place: a new source and a new organisation
(a UN Working Group, a court abroad). Everything is checked before anything is written, so a
refusal leaves the database as it was.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Model

from casefiles.models import Case, Event, EventParticipant, Source
from casefiles.services import NewSource
from casefiles.services.sources import case_sources
from people.dates import DatePrecision
from people.models import Organisation, Person
from people.visibility import AnyUser as User


@dataclass(frozen=True)
class NewOrganisation:
    """An organisation typed on the event page rather than picked, and its part in the event."""

    name: str
    kind: str
    role: str
    country: str = ""


@dataclass(frozen=True)
class Participant:
    """A person or an organisation and the part they played in the event."""

    role: str
    person: Person | None = None
    organisation: Organisation | None = None


def _clean_into(
    errors: dict[str, list[str]],
    record: Model,
    field_names: dict[str, str],
    exclude: Sequence[str] = (),
) -> None:
    """full_clean `record`, adding its errors under the form's names for its fields."""
    try:
        record.full_clean(exclude=list(exclude) or None)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field_names.get(field, field), []).extend(messages)


def _check_sources(
    errors: dict[str, list[str]], *, case: Case, user: User, sources: Sequence[Source]
) -> None:
    """Only the case's own sources, and only those the user may see, can be cited."""
    offered = set(case_sources(case=case, user=user).values_list("pk", flat=True))
    refused = [source for source in sources if source.pk not in offered]
    if refused:
        errors.setdefault("sources", []).append(
            "Choose among this case's sources; add a new one below."
        )


def _check_participants(
    errors: dict[str, list[str]], *, user: User, participants: Sequence[Participant]
) -> None:
    persons = [p.person.pk for p in participants if p.person is not None]
    organisations = [p.organisation.pk for p in participants if p.organisation is not None]
    seen_persons = set(
        Person.objects.visible_to(user).filter(pk__in=persons).values_list("pk", flat=True)
    )
    seen_organisations = set(
        Organisation.objects.visible_to(user)
        .filter(pk__in=organisations)
        .values_list("pk", flat=True)
    )
    if set(persons) - seen_persons or set(organisations) - seen_organisations:
        errors.setdefault("participants", []).append("Choose people and organisations you see.")


def _write(
    *,
    event: Event,
    user: User,
    sources: Sequence[Source],
    new_source: NewSource | None,
    new_organisation: NewOrganisation | None,
    participants: Sequence[Participant],
    replace_participants: bool,
    kept_sources: Sequence[Source] = (),
) -> Event:
    """Validate the event and everything it brings along, then write it all."""
    if replace_participants:
        # The posted participants replace the recorded ones, so the date is checked against
        # them, not the old ones. A refusal below rolls this back with the rest (each
        # removal is kept in the participants' history).
        for old in event.participants.all():
            old.delete()
    errors: dict[str, list[str]] = {}
    _clean_into(errors, event, {})
    _check_sources(errors, case=event.case, user=user, sources=sources)
    _check_participants(errors, user=user, participants=participants)
    cited: Source | None = None
    if new_source is not None:
        cited = Source(
            url=new_source.url,
            title=new_source.title,
            publisher=new_source.publisher,
            published_on=new_source.published_on,
        )
        _clean_into(
            errors,
            cited,
            {
                name: f"source_{name}"
                for name in ("url", "title", "publisher", "published_on", NON_FIELD_ERRORS)
            },
        )
    if new_source is not None and not user.has_perm("casefiles.add_source"):
        errors.setdefault("source_url", []).append("You may not add sources.")
    if new_organisation is not None and not user.has_perm("people.add_organisation"):
        errors.setdefault("new_organisation_name", []).append("You may not add organisations.")
    organisation: Organisation | None = None
    rows: list[EventParticipant] = []
    if new_organisation is not None:
        organisation = Organisation(
            name=new_organisation.name,
            kind=new_organisation.kind,
            country=new_organisation.country,
        )
        _clean_into(
            errors,
            organisation,
            {
                "name": "new_organisation_name",
                "kind": "new_organisation_kind",
                "country": "new_organisation_country",
                NON_FIELD_ERRORS: "new_organisation_name",
            },
        )
    for participant in participants:
        row = EventParticipant(
            event=event,
            person=participant.person,
            organisation=participant.organisation,
            role=participant.role,
        )
        # Not the event: a new one has no id until it is written.
        _clean_into(
            errors,
            row,
            {"person": "participants", NON_FIELD_ERRORS: "participants"},
            exclude=["event"],
        )
        rows.append(row)
    if new_organisation is not None:
        row = EventParticipant(event=event, role=new_organisation.role)
        try:
            row.full_clean(exclude=["event", "organisation"], validate_constraints=False)
        except ValidationError as error:
            for messages in error.message_dict.values():
                errors.setdefault("new_organisation_role", []).extend(messages)
        rows.append(row)
    if errors:
        raise ValidationError(errors)

    event.save()
    if cited is not None:
        cited.save()
    event.sources.set([*sources, *kept_sources, *([cited] if cited else [])])
    if organisation is not None:
        organisation.save()
        rows[-1].organisation = organisation
    for row in rows:
        row.event = event
        row.save()
    return event


@transaction.atomic
def event_record(
    *,
    case: Case,
    user: User,
    kind: str,
    title: str,
    occurred_on: datetime.date,
    precision: str = DatePrecision.DAY,
    place: str = "",
    description: str = "",
    sources: Iterable[Source] = (),
    new_source: NewSource | None = None,
    new_organisation: NewOrganisation | None = None,
    participants: Iterable[Participant] = (),
) -> Event:
    """Record an event of a case: a search, an arrest, a UN opinion on the detention, …

    `sources` must be the case's own sources the user may see; `new_source` and
    `new_organisation` are created with it. Errors are keyed as the event form names its
    fields (source_…, new_organisation_…, participants)."""
    event = Event(
        case=case,
        kind=kind,
        title=title,
        occurred_on=occurred_on,
        precision=precision,
        place=place,
        description=description,
    )
    return _write(
        event=event,
        user=user,
        sources=list(sources),
        new_source=new_source,
        new_organisation=new_organisation,
        participants=list(participants),
        replace_participants=False,
    )


@transaction.atomic
def event_update(
    *,
    event: Event,
    user: User,
    kind: str,
    title: str,
    occurred_on: datetime.date,
    precision: str = DatePrecision.DAY,
    place: str = "",
    description: str = "",
    sources: Iterable[Source] = (),
    new_source: NewSource | None = None,
    new_organisation: NewOrganisation | None = None,
    participants: Iterable[Participant] = (),
) -> Event:
    """Change an event: its fields, its sources and its participants, which replace those
    recorded. Sources of the event the user may not see are kept (they cannot be shown
    to be unticked)."""
    participants = list(participants)
    event.kind = kind
    event.title = title
    event.occurred_on = occurred_on
    event.precision = precision
    event.place = place
    event.description = description
    visible = case_sources(case=event.case, user=user)
    hidden = list(event.sources.exclude(pk__in=visible.values("pk")))
    updated = _write(
        event=event,
        user=user,
        sources=list(sources),
        new_source=new_source,
        new_organisation=new_organisation,
        participants=participants,
        replace_participants=True,
        kept_sources=hidden,
    )
    return updated
