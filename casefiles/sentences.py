"""The one home of a sentence's current state: its total and its expected release,
computed from the chain of SentenceSteps (imposed, increased, reduced, overturned, served).

The case page, the timeline and (later) the brief, dashboard and letters read these values
rather than computing their own.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from casefiles.choices import SentenceKind, SentenceStepKind
from casefiles.models import SENTENCE_MONTHS_MAX, Case, Detention, SentenceStep
from casefiles.selectors import CustodyRun, custody_runs
from casefiles.services import add_months
from people.dates import DatePrecision, format_partial_date
from people.models import Person

# Within one day, the verdict comes before what changed it.
_STEP_ORDER = {
    SentenceStepKind.IMPOSED: 0,
    SentenceStepKind.INCREASED: 1,
    SentenceStepKind.REDUCED: 2,
    SentenceStepKind.OVERTURNED: 3,
    SentenceStepKind.SERVED: 4,
}


def months_display(months: int) -> str:
    """144 → "12 years"; 150 → "12 years and 6 months"; 6 → "6 months"."""
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rest or not years:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " and ".join(parts)


_LENGTH = re.compile(
    r"^\s*(?:(?P<years>\d{1,3})\s*(?:y|yrs?|years?))?\s*(?:and\s*|,\s*)?"
    r"(?:(?P<months>\d{1,4})\s*(?:m|mo|months?))?\s*$",
    re.IGNORECASE,
)


def sentence_length_parse(text: str) -> int:
    """'12 years' → 144; '2 years and 6 months', '2y 6m', '18 months' too."""
    match = _LENGTH.match(text or "")
    if not match or not (match["years"] or match["months"]):
        raise ValidationError(
            f"“{text}” is not a length: write years and months, e.g. “12 years” or "
            "“2 years and 6 months”."
        )
    months = int(match["years"] or 0) * 12 + int(match["months"] or 0)
    if months == 0:
        raise ValidationError("The length must be at least one month.")
    if months > SENTENCE_MONTHS_MAX:
        raise ValidationError(f"The length is too long: at most {SENTENCE_MONTHS_MAX // 12} years.")
    return months


@dataclass(frozen=True)
class SentenceSummary:
    """Where a person's sentence in a case stands after every recorded step."""

    months: int = 0
    kind: str = ""
    imposed: bool = False
    overturned: bool = False
    served: bool = False
    release_on: datetime.date | None = None
    release_precision: str = DatePrecision.DAY
    # True when the release date was entered (a scheduled release), not computed.
    release_scheduled: bool = False

    @property
    def kind_label(self) -> str:
        return SentenceKind(self.kind).label if self.kind else ""

    @property
    def total_display(self) -> str:
        """'12 years', 'overturned', or '' when nothing was imposed."""
        if self.overturned:
            return "overturned"
        if not self.imposed:
            return ""
        return months_display(self.months)

    @property
    def release_display(self) -> str:
        if self.release_on is None:
            return ""
        return format_partial_date(self.release_on, self.release_precision)

    @property
    def in_force(self) -> bool:
        """Imposed, and neither overturned nor served yet."""
        return self.imposed and not self.overturned and not self.served

    @property
    def sentence_phrase(self) -> str:
        """'12 years of imprisonment' (for a letter's prose); '' when none stands."""
        if not self.imposed or self.overturned:
            return ""
        total = months_display(self.months)
        if self.kind in (SentenceKind.FINE, SentenceKind.OTHER, ""):
            return total
        return f"{total} of {self.kind_label.lower()}"


def _ordered(steps: Iterable[SentenceStep]) -> list[SentenceStep]:
    return sorted(
        steps,
        key=lambda step: (
            step.occurred_on,
            _STEP_ORDER.get(SentenceStepKind(step.kind), 9),
            step.pk or 0,
        ),
    )


def sentence_current(
    steps: Iterable[SentenceStep], *, custody_since: datetime.date | None = None
) -> SentenceSummary:
    """The total and the expected release after one person's steps in one case.

    A later imposed sentence (a retrial) replaces the earlier one; increases and reductions
    change the total; an overturn ends it. The expected release is the scheduled release
    entered on a step, until a later step changes the length; otherwise the day the sentence
    counts from (the imposed step's date, or `custody_since` when the step counts time
    already held) plus the total, known as precisely as that day. A served step's date is
    the release.
    """
    months, kind, start = 0, "", None
    start_precision: str = DatePrecision.DAY
    imposed = overturned = served = False
    scheduled: tuple[datetime.date, str] | None = None
    released: tuple[datetime.date, str] | None = None
    for step in _ordered(steps):
        if step.kind == SentenceStepKind.IMPOSED:
            months, kind = step.months or 0, step.sentence_kind
            imposed, overturned, served, released, scheduled = True, False, False, None, None
            start, start_precision = step.occurred_on, step.precision
            if step.counts_time_held and custody_since and custody_since < step.occurred_on:
                start, start_precision = custody_since, DatePrecision.DAY
        elif step.kind == SentenceStepKind.INCREASED:
            months += step.months or 0
            scheduled = None
        elif step.kind == SentenceStepKind.REDUCED:
            months = max(0, months - (step.months or 0))
            scheduled = None
        elif step.kind == SentenceStepKind.OVERTURNED:
            months, overturned, scheduled = 0, True, None
        elif step.kind == SentenceStepKind.SERVED:
            served, released = True, (step.occurred_on, step.precision)
        if step.scheduled_release_on:
            scheduled = (step.scheduled_release_on, step.scheduled_release_precision)

    release: tuple[datetime.date, str] | None = None
    if overturned:
        release = None
    elif released:
        release = released
    elif scheduled:
        release = scheduled
    elif start and months:
        release = (add_months(start, months), start_precision)
    return SentenceSummary(
        months=months,
        kind=kind,
        imposed=imposed,
        overturned=overturned,
        served=served,
        release_on=release[0] if release else None,
        release_precision=release[1] if release else DatePrecision.DAY,
        release_scheduled=bool(scheduled) and release == scheduled and not released,
    )


