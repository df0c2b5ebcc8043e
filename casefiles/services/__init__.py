"""Writes behind the staff pages (and anything else that logs facts): atomic, keyword-only.

Each service validates the whole fact before it writes anything, raising ValidationError
with a message per field, so a bad form changes nothing.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import re
import secrets
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from casefiles.choices import PartyRole, TermUnit
from casefiles.models import (
    CalendarFeed,
    Case,
    CaseParty,
    Detention,
    Hearing,
    Reminder,
    ReminderKind,
    Source,
    require_parties,
)
from casefiles.services.persons import NewPerson, errors_into, person_new_checked
from people.dates import DatePrecision, truncate_to_precision
from people.dates import format_partial_date as show_date
from people.models import Organisation, Person

if TYPE_CHECKING:
    from casefiles.services.charges import ChargeDraft

# A hearing further back than this is almost certainly a typo in the year.
HEARING_OLDEST_YEARS = 30
# A hearing further ahead than this is almost certainly a typo in the year too.
HEARING_FURTHEST_YEARS = 10
# The longest ordered term we accept, per unit (life sentences are not terms of detention).
TERM_LONGEST_YEARS = 100
TERM_LONGEST: dict[str, int] = {
    TermUnit.DAYS: 366 * TERM_LONGEST_YEARS,
    TermUnit.MONTHS: 12 * TERM_LONGEST_YEARS,
    TermUnit.YEARS: TERM_LONGEST_YEARS,
}
# How far ahead deadlines are announced by the daily job.
DETENTION_REMINDER_DAYS = 7

_TERM = re.compile(
    r"^\s*(?P<length>\d{1,4})\s*(?P<unit>d|days?|m|mo|months?|y|yrs?|years?)\s*$", re.IGNORECASE
)
_UNITS = {"d": TermUnit.DAYS, "m": TermUnit.MONTHS, "y": TermUnit.YEARS}


def term_parse(text: str) -> tuple[int, str]:
    """'2 months' → (2, 'months'); '10 days', '1 year', '3m' too."""
    match = _TERM.match(text or "")
    if not match:
        raise ValidationError(
            f"“{text}” is not a term: write a number and days, months or years, e.g. “2 months”."
        )
    length = int(match["length"])
    if length == 0:
        raise ValidationError("The ordered term must be at least one day.")
    unit = _UNITS[match["unit"][0].lower()]
    term_check(length=length, unit=unit)
    return length, unit


def term_check(*, length: int, unit: str) -> None:
    """Refuse a term longer than any court orders (a typo such as “9999 years”)."""
    longest = TERM_LONGEST.get(unit)
    if longest is not None and length > longest:
        raise ValidationError(
            f"The term is too long: at most {longest:,} {unit} ({TERM_LONGEST_YEARS} years)."
        )


def add_months(start: datetime.date, months: int) -> datetime.date:
    """5 June + 2 months = 5 August; 31 January + 1 month = 28/29 February."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def term_end(*, started_on: datetime.date, length: int, unit: str) -> datetime.date:
    """The day the ordered term runs out, counted the way the court order counts it.

    Raises ValidationError, never ValueError or OverflowError, for a term that is too long
    or that would end past the calendar, so that every form can show it as a message."""
    term_check(length=length, unit=unit)
    try:
        if unit == TermUnit.DAYS:
            return started_on + datetime.timedelta(days=length)
        if unit == TermUnit.MONTHS:
            return add_months(started_on, length)
        if unit == TermUnit.YEARS:
            return add_months(started_on, 12 * length)
    except (ValueError, OverflowError):
        raise ValidationError(
            f"The term is too long: {length} {unit} from {show_date(started_on)} "
            "runs past the calendar."
        ) from None
    raise ValueError(f"unknown term unit {unit!r}")


def case_creator_assign(*, case: Case, user: User) -> None:
    """Whoever opens a case is on its staff: a restricted case would otherwise vanish from
    its own creator on save (only assigned staff see it)."""
    case.assigned_staff.add(user)


