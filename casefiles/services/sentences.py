"""Writing sentence histories: one step, a whole chain of steps in one go, and corrections.

SentenceStep.clean() holds the rules (a party to the case, not before the verdict, a length
where one is needed); these services apply them to every step before anything is kept.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from casefiles.choices import SentenceStepKind
from casefiles.models import Article, Case, SentenceStep
from people.dates import DatePrecision, format_partial_date, is_before, truncate_to_precision
from people.models import Organisation, Person

# Within one day, the verdict comes before what changed it (as casefiles.sentences orders).
_STEP_ORDER = {
    SentenceStepKind.IMPOSED: 0,
    SentenceStepKind.INCREASED: 1,
    SentenceStepKind.REDUCED: 2,
    SentenceStepKind.OVERTURNED: 3,
    SentenceStepKind.SERVED: 4,
}


@transaction.atomic
def sentence_step_log(
    *,
    case: Case,
    person: Person,
    kind: str,
    occurred_on: datetime.date,
    precision: str = DatePrecision.DAY,
    sentence_kind: str = "",
    months: int | None = None,
    reason: str = "",
    article: Article | None = None,
    court: Organisation | None = None,
    counts_time_held: bool = False,
    scheduled_release_on: datetime.date | None = None,
    scheduled_release_precision: str = DatePrecision.DAY,
    sources: Iterable = (),
    notes: str = "",
) -> SentenceStep:
    """Record one step of a person's sentence; SentenceStep.clean() holds the rules
    (a party to the case, not before the verdict, a length where one is needed)."""
    step = SentenceStep(
        case=case,
        person=person,
        kind=kind,
        occurred_on=occurred_on,
        precision=precision,
        sentence_kind=sentence_kind,
        months=months,
        reason=reason,
        article=article,
        court=court,
        counts_time_held=counts_time_held,
        scheduled_release_on=scheduled_release_on,
        scheduled_release_precision=scheduled_release_precision,
        notes=notes,
    )
    step.full_clean()
    step.save()
    step.sources.set(sources)
    return step


@dataclass(frozen=True)
class SentenceStepDraft:
    """One row of the sentence chain page: a step not yet recorded."""

    kind: str
    occurred_on: datetime.date
    precision: str = DatePrecision.DAY
    sentence_kind: str = ""
    months: int | None = None
    reason: str = ""
    article: Article | None = None
    court: Organisation | None = None
    counts_time_held: bool = False
    scheduled_release_on: datetime.date | None = None
    scheduled_release_precision: str = DatePrecision.DAY
    notes: str = ""


class SentenceChainRefused(ValidationError):
    """A chain of steps of which some could not be recorded; nothing was written.

    `rows` holds, by the draft's position in the list given (0 first), its messages by field
    (NON_FIELD_ERRORS for the step as a whole), so a page can show each where it was typed.
    """

    def __init__(self, rows: dict[int, dict[str, list[str]]]) -> None:
        self.rows = rows
        super().__init__(
            [
                f"Step {index + 1}: {message}"
                for index, fields in sorted(rows.items())
                for messages in fields.values()
                for message in messages
            ]
        )


def _chain_order(drafts: Sequence[SentenceStepDraft]) -> list[int]:
    """Positions of the drafts by date, the verdict first within a day."""
    return sorted(
        range(len(drafts)),
        key=lambda i: (
            truncate_to_precision(drafts[i].occurred_on, drafts[i].precision),
            _STEP_ORDER.get(SentenceStepKind(drafts[i].kind), 9),
            i,
        ),
    )


def _before_the_verdict(
    *, case: Case, person: Person, drafts: Sequence[SentenceStepDraft]
) -> dict[int, dict[str, list[str]]]:
    """Changes dated before the person's first verdict, counting the verdicts in the chain
    too — named on the change itself, not on the verdict saved after it."""
    verdicts = [
        (step.occurred_on, step.precision)
        for step in SentenceStep.objects.filter(
            case=case, person=person, kind=SentenceStepKind.IMPOSED
        )
    ] + [
        (truncate_to_precision(draft.occurred_on, draft.precision), draft.precision)
        for draft in drafts
        if draft.kind == SentenceStepKind.IMPOSED
    ]
    if not verdicts:
        return {}
    first = min(verdicts, key=lambda verdict: verdict[0])
    refused: dict[int, dict[str, list[str]]] = {}
    for index, draft in enumerate(drafts):
        if draft.kind != SentenceStepKind.IMPOSED and is_before(
            draft.occurred_on, draft.precision, *first
        ):
            refused[index] = {
                "occurred_on": [
                    "A sentence step cannot come before the verdict "
                    f"({format_partial_date(*first)})."
                ]
            }
    return refused


@transaction.atomic
def sentence_steps_record(
    *, case: Case, person: Person, steps: Sequence[SentenceStepDraft]
) -> list[SentenceStep]:
    """Record a person's sentence history (the verdict and what changed it) in one go, in
    date order, so each step is checked against those before it. Every step is checked
    before the chain is kept: one refusal raises SentenceChainRefused and writes nothing.
    Returns the steps in the order given."""
    if not steps:
        raise ValidationError("Give at least one step of the sentence.")
    refused = _before_the_verdict(case=case, person=person, drafts=steps)
    recorded: dict[int, SentenceStep] = {}
    for index in _chain_order(steps):
        if index in refused:
            continue
        draft = steps[index]
        step = SentenceStep(case=case, person=person, **draft.__dict__)
        try:
            step.full_clean()
        except ValidationError as error:
            refused[index] = (
                error.message_dict
                if hasattr(error, "error_dict")
                else {NON_FIELD_ERRORS: error.messages}
            )
            continue
        # Saved now, so the steps after it are checked against it.
        step.save()
        recorded[index] = step
    if refused:
        # Raised inside the transaction: the steps saved above are rolled back with it.
        raise SentenceChainRefused(refused)
    return [recorded[index] for index in range(len(steps))]


@transaction.atomic
def sentence_step_update(
    *,
    step: SentenceStep,
    kind: str,
    occurred_on: datetime.date,
    precision: str = DatePrecision.DAY,
    sentence_kind: str = "",
    months: int | None = None,
    reason: str = "",
    article: Article | None = None,
    court: Organisation | None = None,
    counts_time_held: bool = False,
    scheduled_release_on: datetime.date | None = None,
    scheduled_release_precision: str = DatePrecision.DAY,
    notes: str = "",
) -> SentenceStep:
    """Correct one recorded step; the same rules as when it was logged (the person and the
    case stay: a step about someone else is a new step)."""
    step.kind = kind
    step.occurred_on = occurred_on
    step.precision = precision
    step.sentence_kind = sentence_kind
    step.months = months
    step.reason = reason
    step.article = article
    step.court = court
    step.counts_time_held = counts_time_held
    step.scheduled_release_on = scheduled_release_on
    step.scheduled_release_precision = scheduled_release_precision
    step.notes = notes
    step.full_clean()
    step.save()
    return step
