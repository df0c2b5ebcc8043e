"""One sentence about one fact of a case, written as a letter writes it.

"Insert fact" on the letter editor puts one of these into the body: an event, a charge, a
detention, a hearing or a sentence, with its dates as a letter writes them ("5 June 2021",
"June 2021", "2021", "about 2021" — never more precise than what is known) and the fact's
sources cited after the full stop as ``[^src:ID]`` (the body's footnote markers).

Plain Python over the records' fields: no queries here. The caller hands in the fact with
what it refers to loaded and the ids of the sources it may cite (letters.services_cite).
Free-text notes never appear; neither does a hearing's outcome, which staff write as a note.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from casefiles.choices import (
    ChargeStatus,
    DetentionMeasure,
    HearingKind,
    SentenceKind,
    SentenceStepKind,
)
from casefiles.models import Charge, Detention, Event, Hearing, SentenceStep
from casefiles.sentences import months_display
from people.dates import DatePrecision

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# --- Dates and lists ----------------------------------------------------------------------


def letter_date(day: datetime.date, precision: str = DatePrecision.DAY) -> str:
    """'5 June 2021', 'June 2021', '2021' or 'about 2021': only what is known."""
    if precision == DatePrecision.MONTH:
        return f"{MONTHS[day.month - 1]} {day.year}"
    if precision == DatePrecision.YEAR:
        return str(day.year)
    if precision == DatePrecision.APPROXIMATE:
        return f"about {day.year}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def on_date(day: datetime.date, precision: str = DatePrecision.DAY) -> str:
    """'on 5 June 2021', 'in June 2021', 'in 2021', 'in about 2021'."""
    preposition = "on" if precision == DatePrecision.DAY else "in"
    return f"{preposition} {letter_date(day, precision)}"


def joined(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def citations(source_ids: Iterable[int]) -> str:
    return "".join(f"[^src:{pk}]" for pk in source_ids)


def _sentence(text: str, source_ids: Iterable[int]) -> str:
    """Capitalised, with its full stop and, after it, its citations."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    if not text.endswith((".", "!", "?")):
        text += "."
    return text + citations(source_ids)


def _quoted_title(title: str) -> str:
    """'Money laundering' → 'money laundering', as quoted inside a sentence; acronyms stay."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


# --- Facts --------------------------------------------------------------------------------


def event_sentence(event: Event, source_ids: Iterable[int] = ()) -> str:
    """'On 6 November 2020, in Aksay: Police and NSC search the premises of …'

    An event's title is a headline, so it follows the date after a colon as written.
    """
    when = on_date(event.occurred_on, event.precision)
    where = f", in {event.place}" if event.place else ""
    return _sentence(f"{when}{where}: {event.title.strip()}", source_ids)


def _offence(charge: Charge) -> str:
    article = charge.article if charge.article_id else None
    if article is None:
        return f"on the charge of “{_quoted_title(charge.description)}”"
    return f"under {article.citation} (“{_quoted_title(article.title)}”)"


def charge_sentence(charge: Charge, source_ids: Iterable[int] = ()) -> str:
    """'On 5 June 2021 Bekizhan Mendygazyev was charged under Art. 218, Part 2 of the CC
    (“legalisation of money …”).' — worded by the charge's status."""
    name = charge.person.name
    offence = _offence(charge)
    brought = charge.brought_on and on_date(charge.brought_on, charge.brought_on_precision)
    decided = charge.decided_on and on_date(charge.decided_on, charge.decided_on_precision)
    if charge.status == ChargeStatus.UNDER_INVESTIGATION:
        since = (
            f" since {letter_date(charge.brought_on, charge.brought_on_precision)}"
            if (charge.brought_on)
            else ""
        )
        text = f"{name} has been under investigation{since} {offence}"
    elif charge.status == ChargeStatus.ACQUITTED:
        text = (
            f"{decided} {name} was acquitted {offence}"
            if decided
            else (f"{name} was acquitted {offence}")
        )
    elif charge.status == ChargeStatus.CONVICTED:
        text = (
            f"{decided} {name} was convicted {offence}"
            if decided
            else (f"{name} was convicted {offence}")
        )
    elif charge.status == ChargeStatus.DROPPED:
        text = f"the charge against {name} {offence} was dropped"
        if decided:
            text = f"{decided} {text}"
    else:
        text = (
            f"{brought} {name} was charged {offence}"
            if brought
            else (f"{name} has been charged {offence}")
        )
    return _sentence(text, source_ids)


# How a letter says someone is held under each measure.
_HELD: dict[str, str] = {
    DetentionMeasure.ARREST: "held under arrest",
    DetentionMeasure.PRETRIAL_DETENTION: "held in pretrial detention",
    DetentionMeasure.HOUSE_ARREST: "held under house arrest",
    DetentionMeasure.ADMINISTRATIVE_ARREST: "held under administrative arrest",
    DetentionMeasure.IMPRISONMENT: "imprisoned",
    DetentionMeasure.PROBATION: "on probation under restricted freedom",
    DetentionMeasure.PSYCHIATRIC: "held in forced psychiatric placement",
    DetentionMeasure.OTHER: "held in custody",
}


def detention_sentence(detention: Detention, source_ids: Iterable[int] = ()) -> str:
    """'Bekizhan Mendygazyev has been held in pretrial detention since 5 June 2021; the term
    ordered, 2 months, runs out on 5 August 2021.' — or 'was held … from … to …' once ended."""
    name = detention.person.name
    held = _HELD.get(detention.measure, "held in custody")
    start = letter_date(detention.started_on, detention.started_on_precision)
    by = ""
    if detention.ordered_by_id and detention.ordered_by is not None:
        by = f" by order of {detention.ordered_by.name}"
    where = f" in {detention.facility}" if detention.facility else ""
    if detention.actual_end:
        text = f"{name} was {held}{where}{by} from {start} to {letter_date(detention.actual_end)}"
    else:
        text = f"{name} has been {held}{where}{by} since {start}"
        if detention.term_display and detention.planned_end:
            text += (
                f"; the term ordered, {detention.term_display}, runs out on "
                f"{letter_date(detention.planned_end)}"
            )
        elif detention.term_display:
            text += f" for a term of {detention.term_display}"
    return _sentence(text, source_ids)