@transaction.atomic
def detention_log(
    *,
    case: Case,
    person: Person,
    measure: str,
    started_on: datetime.date,
    started_on_precision: str = DatePrecision.DAY,
    term_length: int | None = None,
    term_unit: str = "",
    planned_end: datetime.date | None = None,
    actual_end: datetime.date | None = None,
    facility: str = "",
    ordered_by: Organisation | None = None,
    sources: Iterable[Source] = (),
    notes: str = "",
) -> Detention:
    """Record a measure of restraint; the planned end follows from the ordered term when
    the start is known to the day (from "April 2018" it would be a guess)."""
    require_parties(case, [person], "person")
    started_on = truncate_to_precision(started_on, started_on_precision)
    errors: dict[str, str] = {}
    if (
        term_length
        and term_unit
        and planned_end is None
        and started_on_precision == DatePrecision.DAY
    ):
        try:
            planned_end = term_end(started_on=started_on, length=term_length, unit=term_unit)
        except ValidationError as error:
            errors["term_length"] = " ".join(error.messages)
    if actual_end and actual_end < started_on:
        errors["actual_end"] = (
            f"The detention cannot end ({show_date(actual_end)}) "
            f"before it starts ({show_date(started_on, started_on_precision)})."
        )
    if planned_end and planned_end < started_on:
        errors["planned_end"] = "The planned end cannot be before the detention starts."
    if errors:
        raise ValidationError(errors)
    detention = Detention(
        case=case,
        person=person,
        measure=measure,
        started_on=started_on,
        started_on_precision=started_on_precision,
        term_length=term_length,
        term_unit=term_unit if term_length else "",
        planned_end=planned_end,
        actual_end=actual_end,
        facility=facility,
        ordered_by=ordered_by,
        notes=notes,
    )
    detention.full_clean()
    detention.save()
    detention.sources.set(sources)
    return detention


def hearing_date_check(held_on: datetime.date, *, field: str = "held_on") -> None:
    """Refuse a hearing date so far back or ahead that the year is surely a typo."""
    # add_months, not date.replace(year=…), which fails when today is 29 February.
    today = timezone.localdate()
    oldest = add_months(today, -12 * HEARING_OLDEST_YEARS)
    furthest = add_months(today, 12 * HEARING_FURTHEST_YEARS)
    if held_on < oldest:
        raise ValidationError(
            {
                field: f"{show_date(held_on)} is more than {HEARING_OLDEST_YEARS} years ago; "
                "check the year."
            }
        )
    if held_on > furthest:
        raise ValidationError(
            {
                field: f"{show_date(held_on)} is more than {HEARING_FURTHEST_YEARS} years "
                "ahead; check the year."
            }
        )


@transaction.atomic
def hearing_log(
    *,
    case: Case,
    held_on: datetime.date,
    kind: str,
    defendants: Iterable[Person] = (),
    starts_at: datetime.time | None = None,
    court: Organisation | None = None,
    judge: Person | None = None,
    outcome: str = "",
    sources: Iterable[Source] = (),
) -> Hearing:
    """Record a court hearing, past or scheduled."""
    defendants = list(defendants)
    require_parties(case, defendants, "defendants")
    hearing_date_check(held_on)
    hearing = Hearing(
        case=case,
        held_on=held_on,
        starts_at=starts_at,
        kind=kind,
        court=court,
        judge=judge,
        outcome=outcome,
    )
    hearing.full_clean()
    hearing.save()
    hearing.defendants.set(defendants)
    hearing.sources.set(sources)
    return hearing


# --- Opening a case -------------------------------------------------------------------


@dataclass(frozen=True)
class FirstDetention:
    measure: str
    started_on: datetime.date
    term_length: int | None = None
    term_unit: str = ""


@dataclass(frozen=True)
class FirstHearing:
    kind: str
    held_on: datetime.date
    court: Organisation | None = None


@dataclass(frozen=True)
class NewSource:
    url: str
    title: str
    publisher: str = ""
    published_on: datetime.date | None = None


def _prefixed(error: ValidationError, prefix: str) -> dict[str, list[str]]:
    """A part's errors keyed as the New case form names its fields (person_…, source_…)."""
    if not hasattr(error, "error_dict"):
        return {NON_FIELD_ERRORS: error.messages}
    return {
        (field if field == NON_FIELD_ERRORS else f"{prefix}{field}"): messages
        for field, messages in error.message_dict.items()
    }


