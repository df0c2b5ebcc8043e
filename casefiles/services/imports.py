"""Importing a spreadsheet: persons, cases, detentions, charges, events or sources, one row each.

Every row is written through the services the staff pages use (person_create, case_open,
detention_log, charges_bring, event_record, source_add), so it is validated exactly as a form
would be. The preview runs the very same writes inside a transaction that is rolled back, so
what it shows is what the confirmation will do; the confirmation runs them again and keeps
them, all or none. A row already on file (matched on its natural key: a person's name in any
script, a case's reference, a detention's person, measure and start, …) is left as it is, so
importing a file again changes nothing.

Matching reads through `visible_to(user)`: a person of a case the importer may not see is
never matched (nor named): the row creates a new person, as the New case page would.
"""

from __future__ import annotations

import contextvars
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django_countries import countries
from simple_history.signals import pre_create_historical_record

from casefiles import services
from casefiles.choices import CaseStatus, ChargeStatus, DetentionMeasure, EventKind, PartyRole
from casefiles.importing import (
    Column,
    ImportFileError,
    Sheet,
    choice,
    country,
    partial_date,
    sheet_read,
    text,
    yes_no,
)
from casefiles.models import (
    Article,
    Case,
    Charge,
    Detention,
    Event,
    ImportKind,
    ImportRun,
    ImportStatus,
    SearchName,
    Source,
)
from casefiles.search import best_match_first, persons_matching, search_key
from casefiles.services.charges import ChargeDraft, charge_update, charges_bring
from casefiles.services.events import event_record
from casefiles.services.parties import party_add
from casefiles.services.persons import AliasLine, NewPerson, person_create
from casefiles.services.sources import case_facts, source_add, source_attach
from people.choices import AliasKind, Script
from people.dates import DatePrecision, truncate_to_precision
from people.models import Alias, Person

# --- Columns: the headers each kind reads (docs/staff.md lists them) -------------------------

NAME_COLUMNS = (
    Column("name", "Name", ("Name", "Full name", "Person", "Имя", "ФИО", "Полное имя")),
    Column("family_name", "Family name", ("Family name", "Surname", "Last name", "Фамилия")),
    Column(
        "given_name", "Given name", ("Given name", "First name", "Имя (личное)", "Имя и отчество")
    ),
    Column(
        "name_original",
        "Name in original script",
        (
            "Name in original script",
            "Original name",
            "Name (Cyrillic)",
            "Cyrillic name",
            "Имя в оригинале",
            "Имя на кириллице",
            "ФИО на кириллице",
            "ФИО (кириллица)",
        ),
    ),
)
CASE_COLUMN = Column(
    "case", "Case", ("Case", "Case reference", "Reference", "Ref", "Дело", "Номер дела"), True
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.PERSONS: (
        *NAME_COLUMNS,
        Column(
            "birth_date", "Birth date", ("Birth date", "Date of birth", "Born", "Дата рождения")
        ),
        Column("citizenship", "Citizenship", ("Citizenship", "Nationality", "Гражданство")),
        Column(
            "occupation", "Occupation", ("Occupation", "Profession", "Род занятий", "Профессия")
        ),
        Column("residence", "Residence", ("Residence", "Lives in", "Место жительства")),
        Column("home_town", "Home town", ("Home town", "Hometown", "Родной город")),
        Column("aliases", "Other names", ("Other names", "Aliases", "Другие имена", "Псевдонимы")),
    ),
    ImportKind.CASES: (
        Column(
            "reference",
            "Reference",
            ("Reference", "Case reference", "Case", "Ref", "Дело", "Номер дела"),
            True,
        ),
        Column("title", "Title", ("Title", "Case title", "Название", "Название дела"), True),
        Column("country", "Country", ("Country", "Jurisdiction", "Страна"), True),
        Column("status", "Status", ("Status", "Статус")),
        Column("summary", "Summary", ("Summary", "Description", "Описание", "Краткое описание")),
        Column("opened_on", "Opened on", ("Opened on", "Opened", "Дата открытия")),
        Column("restricted", "Restricted", ("Restricted", "Ограниченный доступ")),
        *NAME_COLUMNS,
    ),
    ImportKind.DETENTIONS: (
        CASE_COLUMN,
        *NAME_COLUMNS,
        Column(
            "measure",
            "Measure",
            ("Measure", "Measure of restraint", "Мера пресечения", "Мера"),
            True,
        ),
        Column(
            "started_on",
            "Arrest date",
            (
                "Arrest date",
                "Detained on",
                "Start date",
                "Started on",
                "Дата ареста",
                "Дата задержания",
            ),
            True,
        ),
        Column("term", "Term", ("Term", "Ordered term", "Срок")),
        Column(
            "actual_end",
            "Release date",
            ("Release date", "Released on", "End date", "Дата освобождения"),
        ),
        Column(
            "facility",
            "Facility",
            ("Facility", "Place of detention", "Where held", "Место содержания"),
        ),
        Column("notes", "Notes", ("Notes", "Примечания")),
    ),
    ImportKind.CHARGES: (
        CASE_COLUMN,
        *NAME_COLUMNS,
        Column("article", "Article", ("Article", "Art", "Статья")),
        Column("part", "Part", ("Part", "Часть")),
        Column(
            "article_title",
            "Article title",
            ("Article title", "Offence", "Название статьи", "Состав"),
        ),
        Column("description", "Charge", ("Charge", "Charge description", "Обвинение")),
        Column("brought_on", "Charge date", ("Charge date", "Charged on", "Дата обвинения")),
        Column("status", "Status", ("Status", "Outcome", "Статус", "Итог")),
        Column(
            "decided_on",
            "Verdict date",
            ("Verdict date", "Decided on", "Дата приговора", "Дата решения"),
        ),
    ),
    ImportKind.EVENTS: (
        CASE_COLUMN,
        Column("occurred_on", "Date", ("Date", "Event date", "Дата", "Дата события"), True),
        Column("kind", "Kind", ("Kind", "Type", "Event kind", "Тип", "Вид")),
        Column("title", "Title", ("Title", "Event", "What happened", "Событие", "Название"), True),
        Column("description", "Description", ("Description", "Details", "Описание")),
        Column("place", "Place", ("Place", "Where", "Место")),
    ),
    ImportKind.SOURCES: (
        CASE_COLUMN,
        Column("url", "URL", ("URL", "Link", "Address", "Ссылка"), True),
        Column("title", "Title", ("Title", "Source", "Заголовок", "Источник"), True),
        Column("publisher", "Publisher", ("Publisher", "Published by", "Издание")),
        Column(
            "published_on",
            "Published on",
            ("Published on", "Published", "Date published", "Дата публикации"),
        ),
        Column("fact_date", "Fact date", ("Fact date", "Supports facts of", "Дата факта"), True),
    ),
}

