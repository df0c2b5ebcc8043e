"""Correcting recorded detentions and hearings, with the rules they were logged under.

Detention.clean() holds the detention's rules (a party, not ending before it starts), so the
back office obeys them too; a hearing's date range is checked here, as when it was logged.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from casefiles.models import Detention, Hearing, require_parties
from casefiles.services import hearing_date_check, hearing_log, term_end
from people.dates import DatePrecision, truncate_to_precision
from people.models import Organisation, Person


@transaction.atomic
def detention_update(
    *,
    detention: Detention,
    measure: str,
    started_on: datetime.date,
    started_on_precision: str = DatePrecision.DAY,
    term_length: int | None = None,
    term_unit: str = "",
    planned_end: datetime.date | None = None,
    actual_end: datetime.date | None = None,
    facility: str = "",
    ordered_by: Organisation | None = None,
    notes: str = "",
) -> Detention:
    """Correct a recorded detention, most often to record its end. Left empty, the planned
    end follows from the term when the start is known to the day, as when it was logged."""
    started_on = truncate_to_precision(started_on, started_on_precision)
    if (
        term_length
        and term_unit
        and planned_end is None
        and started_on_precision == DatePrecision.DAY
    ):
        try:
            planned_end = term_end(started_on=started_on, length=term_length, unit=term_unit)
        except ValidationError as error:
            raise ValidationError({"term_length": error.messages}) from error
    detention.measure = measure
    detention.started_on = started_on
    detention.started_on_precision = started_on_precision
    detention.term_length = term_length
    detention.term_unit = term_unit if term_length else ""
    detention.planned_end = planned_end
    detention.actual_end = actual_end
    detention.facility = facility
    detention.ordered_by = ordered_by
    detention.notes = notes
    detention.full_clean()
    detention.save()
    return detention


@transaction.atomic
def hearing_update(
    *,
    hearing: Hearing,
    held_on: datetime.date,
    kind: str,
    defendants: Iterable[Person] = (),
    starts_at: datetime.time | None = None,
    court: Organisation | None = None,
    outcome: str = "",
    postponed: bool = False,
    next_held_on: datetime.date | None = None,
    next_starts_at: datetime.time | None = None,
) -> Hearing:
    """Correct a hearing, or mark it postponed. Given the date it was postponed to, the next
    hearing is logged too (same kind, court and defendants) and linked from this one."""
    defendants = list(defendants)
    require_parties(hearing.case, defendants, "defendants")
    hearing_date_check(held_on)
    if next_held_on is not None:
        if not postponed:
            raise ValidationError(
                {"next_held_on": "Only a postponed hearing is followed by another date."}
            )
        if hearing.postponed_to_id is not None:
            raise ValidationError(
                {
                    "next_held_on": "This hearing was already postponed to another date; "
                    "edit that hearing instead."
                }
            )
        if next_held_on <= held_on:
            raise ValidationError(
                {"next_held_on": "A hearing can only be postponed to a later date."}
            )
    hearing.held_on = held_on
    hearing.kind = kind
    hearing.starts_at = starts_at
    hearing.court = court
    hearing.outcome = outcome
    hearing.postponed = postponed
    if not postponed:
        hearing.postponed_to = None
    hearing.full_clean()
    if next_held_on is not None:
        try:
            hearing.postponed_to = hearing_log(
                case=hearing.case,
                held_on=next_held_on,
                starts_at=next_starts_at,
                kind=kind,
                defendants=defendants,
                court=court,
                judge=hearing.judge,
            )
        except ValidationError as error:
            raise ValidationError(
                {
                    ("next_held_on" if field == "held_on" else field): messages
                    for field, messages in error.message_dict.items()
                }
            ) from error
    hearing.save()
    hearing.defendants.set(defendants)
    return hearing