@transaction.atomic
def case_open(
    *,
    created_by: User,
    person: Person | None = None,
    new_person: NewPerson | None = None,
    country: str,
    title: str,
    reference: str,
    summary: str = "",
    restricted: bool = False,
    detention: FirstDetention | None = None,
    source: NewSource | None = None,
    charges: Sequence[ChargeDraft] = (),
    hearing: FirstHearing | None = None,
    colleagues: Iterable[User] = (),
) -> Case:
    """Open a case from the news in one go: the person (picked or new), the case with the
    person as its political prisoner and its creator (and any colleagues) on its staff, the
    first detention, the charges against the person (articles created in place in the
    case's country), the first hearing and the source it cites. Every part is checked; any
    refusal writes nothing.

    Errors are keyed by the New case form's fields: person_…, detention_…, source_…,
    charges-<row>-…, hearing_…, colleagues, and the case's own fields unprefixed."""
    from casefiles.selectors import staff_assignable
    from casefiles.services.charges import charges_bring

    errors: dict[str, list[str]] = {}
    colleagues = list(colleagues)
    assignable = set(
        staff_assignable()
        .filter(pk__in=[user.pk for user in colleagues])
        .values_list("pk", flat=True)
    )
    if any(user.pk not in assignable for user in colleagues):
        errors["colleagues"] = ["Only active Editors can be put on a case's staff."]
    if (person is None) == (new_person is None):
        raise ValidationError({"person": "Pick a known person or type a new one, not both."})
    if (
        person is not None
        and not Person.objects.visible_to(created_by).filter(pk=person.pk).exists()
    ):
        raise ValidationError({"person": "Pick a known person or type a new one."})
    if new_person is not None:
        person = person_new_checked(new_person, user=created_by, errors=errors, prefix="person_")
    case = Case(
        country=country, title=title, reference=reference, summary=summary, restricted=restricted
    )
    errors_into(errors, case)
    cited: Source | None = None
    if source is not None:
        cited = Source(
            url=source.url,
            title=source.title,
            publisher=source.publisher,
            published_on=source.published_on,
        )
        errors_into(errors, cited, "source_")
    if errors:
        raise ValidationError(errors)
    assert person is not None  # picked, or built from new_person above
    if person.pk is None:
        person.save()
    case.save()
    CaseParty.objects.create(case=case, person=person, role=PartyRole.POLITICAL_PRISONER)
    case_creator_assign(case=case, user=created_by)
    case.assigned_staff.add(*colleagues)
    if cited is not None:
        cited.save()
    cites = [cited] if cited else []
    # Each part's refusals are gathered, so that the page shows them all at once; raising
    # them out of the atomic block rolls back the person, case and source written above.
    if detention is not None:
        try:
            detention_log(
                case=case,
                person=person,
                measure=detention.measure,
                started_on=detention.started_on,
                term_length=detention.term_length,
                term_unit=detention.term_unit,
                sources=cites,
            )
        except ValidationError as error:
            _merge(errors, _prefixed(error, "detention_"))
    if charges:
        try:
            for charge in charges_bring(
                case=case, person=person, charges=charges, prefix="charges-"
            ):
                charge.sources.set(cites)
        except ValidationError as error:
            # The rows have no decision date: a decided status is what needs one.
            _merge(
                errors,
                {
                    field.replace("-decided_on", "-status"): messages
                    for field, messages in error.message_dict.items()
                },
            )
    if hearing is not None:
        try:
            hearing_log(
                case=case,
                held_on=hearing.held_on,
                kind=hearing.kind,
                court=hearing.court,
                defendants=[person],
                sources=cites,
            )
        except ValidationError as error:
            _merge(errors, _prefixed(error, "hearing_"))
    if errors:
        raise ValidationError(errors)
    return case