# Russian words for the choices a sheet names (their English labels are accepted as well).
MEASURES_RU = {
    "арест": DetentionMeasure.ARREST,
    "задержание": DetentionMeasure.ARREST,
    "содержание под стражей": DetentionMeasure.PRETRIAL_DETENTION,
    "под стражей": DetentionMeasure.PRETRIAL_DETENTION,
    "pretrial detention": DetentionMeasure.PRETRIAL_DETENTION,
    "домашний арест": DetentionMeasure.HOUSE_ARREST,
    "административный арест": DetentionMeasure.ADMINISTRATIVE_ARREST,
    "лишение свободы": DetentionMeasure.IMPRISONMENT,
    "ограничение свободы": DetentionMeasure.PROBATION,
    "пробация": DetentionMeasure.PROBATION,
    "принудительное лечение": DetentionMeasure.PSYCHIATRIC,
}
CHARGE_STATUSES_RU = {
    "следствие": ChargeStatus.UNDER_INVESTIGATION,
    "обвинён": ChargeStatus.CHARGED,
    "обвинен": ChargeStatus.CHARGED,
    "оправдан": ChargeStatus.ACQUITTED,
    "осуждён": ChargeStatus.CONVICTED,
    "осужден": ChargeStatus.CONVICTED,
    "прекращено": ChargeStatus.DROPPED,
}
CASE_STATUSES_RU = {
    "активное": CaseStatus.ACTIVE,
    "мониторинг": CaseStatus.MONITORING,
    "закрыто": CaseStatus.CLOSED,
}
EVENT_KINDS_RU = {
    "обыск": EventKind.SEARCH,
    "допрос": EventKind.INTERROGATION,
    "арест": EventKind.ARREST,
    "освобождение": EventKind.RELEASE,
    "приговор": EventKind.VERDICT,
    "заявление": EventKind.STATEMENT,
    "пытки": EventKind.ILL_TREATMENT,
    "давление": EventKind.HARASSMENT,
    "другое": EventKind.OTHER,
}


# --- Rows and their outcome ------------------------------------------------------------------

CREATED, UPDATED, MATCHED, ERROR = "created", "updated", "matched", "error"
_STRENGTH = {MATCHED: 0, UPDATED: 1, CREATED: 2}


class RowRefused(Exception):
    """A row that cannot be imported: (column name or "", message) for each reason."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    user: User
    headers: dict[str, str]
    action: str = MATCHED
    lines: list[str] = field(default_factory=list)

    def text(self, name: str) -> str:
        return text(self.values.get(name))

    def did(self, action: str, line: str) -> None:
        if _STRENGTH[action] > _STRENGTH[self.action]:
            self.action = action
        self.lines.append(line)


def _parse(row: Row, parsers: dict[str, Callable[[object], Any]]) -> dict[str, Any]:
    """Each column's value parsed; every unreadable cell refused at once, by its column."""
    parsed: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, parse in parsers.items():
        try:
            parsed[name] = parse(row.values.get(name))
        except ValidationError as error:
            errors.extend((name, message) for message in error.messages)
    if errors:
        raise RowRefused(errors)
    return parsed