_HEARING: dict[str, str] = {
    HearingKind.DETENTION: "a hearing on the measure of restraint",
    HearingKind.EXTENSION: "a hearing on extending the detention",
    HearingKind.PRELIMINARY: "a preliminary hearing",
    HearingKind.TRIAL: "a trial hearing",
    HearingKind.VERDICT: "the verdict hearing",
    HearingKind.APPEAL: "an appeal hearing",
    HearingKind.CASSATION: "a cassation hearing",
    HearingKind.PAROLE: "a parole hearing",
    HearingKind.OTHER: "a hearing",
}


def hearing_sentence(
    hearing: Hearing,
    source_ids: Iterable[int] = (),
    *,
    today: datetime.date,
    defendants: Iterable[str] = (),
) -> str:
    """'On 5 June 2021 the Uralsk City Court held a hearing on the measure of restraint in the
    case of Bekizhan Mendygazyev.' — or 'is scheduled for …' when it is still to come."""
    what = _HEARING.get(hearing.kind, "a hearing")
    names = joined(defendants)
    whose = f" in the case of {names}" if names else ""
    court = hearing.court.name if hearing.court_id and hearing.court is not None else ""
    day = letter_date(hearing.held_on)
    at = f" at {court}" if court else ""
    if hearing.postponed:
        the_what = "the " + what.split(" ", 1)[1]
        text = f"{the_what}{whose} set for {day}{at} was postponed"
    elif hearing.held_on > today:
        text = f"{what}{whose} is scheduled for {day}{at}"
    else:
        holder = f"the {court}" if court and not court.lower().startswith("the ") else court
        holder = holder or "the court"
        text = f"on {day} {holder} held {what}{whose}"
    return _sentence(text, source_ids)


def sentence_step_sentence(step: SentenceStep, source_ids: Iterable[int] = ()) -> str:
    """'On 17 May 2021 the Uralsk City Court sentenced Baurzhan Jussupov to 5 years of
    probation.'"""
    name = step.person.name
    when = on_date(step.occurred_on, step.precision)
    court = step.court.name if step.court_id and step.court is not None else ""
    holder = f"the {court}" if court and not court.lower().startswith("the ") else court
    holder = holder or "the court"
    length = months_display(step.months) if step.months else ""
    if step.kind == SentenceStepKind.IMPOSED:
        if step.sentence_kind == SentenceKind.FINE:
            penalty = "a fine"
        elif length:
            penalty = f"{length} of {step.get_sentence_kind_display().lower()}"
        else:
            penalty = step.get_sentence_kind_display().lower()
        text = f"{when} {holder} sentenced {name} to {penalty}"
    elif step.kind in (SentenceStepKind.INCREASED, SentenceStepKind.REDUCED):
        verb = step.get_kind_display().lower()
        text = f"{when} {holder} {verb} the sentence of {name}"
        text += f" by {length}" if length else ""
    elif step.kind == SentenceStepKind.OVERTURNED:
        text = f"{when} {holder} overturned the sentence of {name}"
    else:
        text = f"{when} {name} finished serving the sentence"
    if step.reason and step.kind != SentenceStepKind.IMPOSED:
        text += f" ({step.reason})"
    return _sentence(text, source_ids)
