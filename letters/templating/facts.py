"""The vocabulary of letter templates: plain, frozen facts, never model instances.

A template sees only these dataclasses (and strings, numbers, lists of them), so it can
reach no attribute a letter should not print: no ``notes``, no ``objects``, no ``save``.
They import no Django, so a render can run in a child process (casefiles.sandbox).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class FactDate:
    """A date as precisely as it is known; prints as a letter writes it ("5 June 2021",
    "June 2021", "2021", "about 2021")."""

    day: datetime.date
    precision: str = "day"  # people.dates.DatePrecision values

    @property
    def year(self) -> int:
        return self.day.year

    def __str__(self) -> str:
        if self.precision == "month":
            return f"{MONTHS[self.day.month - 1]} {self.day.year}"
        if self.precision == "year":
            return str(self.day.year)
        if self.precision == "approx":
            return f"about {self.day.year}"
        return f"{self.day.day} {MONTHS[self.day.month - 1]} {self.day.year}"


@dataclass(frozen=True)
class SourceFact:
    id: int
    title: str
    publisher: str = ""
    published_on: FactDate | None = None
    url: str = ""


@dataclass(frozen=True)
class PersonFact:
    name: str  # Latin script, "Bekizhan Mendygazyev"
    title_name: str  # with the form of address, "Mr Bekizhan Mendygazyev"
    title: str = ""
    given_name: str = ""
    family_name: str = ""
    name_original: str = ""  # in the person's own script, "Бекжан Мендыгазиев"
    occupation: str = ""
    sources: tuple[SourceFact, ...] = ()

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class DetentionFact:
    person: PersonFact
    measure: str  # "pretrial detention"
    measure_code: str  # "pretrial", "house_arrest", "imprisonment", …
    started_on: FactDate
    term: str = ""  # "2 months"
    planned_end: FactDate | None = None
    ended_on: FactDate | None = None
    facility: str = ""
    is_current: bool = False
    days_in_custody: int = 0
    case_reference: str = ""
    sources: tuple[SourceFact, ...] = ()


@dataclass(frozen=True)
class SentenceFact:
    person: PersonFact
    phrase: str  # "12 years of imprisonment"
    length: str = ""  # "12 years"
    kind: str = ""  # "imprisonment"
    in_force: bool = False
    release_on: FactDate | None = None
    case_reference: str = ""
    sources: tuple[SourceFact, ...] = ()

    def __str__(self) -> str:
        return self.phrase


@dataclass(frozen=True)
class ChargeFact:
    person: PersonFact
    wording: str  # the offence as the code words it
    article: str = ""  # "Art. 262, Part 2 of the CC"; "" when only described
    status: str = ""  # "charged", "convicted", …
    status_code: str = ""
    brought_on: FactDate | None = None
    decided_on: FactDate | None = None
    is_convicted: bool = False
    is_acquitted: bool = False
    is_pending: bool = False
    outcome: str = ""  # "convicted on 5 June 2022", "" while pending
    sentence: SentenceFact | None = None
    case_reference: str = ""
    sources: tuple[SourceFact, ...] = ()


@dataclass(frozen=True)
class HearingFact:
    held_on: FactDate
    kind: str  # "appeal", "trial", …
    kind_code: str
    court: str = ""
    judge: str = ""
    defendants: tuple[PersonFact, ...] = ()
    is_upcoming: bool = False
    postponed: bool = False
    case_reference: str = ""
    sources: tuple[SourceFact, ...] = ()


@dataclass(frozen=True)
class EventFact:
    occurred_on: FactDate
    kind: str  # "UN opinion", "search", …
    kind_code: str
    title: str
    description: str = ""
    place: str = ""
    is_un_opinion: bool = False
    case_reference: str = ""
    sources: tuple[SourceFact, ...] = ()


@dataclass(frozen=True)
class TargetedFact:
    """A relative or associate targeted because of the prisoner."""

    person: PersonFact
    role: str  # "targeted relative", "targeted associate"
    relation: str = ""  # "brother of Bekizhan Mendygazyev"
    is_relative: bool = False
    case_reference: str = ""
    sources: tuple[SourceFact, ...] = ()


@dataclass(frozen=True)
class HealthFact:
    person: PersonFact
    condition: str
    noted_on: FactDate | None = None
    sources: tuple[SourceFact, ...] = ()


@dataclass(frozen=True)
class CaseFact:
    reference: str
    title: str
    country: str
    prisoners: tuple[PersonFact, ...] = ()
    sources: tuple[SourceFact, ...] = field(default=())


# What a template may name, and what each is: shown on the template page and in docs.
REFERENCE: tuple[tuple[str, str], ...] = (
    ("cases", "every case the letter is about: .reference, .title, .country, .prisoners"),
    ("case", "the first of them"),
    ("country", 'the first case\'s country ("Kazakhstan")'),
    ("prisoners", "the political prisoners of all the cases (persons)"),
    ("prisoner", "the first of them, or none"),
    (
        "person",
        '.name (Latin script), .title_name ("Mr …"), .name_original (own script), '
        ".title, .given_name, .family_name, .occupation",
    ),
    ("detentions", "every detention, newest first"),
    ("current_detentions", "detentions that have not ended; current_detention: the first"),
    ("past_detentions", "detentions that have ended"),
    (
        "detention",
        '.person, .measure ("pretrial detention"), .measure_code, .started_on, .term '
        '("2 months"), .planned_end, .ended_on, .facility, .is_current, .days_in_custody',
    ),
    ("charges", "every charge, oldest first"),
    (
        "charge",
        '.person, .article ("Art. 262, Part 2 of the CC"), .wording (as the code words it), '
        ".status, .status_code, .brought_on, .decided_on, .is_convicted, .is_acquitted, "
        ".is_pending, .outcome, .sentence",
    ),
    ("convicted", "true when a charge against a political prisoner ended in a conviction"),
    ("sentences", "sentences standing after every appeal, one per person and case"),
    (
        "sentence",
        '.person, .phrase ("12 years of imprisonment"), .length, .kind, .in_force, .release_on',
    ),
    ("hearings", "every hearing; past_hearings, upcoming_hearings; next_hearing or none"),
    (
        "hearing",
        '.held_on, .kind ("appeal"), .kind_code, .court, .judge, .defendants, '
        ".is_upcoming, .postponed",
    ),
    ("events", "every event, oldest first; un_opinions: the UN bodies' opinions"),
    ("event", ".occurred_on, .kind, .kind_code, .title, .description, .place, .is_un_opinion"),
    ("targeted", "relatives and associates targeted: .person, .role, .relation, .is_relative"),
    (
        "health_conditions",
        "only for an author with the Health data role (otherwise undefined): "
        ".person, .condition, .noted_on",
    ),
    ("sources", "every source of the cases: .id, .title, .publisher, .published_on, .url"),
    ("today", "today's date"),
    ("every fact", ".sources; {{ fact|cite }} prints its footnotes"),
)