def _refused(error: ValidationError, names: dict[str, str]) -> RowRefused:
    """A service's refusal, its fields named as the sheet's columns."""
    if not hasattr(error, "error_dict"):
        return RowRefused([("", message) for message in error.messages])
    return RowRefused(
        [
            (names.get(name, "" if name == NON_FIELD_ERRORS else name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    )


# --- Persons: matched by name in any script before one is created ----------------------------

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


def _script(name: str) -> str:
    if _CYRILLIC.search(name):
        return Script.CYRILLIC
    return Script.LATIN if _LATIN.search(name) else Script.OTHER


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _words_close(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    return _edit_distance(a, b) <= (1 if max(len(a), len(b)) < 8 else 2)


def _names_close(query: str, key: str) -> bool:
    """The same name, its words in any order, each spelled at most a letter or two apart
    ("Bekzhan Mendygaziev" and "Мендыгазиев Бекжан"; not "Mendygazyev" and "Barlyk
    Mendygazyev": a name is matched whole)."""
    words, other = query.split(), key.split()
    if len(words) != len(other) or not words or len(words) > 5:
        return False
    return any(
        all(_words_close(a, b) for a, b in zip(words, order, strict=True))
        for order in itertools.permutations(other)
    )


@dataclass(frozen=True)
class TypedName:
    given_name: str
    family_name: str
    name_original: str

    @property
    def full(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def spellings(self) -> list[str]:
        return [name for name in (self.full, self.name_original) if name]


def _typed_name(row: Row) -> TypedName | None:
    """The person a row names: given and family name (from their columns, or "Name" split
    at its last word), and the name in the original script. None when the row names nobody."""
    name, original = row.text("name"), row.text("name_original")
    family = row.text("family_name")
    if family:
        given = row.text("given_name") or name
    elif name:
        given, _, family = name.rpartition(" ")
    elif original:
        given, _, family = original.rpartition(" ")
    else:
        return None
    return TypedName(given.strip(), family.strip(), original)


# Persons the search offers per spelling whose names are compared word by word.
CANDIDATES = 50


def _person_find(typed: TypedName, persons: QuerySet[Person]) -> tuple[Person | None, bool]:
    """The one person among `persons` who bears the typed name (in any script, near
    spellings too), and whether it was exact. RowRefused when several do."""
    found: dict[int, bool] = {}
    for spelling in typed.spellings:
        query = search_key(spelling)
        if not query:
            continue
        # Best first, so that among many near spellings the closest ones are compared.
        matching = best_match_first(persons_matching(spelling, persons), spelling, owner="person")
        candidates = matching.values_list("pk", flat=True)[:CANDIDATES]
        on_file = SearchName.objects.filter(person__in=list(candidates)).values_list(
            "person", "key", "text"
        )
        for person_id, key, written in on_file:
            same_words = key == query or sorted(key.split()) == sorted(query.split())
            if same_words or _names_close(query, key):
                # Exact: the file writes the name as it is on file, in the same script.
                exact = written.casefold() == spelling.casefold()
                found[person_id] = found.get(person_id, False) or exact
    if not found:
        return None, False
    if len(found) > 1:
        names = "; ".join(sorted(p.name for p in Person.objects.filter(pk__in=found)))
        raise RowRefused(
            [
                (
                    "name",
                    f"{typed.full or typed.name_original} could be any of: {names}. "
                    "Record this row on the staff pages, where you can pick the person.",
                )
            ]
        )
    person_id, exact = next(iter(found.items()))
    return Person.objects.get(pk=person_id), exact


@transaction.atomic
def person_details_fill(*, person: Person, details: dict[str, Any]) -> list[str]:
    """Fill the person's empty fields from an import's row; a field already filled keeps its
    value. Returns the fields filled. The model's validation applies as on every page."""
    filled = []
    for name, value in details.items():
        if value in (None, "") or getattr(person, name) not in (None, ""):
            continue
        setattr(person, name, value)
        filled.append(name)
        if name == "birth_date":
            person.birth_date_precision = details["birth_date_precision"]
        if name == "name_original":
            person.original_script = _script(str(value))
    if filled:
        person.full_clean()
        person.save()
    return filled


PERSON_FIELDS = {
    "family_name": "family_name",
    "given_name": "given_name",
    "name_original": "name_original",
    "original_script": "name_original",
    "birth_date": "birth_date",
    "citizenship": "citizenship",
    "occupation": "occupation",
    "residence": "residence",
    "home_town": "home_town",
    "aliases": "aliases",
    "person_family_name": "name",
    "person_given_name": "name",
    "person_name_original": "name_original",
    "person": "name",
}


def _person_get_or_create(row: Row, typed: TypedName, details: dict[str, Any]) -> Person:
    """The person the row names: one the importer may see who bears the name, or a new one."""
    visible = Person.objects.visible_to(row.user)
    person, exact = _person_find(typed, visible)
    aliases = [str(alias) for alias in details.pop("aliases", None) or []]
    if person is None:
        try:
            person = person_create(
                user=row.user,
                new_person=NewPerson(
                    family_name=typed.family_name,
                    given_name=typed.given_name,
                    name_original=typed.name_original,
                    original_script=_script(typed.name_original) if typed.name_original else "",
                    occupation=str(details.pop("occupation", "") or ""),
                ),
                aliases=[AliasLine(name=a, script=_script(a)) for a in aliases],
            )
            person_details_fill(person=person, details=details)
        except ValidationError as error:
            raise _refused(error, PERSON_FIELDS) from None
        row.did(CREATED, f"Person {person.name} created")
        return person
    how = "" if exact else " (another spelling)"
    row.did(MATCHED, f"Person {person.name} matched{how}")
    try:
        filled = person_details_fill(person=person, details=details)
    except ValidationError as error:
        raise _refused(error, PERSON_FIELDS) from None
    if filled:
        fields = ", ".join(name.replace("_", " ") for name in filled)
        row.did(UPDATED, f"Person {person.name}: {fields} filled in")
    for name in aliases:
        if search_key(name) not in set(person.search_names.values_list("key", flat=True)):
            Alias.objects.create(
                person=person, name=name, script=_script(name), kind=AliasKind.SPELLING
            )
            row.did(UPDATED, f"Person {person.name}: “{name}” added as another name")
    return person


def _row_person(row: Row) -> TypedName:
    typed = _typed_name(row)
    if typed is None or not typed.family_name:
        raise RowRefused([("name", "Give the person's name.")])
    return typed


def import_person(row: Row) -> None:
    typed = _row_person(row)
    parsed = _parse(
        row,
        {
            "birth_date": partial_date,
            "citizenship": country,
            "aliases": lambda v: [a.strip() for a in text(v).split(";") if a.strip()],
        },
    )
    born = parsed["birth_date"]
    details: dict[str, Any] = {
        "birth_date": born[0] if born else None,  # type: ignore[index]
        "birth_date_precision": born[1] if born else DatePrecision.DAY,  # type: ignore[index]
        "name_original": typed.name_original,
        "citizenship": parsed["citizenship"],
        "occupation": row.text("occupation"),
        "residence": row.text("residence"),
        "home_town": row.text("home_town"),
        "aliases": parsed["aliases"],
    }
    _person_get_or_create(row, typed, details)


# --- Cases ------------------------------------------------------------------------------------

CASE_FIELDS = {
    "reference": "reference",
    "title": "title",
    "country": "country",
    "summary": "summary",
    "status": "status",
    "opened_on": "opened_on",
    "restricted": "restricted",
    "colleagues": "",
    **PERSON_FIELDS,
}


def _case_of(row: Row) -> Case:
    reference = row.text("case")
    if not reference:
        raise RowRefused([("case", "Give the case's reference.")])
    case = Case.objects.visible_to(row.user).filter(reference=reference).first()
    if case is None:
        raise RowRefused([("case", f"No case {reference} on file: import the cases first.")])
    return case


def import_case(row: Row) -> None:
    parsed = _parse(
        row,
        {
            "country": country,
            "status": lambda v: choice(v, CaseStatus.choices, CASE_STATUSES_RU),
            "opened_on": partial_date,
            "restricted": yes_no,
        },
    )
    reference = row.text("reference")
    existing = Case.objects.filter(reference=reference).first() if reference else None
    if existing is not None:
        if not Case.objects.visible_to(row.user).filter(pk=existing.pk).exists():
            raise RowRefused([("reference", "A case with this reference exists.")])
        row.did(MATCHED, f"Case {existing.reference} matched")
        typed = _typed_name(row)
        if typed is not None and typed.family_name:
            in_case = Person.objects.filter(case_parties__case=existing).distinct()
            person, _ = _person_find(typed, in_case)
            if person is None:
                person = _person_get_or_create(row, typed, {})
                try:
                    party_add(
                        case=existing,
                        user=row.user,
                        role=PartyRole.POLITICAL_PRISONER,
                        person=person,
                    )
                except ValidationError as error:
                    raise _refused(error, CASE_FIELDS) from None
                row.did(UPDATED, f"{person.name} added to case {existing.reference}")
        return
    typed = _row_person(row)
    visible = Person.objects.visible_to(row.user)
    person, exact = _person_find(typed, visible)
    new_person = None
    if person is None:
        new_person = NewPerson(
            family_name=typed.family_name,
            given_name=typed.given_name,
            name_original=typed.name_original,
            original_script=_script(typed.name_original) if typed.name_original else "",
        )
    try:
        case = services.case_open(
            created_by=row.user,
            person=person,
            new_person=new_person,
            country=str(parsed["country"]),
            title=row.text("title"),
            reference=reference,
            summary=row.text("summary"),
            restricted=bool(parsed["restricted"]),
        )
        opened = parsed["opened_on"]
        if parsed["status"] or opened:
            case.status = str(parsed["status"] or case.status)
            if opened:
                case.opened_on = opened[0]  # type: ignore[index]
            case.full_clean()
            case.save()
    except ValidationError as error:
        raise _refused(error, CASE_FIELDS) from None
    prisoner = case.parties.get().person
    assert prisoner is not None
    if person is None:
        row.did(CREATED, f"Person {prisoner.name} created")
    else:
        how = "" if exact else " (another spelling)"
        row.did(MATCHED, f"Person {prisoner.name} matched{how}")
    row.did(CREATED, f"Case {case.reference} created, {prisoner.name} its political prisoner")


# --- Facts of a case: detentions, charges, events, sources -----------------------------------


def _party_person(row: Row, case: Case) -> Person:
    typed = _row_person(row)
    parties = Person.objects.filter(case_parties__case=case).distinct()
    person, exact = _person_find(typed, parties)
    if person is None:
        raise RowRefused(
            [
                (
                    "name",
                    f"{typed.full or typed.name_original} is not a party to case "
                    f"{case.reference}: add them to the case (or import it) first.",
                )
            ]
        )
    row.did(MATCHED, f"{person.name} in case {case.reference}")
    return person


DETENTION_FIELDS = {
    "started_on": "started_on",
    "term_length": "term",
    "term_unit": "term",
    "actual_end": "actual_end",
    "planned_end": "term",
    "measure": "measure",
    "facility": "facility",
    "notes": "notes",
    "person": "name",
}


def import_detention(row: Row) -> None:
    case = _case_of(row)
    parsed = _parse(
        row,
        {
            "measure": lambda v: choice(v, DetentionMeasure.choices, MEASURES_RU),
            "started_on": partial_date,
            "term": lambda v: services.term_parse(text(v)) if text(v) else None,
            "actual_end": partial_date,
        },
    )
    person = _party_person(row, case)
    started = parsed["started_on"]
    if not started:
        raise RowRefused([("started_on", "Give the date the detention started.")])
    if not parsed["measure"]:
        raise RowRefused([("measure", "Give the measure (arrest, pretrial detention, …).")])
    started_on, precision = started  # type: ignore[misc]
    started_on = truncate_to_precision(started_on, precision)
    measure = str(parsed["measure"])
    known = Detention.objects.filter(
        case=case, person=person, measure=measure, started_on=started_on
    ).first()
    if known is not None:
        row.did(MATCHED, f"Detention from {known.started_on_display} matched")
        return
    term = parsed["term"]
    ended = parsed["actual_end"]
    try:
        detention = services.detention_log(
            case=case,
            person=person,
            measure=measure,
            started_on=started_on,
            started_on_precision=precision,
            term_length=term[0] if term else None,  # type: ignore[index]
            term_unit=term[1] if term else "",  # type: ignore[index]
            actual_end=ended[0] if ended else None,  # type: ignore[index]
            facility=row.text("facility"),
            notes=row.text("notes"),
        )
    except ValidationError as error:
        raise _refused(error, DETENTION_FIELDS) from None
    row.did(CREATED, f"Detention created: {detention}")


_ARTICLE = re.compile(
    r"^(?:art(?:icle)?\.?|ст(?:атья)?\.?)?\s*(?P<number>\d+(?:\.\d+)?)"
    r"(?:\s*(?:,\s*)?(?:\(\s*(?P<paren>\d+)\s*\)|(?:part|p\.|ч\.|часть)\s*(?P<part>\d+)))?"
    r"(?:\s+(?:of the\s+)?(?:cc|ук|criminal code).*)?$",
    re.IGNORECASE,
)

CHARGE_FIELDS = {
    "article": "article",
    "article_number": "article",
    "article_part": "part",
    "article_title": "article_title",
    "description": "description",
    "brought_on": "brought_on",
    "status": "status",
    "decided_on": "decided_on",
    "person": "name",
}


def _article_number(value: object) -> tuple[str, str]:
    raw = text(value)
    if not raw:
        return "", ""
    match = _ARTICLE.match(raw)
    if not match:
        raise ValidationError(
            f"“{raw}” is not an article: write 262, 262 part 2, 262(2) or ст. 262 ч. 2."
        )
    return match["number"], match["paren"] or match["part"] or ""


def import_charge(row: Row) -> None:
    case = _case_of(row)
    parsed = _parse(
        row,
        {
            "article": _article_number,
            "brought_on": partial_date,
            "status": lambda v: choice(v, ChargeStatus.choices, CHARGE_STATUSES_RU),
            "decided_on": partial_date,
        },
    )
    person = _party_person(row, case)
    number, part = parsed["article"]  # type: ignore[misc]
    part = row.text("part") or part
    article = None
    if number:
        article = Article.objects.filter(
            jurisdiction=case.country, number=number, part=part
        ).first()
        if article is None and not row.text("article_title"):
            citation = f"Art. {number}" + (f", Part {part}" if part else "")
            raise RowRefused(
                [
                    (
                        "article",
                        f"{citation} of the code of {countries.name(case.country)} is not on file: "
                        "give its title in an “Article title” column to add it.",
                    )
                ]
            )
    elif not row.text("description"):
        raise RowRefused([("article", "Give the article of the code or describe the charge.")])
    brought, decided = parsed["brought_on"], parsed["decided_on"]
    draft = ChargeDraft(
        article=article,
        article_number="" if article else number,
        article_part="" if article else part,
        article_title="" if article else row.text("article_title"),
        description=row.text("description"),
        brought_on=brought[0] if brought else None,  # type: ignore[index]
        brought_on_precision=brought[1] if brought else DatePrecision.DAY,  # type: ignore[index]
        status=str(parsed["status"] or ChargeStatus.CHARGED),
        decided_on=decided[0] if decided else None,  # type: ignore[index]
        decided_on_precision=decided[1] if decided else DatePrecision.DAY,  # type: ignore[index]
    )
    known = (
        Charge.objects.filter(
            case=case,
            person=person,
            article=article,
            description="" if article else draft.description,
            brought_on=(
                truncate_to_precision(draft.brought_on, draft.brought_on_precision)
                if draft.brought_on
                else None
            ),
        ).first()
        if (article or not number)
        else None
    )
    try:
        if known is None:
            charge = charges_bring(case=case, person=person, charges=[draft])[0]
            row.did(CREATED, f"Charge created: {charge.offence}")
            return
        decided_on = (
            truncate_to_precision(draft.decided_on, draft.decided_on_precision)
            if draft.decided_on
            else None
        )
        if (known.status, known.decided_on) == (draft.status, decided_on):
            row.did(MATCHED, f"Charge matched: {known.offence}")
            return
        charge_update(charge=known, person=person, draft=draft)
        row.did(UPDATED, f"Charge {known.offence}: now {known.get_status_display().lower()}")
    except ValidationError as error:
        raise _refused(error, CHARGE_FIELDS) from None


EVENT_FIELDS = {
    "occurred_on": "occurred_on",
    "precision": "occurred_on",
    "kind": "kind",
    "title": "title",
    "description": "description",
    "place": "place",
}


def import_event(row: Row) -> None:
    case = _case_of(row)
    parsed = _parse(
        row,
        {
            "occurred_on": partial_date,
            "kind": lambda v: choice(v, EventKind.choices, EVENT_KINDS_RU),
        },
    )
    occurred = parsed["occurred_on"]
    if not occurred:
        raise RowRefused([("occurred_on", "Give the date of the event.")])
    occurred_on, precision = occurred  # type: ignore[misc]
    occurred_on = truncate_to_precision(occurred_on, precision)
    kind = str(parsed["kind"] or EventKind.OTHER)
    title = row.text("title")
    known = Event.objects.filter(
        case=case, occurred_on=occurred_on, precision=precision, kind=kind, title=title
    ).first()
    if known is not None:
        row.did(MATCHED, f"Event matched: {known}")
        return
    try:
        event = event_record(
            case=case,
            user=row.user,
            kind=kind,
            title=title,
            occurred_on=occurred_on,
            precision=precision,
            place=row.text("place"),
            description=row.text("description"),
        )
    except ValidationError as error:
        raise _refused(error, EVENT_FIELDS) from None
    row.did(CREATED, f"Event created: {event}")


SOURCE_FIELDS = {
    "url": "url",
    "title": "title",
    "publisher": "publisher",
    "published_on": "published_on",
    "facts": "fact_date",
    "source": "url",
}

_FACT_DATES = {
    "event": ("occurred_on", "precision"),
    "charge": ("brought_on", "brought_on_precision"),
    "detention": ("started_on", "started_on_precision"),
    "hearing": ("held_on", None),
    "sentence-step": ("occurred_on", "precision"),
}


def import_source(row: Row) -> None:
    case = _case_of(row)
    parsed = _parse(row, {"published_on": partial_date, "fact_date": partial_date})
    fact_date = parsed["fact_date"]
    if not fact_date:
        raise RowRefused([("fact_date", "Give the date of the facts the source supports.")])
    day, precision = fact_date  # type: ignore[misc]
    anchors = []
    for fact in case_facts(case):
        date_field, _ = _FACT_DATES[fact.anchor.rsplit("-", 1)[0]]
        value = getattr(fact.record, date_field)
        if value is not None and truncate_to_precision(value, precision) == day:
            anchors.append(fact.anchor)
    if not anchors:
        raise RowRefused(
            [
                (
                    "fact_date",
                    f"Case {case.reference} records nothing on "
                    f"{text(row.values.get('fact_date'))}.",
                )
            ]
        )
    url = row.text("url")
    known = Source.objects.visible_to(row.user).filter(url=url).first() if url else None
    published = parsed["published_on"]
    try:
        if known is None:
            source = source_add(
                case=case,
                title=row.text("title"),
                facts=anchors,
                url=url,
                publisher=row.text("publisher"),
                published_on=published[0] if published else None,  # type: ignore[index]
            )
            row.did(CREATED, f"Source created: {source.title}, cited by {len(anchors)} fact(s)")
            return
        row.did(MATCHED, f"Source matched: {known.title}")
        cited = {
            fact.anchor
            for fact in case_facts(case)
            if fact.record.sources.filter(pk=known.pk).exists()  # type: ignore[attr-defined]
        }
        missing = [anchor for anchor in anchors if anchor not in cited]
        if missing:
            source_attach(case=case, user=row.user, source=known, facts=missing)
            row.did(UPDATED, f"Source {known.title}: now cited by {len(missing)} more fact(s)")
    except ValidationError as error:
        raise _refused(error, SOURCE_FIELDS) from None


IMPORTERS: dict[str, Callable[[Row], None]] = {
    ImportKind.PERSONS: import_person,
    ImportKind.CASES: import_case,
    ImportKind.DETENTIONS: import_detention,
    ImportKind.CHARGES: import_charge,
    ImportKind.EVENTS: import_event,
    ImportKind.SOURCES: import_source,
}


# --- History: every row written is the importer's, and names the import ---------------------

_history_context: contextvars.ContextVar[tuple[User, str] | None] = contextvars.ContextVar(
    "import_history", default=None
)


@contextmanager
def _history_as(user: User, reason: str) -> Iterator[None]:
    token = _history_context.set((user, reason))
    try:
        yield
    finally:
        _history_context.reset(token)


@receiver(pre_create_historical_record, dispatch_uid="import_history_author")
def import_history_author(sender, history_instance, **kwargs) -> None:
    context = _history_context.get()
    if context is None:
        return
    user, reason = context
    history_instance.history_user = user
    history_instance.history_change_reason = reason[:100]
    if hasattr(history_instance, "history_username"):
        history_instance.history_username = user.get_username()


# --- Running an import -----------------------------------------------------------------------


def _label(sheet: Sheet, kind: str, name: str) -> str:
    column = next((c for c in COLUMNS[kind] if c.name == name), None)
    if column is None:
        return name.replace("_", " ")
    label = column.label.lower()
    header = sheet.headers.get(name)
    if header and header.casefold() != column.label.casefold():
        return f"{label} ({header})"
    return label


@dataclass
class Outcome:
    rows: list[dict] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row["action"] == action)

    @property
    def error_rows(self) -> set[int]:
        return {row["row"] for row in self.rows if row["action"] == ERROR}


def _run(*, sheet: Sheet, kind: str, user: User, reason: str, skip: set[int]) -> Outcome:
    """Every row of the sheet through the services, each in a savepoint: a refused row
    writes nothing and is reported with every reason, by its row and column."""
    importer = IMPORTERS[kind]
    outcome = Outcome()
    with _history_as(user, reason):
        for number, values in sheet.rows:
            if number in skip:
                continue
            row = Row(number=number, values=values, user=user, headers=sheet.headers)
            errors: list[str] = []
            try:
                with transaction.atomic():
                    importer(row)
            except RowRefused as refusal:
                for column, message in refusal.errors:
                    where = (
                        f"row {number}, {_label(sheet, kind, column)}"
                        if column
                        else f"row {number}"
                    )
                    errors.append(f"{where}: {message}")
            except ValidationError as error:
                errors.extend(f"row {number}: {message}" for message in error.messages)
            except IntegrityError:
                errors.append(f"row {number}: conflicts with a record on file.")
            outcome.rows.append(
                {
                    "row": number,
                    "action": ERROR if errors else row.action,
                    "lines": [] if errors else row.lines,
                    "errors": errors,
                }
            )
    return outcome


class _Rollback(Exception):
    pass


def _preview(*, sheet: Sheet, kind: str, user: User, reason: str) -> Outcome:
    """The import as it would go, written and then rolled back: nothing stays."""
    outcome = Outcome()
    try:
        with transaction.atomic():
            outcome = _run(sheet=sheet, kind=kind, user=user, reason=reason, skip=set())
            raise _Rollback
    except _Rollback:
        pass
    return outcome


# Kinds whose rows name a person: the sheet needs at least one of the name columns.
NAMED_KINDS = (ImportKind.PERSONS, ImportKind.CASES, ImportKind.DETENTIONS, ImportKind.CHARGES)


def _sheet(kind: str, content: bytes, name: str) -> Sheet:
    try:
        sheet = sheet_read(content, name, COLUMNS[kind])
    except ImportFileError as error:
        raise ValidationError({"file": str(error)}) from None
    if kind in NAMED_KINDS and not any(c.name in sheet.headers for c in NAME_COLUMNS):
        raise ValidationError(
            {
                "file": "The file has no column for the person's name: name one “Name”, "
                "“Family name” or “Name in original script” (docs/staff.md lists the headers)."
            }
        )
    return sheet


def _counts(run: ImportRun, outcome: Outcome) -> None:
    run.rows = len(outcome.rows)
    run.created = outcome.count(CREATED)
    run.updated = outcome.count(UPDATED)
    run.matched = outcome.count(MATCHED)
    run.errors = outcome.count(ERROR)
    run.report = outcome.rows


def may_import(user: User) -> bool:
    return user.is_active and user.has_perms(["casefiles.view_case", "casefiles.add_case"])


def import_dry_run(*, user: User, kind: str, content: bytes, name: str) -> Outcome:
    """What importing the file would do, writing nothing at all (not even an ImportRun)."""
    if kind not in IMPORTERS:
        raise ValidationError({"kind": f"Unknown kind of import: {kind}."})
    sheet = _sheet(kind, content, name)
    return _preview(sheet=sheet, kind=kind, user=user, reason=f"Import preview ({name})")


def import_preview(*, user: User, kind: str, content: bytes, name: str) -> ImportRun:
    """Keep the uploaded file as an ImportRun and record what importing it would do.
    Nothing else is written until `import_apply`. Raises ValidationError ({"file": …}) for
    a file that cannot be read, writing nothing."""
    if not may_import(user):
        raise ValidationError("You may not import records.")
    if kind not in IMPORTERS:
        raise ValidationError({"kind": f"Unknown kind of import: {kind}."})
    sheet = _sheet(kind, content, name)
    run = ImportRun(
        user=user,
        username=user.get_username(),
        kind=kind,
        file_name=name[-255:],
        sha256=hashlib.sha256(content).hexdigest(),
    )
    outcome = _preview(sheet=sheet, kind=kind, user=user, reason=f"Import preview ({name})")
    _counts(run, outcome)
    run.file.save(
        f"import-{run.sha256[:16]}.{name.rsplit('.', 1)[-1].lower()}",
        ContentFile(content),
        save=False,
    )
    run.save()
    return run


def import_apply(*, run: ImportRun, user: User) -> ImportRun:
    """Write the rows of a previewed import, skipping those the preview refused, in one
    transaction: if any row that previewed well is refused now (the records changed since),
    nothing is written and the run stays previewed. Recorded in history as "Import <id>"."""
    if run.user_id != user.pk or not may_import(user):
        raise ValidationError("Only the person who uploaded this file may import it.")
    if run.status != ImportStatus.PREVIEWED:
        raise ValidationError("This file has been imported already.")
    try:
        with run.file.open("rb") as stored:
            content = stored.read()
    except OSError:
        raise ValidationError(
            "The uploaded file is no longer available: upload it again."
        ) from None
    sheet = _sheet(run.kind, content, run.file_name)
    refused_before = {row["row"] for row in run.report if row["action"] == ERROR}
    reason = f"Import {run.pk} ({run.file_name})"
    with transaction.atomic():
        outcome = _run(sheet=sheet, kind=run.kind, user=user, reason=reason, skip=refused_before)
        if outcome.error_rows:
            errors = [e for row in outcome.rows for e in row["errors"]]
            transaction.set_rollback(True)
            raise ValidationError(
                ["Nothing was imported: the records changed since the preview.", *errors]
            )
        skipped = [row for row in run.report if row["action"] == ERROR]
        by_row = {row["row"]: row for row in [*outcome.rows, *skipped]}
        outcome.rows = [by_row[number] for number in sorted(by_row)]
        _counts(run, outcome)
        run.status = ImportStatus.APPLIED
        run.applied_at = timezone.now()
        run.save()
    return run


def import_file_name_ok(name: str) -> str:
    """The file's name as kept: its last path part, for the record and the page."""
    return re.split(r"[\\/]", name)[-1][:255] or "upload"