def _merge(errors: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for field, messages in more.items():
        errors.setdefault(field, []).extend(messages)


# --- Deadlines -------------------------------------------------------------------------


def _recipients(case: Case) -> list[str]:
    return sorted({user.email for user in case.assigned_staff.all() if user.email})


@transaction.atomic
def reminders_create_due(*, today: datetime.date) -> list[Reminder]:
    """Create the reminders due today: detention terms ending within a week, tomorrow's
    hearings. Running it again the same day (or the next) creates nothing new."""
    created: list[Reminder] = []
    horizon = today + datetime.timedelta(days=DETENTION_REMINDER_DAYS)
    detentions = (
        Detention.objects.filter(
            actual_end__isnull=True, planned_end__gte=today, planned_end__lte=horizon
        )
        .with_extension_recorded()
        .select_related("person", "case")
    )
    for detention in detentions:
        planned_end = detention.planned_end
        if planned_end is None:  # excluded by the filter; keeps the type checker informed
            continue
        note = "" if detention.extension_recorded else " — no extension hearing recorded"
        measure = detention.get_measure_display().lower()
        reminder, was_created = Reminder.objects.get_or_create(
            detention=detention,
            due_on=planned_end,
            defaults={
                "kind": ReminderKind.DETENTION_TERM_ENDS,
                "case": detention.case,
                "message": f"{measure.capitalize()} of {detention.person.name} ends "
                f"{show_date(planned_end)}{note} ({detention.case.reference}).",
            },
        )
        if was_created:
            created.append(reminder)
    tomorrow = today + datetime.timedelta(days=1)
    # A postponed hearing does not take place: nothing to announce.
    hearings = Hearing.objects.filter(held_on=tomorrow, postponed=False)
    for hearing in hearings.select_related("case", "court"):
        at = f" at {hearing.starts_at:%H:%M}" if hearing.starts_at else ""
        court = f", {hearing.court.name}" if hearing.court else ""
        reminder, was_created = Reminder.objects.get_or_create(
            hearing=hearing,
            due_on=hearing.held_on,
            defaults={
                "kind": ReminderKind.HEARING_TOMORROW,
                "case": hearing.case,
                "message": f"{hearing.get_kind_display()} hearing tomorrow, "
                f"{show_date(hearing.held_on)}{at}{court} ({hearing.case.reference}).",
            },
        )
        if was_created:
            created.append(reminder)
    return created


def reminder_email(*, reminder_id: int) -> bool:
    """Email one reminder to its case's assigned staff, once; True if it was sent now.

    A reminder nobody can receive, or whose email fails, keeps the reason in `error` (shown
    on the dashboard) and stays unsent, so the daily job tries it again; a failed send is
    also raised so that the task retries it sooner.
    """
    failure: Exception | None = None
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().select_related("case").get(pk=reminder_id)
        if reminder.emailed_at is not None:
            return False
        recipients = _recipients(reminder.case)
        if not recipients:
            reminder.error = (
                f"Nobody was told: case {reminder.case.reference} has no assigned staff "
                "with an email address."
            )
            reminder.save(update_fields=["error"])
            return False
        try:
            send_mail(
                subject=f"[Casefiles] {reminder.get_kind_display()}: {reminder.case.reference}",
                message=f"{reminder.message}\n\nCase: {reminder.case}\n",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        except (OSError, smtplib.SMTPException) as exc:
            failure = exc
            reminder.error = f"Email to {', '.join(recipients)} failed: {exc}"
            reminder.save(update_fields=["error"])
        else:
            reminder.emailed_at = timezone.now()
            reminder.emailed_to = "\n".join(recipients)
            reminder.error = ""
            reminder.save(update_fields=["emailed_at", "emailed_to", "error"])
    if failure is not None:
        raise failure
    return True


# --- Private calendar feeds ------------------------------------------------------------


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_issue(*, user: User) -> tuple[CalendarFeed, str]:
    """Give the user a new feed URL token, revoking any earlier one. The token is returned
    once; only its hash is stored."""
    calendar_feed_revoke(user=user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, token_hash=calendar_token_hash(token))
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# Re-exported, so callers keep writing services.sentence_step_log, services.detention_update…
# At the end: these modules use the helpers above (term_end, add_months, show_date).
from casefiles.services.facts import detention_update, hearing_update  # noqa: E402, F401
from casefiles.services.sentences import (  # noqa: E402, F401
    SentenceChainRefused,
    SentenceStepDraft,
    sentence_step_log,
    sentence_step_update,
    sentence_steps_record,
)