@dataclass(frozen=True)
class PersonSentence:
    person: Person
    summary: SentenceSummary
    case: Case | None = None


# Given the persons whose verdict counts time already held, their custody runs.
CustodyFor = Callable[[Collection[int]], Iterable[CustodyRun]]


def custody_from(cases: QuerySet[Case], *, today: datetime.date) -> CustodyFor:
    """Custody runs across `cases` (already limited to those the reader may see), fetched
    in one query and only when asked for."""
    return lambda person_ids: custody_runs(
        Detention.objects.filter(case__in=cases, person__in=person_ids), today=today
    )


def _counts_from(steps: list[SentenceStep]) -> SentenceStep | None:
    """The verdict the sentence now runs from, when it counts time already held."""
    imposed = [step for step in _ordered(steps) if step.kind == SentenceStepKind.IMPOSED]
    if imposed and imposed[-1].counts_time_held:
        return imposed[-1]
    return None


def _run_start(
    runs: Iterable[CustodyRun], *, person_id: int, on: datetime.date
) -> datetime.date | None:
    """The start of the person's custody run that was going on when the verdict came."""
    for run in runs:
        if run.person.pk != person_id or run.started_on > on:
            continue
        if run.ended_on is None or run.ended_on >= on:
            return run.started_on
    return None


def sentences_current(
    steps: QuerySet[SentenceStep] | list[SentenceStep], *, custody: CustodyFor | None = None
) -> list[PersonSentence]:
    """Each person's current sentence in each case among `steps` (already limited to the
    cases the reader may see), by name then case. One query for the steps; one more, through
    `custody`, only when a verdict counts time already held (it runs from the start of the
    custody run that covers the verdict)."""
    chains: dict[tuple[int, int], list[SentenceStep]] = {}
    if isinstance(steps, QuerySet):
        steps = list(steps.select_related("person", "case"))
    for step in steps:
        chains.setdefault((step.case_id, step.person_id), []).append(step)
    verdicts = {key: _counts_from(chain) for key, chain in chains.items()}
    held = {key: verdict for key, verdict in verdicts.items() if verdict is not None}
    runs = list(custody({person_id for _, person_id in held})) if held and custody else []
    sentences = []
    for key, chain in chains.items():
        verdict = held.get(key)
        since = _run_start(runs, person_id=key[1], on=verdict.occurred_on) if verdict else None
        sentences.append(
            PersonSentence(
                person=chain[0].person,
                case=chain[0].case,
                summary=sentence_current(chain, custody_since=since),
            )
        )
    return sorted(
        sentences,
        key=lambda sentence: (sentence.person.name, sentence.person.pk, sentence.case.reference),  # type: ignore[union-attr]
    )


def sentences_for_case(case: Case, *, custody: CustodyFor | None = None) -> list[PersonSentence]:
    """Each sentenced person's current sentence in the case, by name; one query (two when a
    verdict counts time already held and `custody` is given)."""
    # The case page has them loaded already (selectors.case_for_page).
    cache = getattr(case, "_prefetched_objects_cache", {})
    steps = (
        list(cache["sentence_steps"]) if "sentence_steps" in cache else case.sentence_steps.all()
    )
    return sentences_current(steps, custody=custody)


def sentences_in_force(
    runs: list[CustodyRun], *, cases: QuerySet[Case], today: datetime.date
) -> dict[int, PersonSentence]:
    """For each person held in `runs`, the sentence in force they are serving: the one in
    the case of the measure holding them, else another in force in the visible `cases`.
    Bounded: the steps (1), and their custody runs only when a verdict counts time held (1)."""
    if not runs:
        return {}
    steps = SentenceStep.objects.filter(case__in=cases, person__in=[run.person.pk for run in runs])
    in_force: dict[int, list[PersonSentence]] = {}
    for sentence in sentences_current(steps, custody=custody_from(cases, today=today)):
        if sentence.summary.in_force:
            in_force.setdefault(sentence.person.pk, []).append(sentence)
    chosen = {}
    for run in runs:
        candidates = in_force.get(run.person.pk, [])
        holding_case = run.current.case_id if run.current else None
        matching = [s for s in candidates if s.case and s.case.pk == holding_case]
        if matching or candidates:
            chosen[run.person.pk] = (matching or candidates)[0]
    return chosen
