"""The MEP directory: reading the Parliament's member lists and keeping persons, the
Parliament, its political groups and committees, and dated positions up to date from them.

Two file formats are read, told apart by their header:

- the European Parliament's open-data MEP list (``mep_identifier, mep_given_name, …``): names,
  citizenship and emails, no groups, committees or mandate dates. It is published in
  Windows-1252 with every character outside that code page replaced by ``?``;
- the project's plain format, one row per mandate (see docs/meps.md):
  ``identifier,given_name,family_name,country,group,national_party,email,start_date,
  end_date,committees``.

What the import promises: a person already on file (same identifier, or same name and
country, accents ignored) is matched, never duplicated; a damaged name in the file (``?``
for a lost letter, mojibake) never replaces a correct one; a group change is a new dated
position and the previous one ends the day before, history is never overwritten; a second
run with the same file changes nothing. Every write is checked, saved in one transaction and
recorded in history with the importing user and the reason.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django_countries import countries

from people.choices import AliasKind, OrganisationKind
from people.models import Alias, Organisation, Person, Position

EP_HEADER = (
    "mep_identifier",
    "mep_given_name",
    "mep_family_name",
    "mep_citizenship",
    "mep_email",
)
PLAIN_HEADER = (
    "identifier",
    "given_name",
    "family_name",
    "country",
    "group",
    "national_party",
    "email",
    "start_date",
    "end_date",
    "committees",
)
# A directory file is a few thousand rows at most; anything far larger is not one.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# Errors shown before "… and N more".
ERRORS_SHOWN = 20

MEP_TITLE = "Member of the European Parliament"
MEP_ABBREVIATION = "MEP"
PARLIAMENT_NAME = "European Parliament"

# The political groups of the 9th term: abbreviation, official name, the name printed in
# signature lines, and other names the group goes by (in files and in records made by hand).
EP_GROUPS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "EPP",
        "Group of the European People's Party (Christian Democrats)",
        "EPP Group",
        ("PPE", "EPP Group"),
    ),
    (
        "S&D",
        "Group of the Progressive Alliance of Socialists and Democrats in the European Parliament",
        "S&D Group",
        ("S&D Group", "Group of the Progressive Alliance of Socialists and Democrats"),
    ),
    ("Renew", "Renew Europe Group", "Renew Europe Group", ("Renew Europe", "RE")),
    (
        "Greens/EFA",
        "Group of the Greens/European Free Alliance",
        "Group of the Greens/European Free Alliance",
        ("Verts/ALE", "Greens"),
    ),
    (
        "ECR",
        "European Conservatives and Reformists Group",
        "ECR Group",
        ("ECR Group",),
    ),
    ("ID", "Identity and Democracy Group", "ID Group", ("ID Group",)),
    (
        "The Left",
        "The Left group in the European Parliament - GUE/NGL",
        "The Left",
        ("GUE/NGL", "The Left in the European Parliament", "Left"),
    ),
    ("NI", "Non-attached Members", "Non-attached", ("Non-attached", "NA")),
)

EP_COMMITTEES = {
    "AFET": "Committee on Foreign Affairs",
    "DROI": "Subcommittee on Human Rights",
    "SEDE": "Subcommittee on Security and Defence",
    "DEVE": "Committee on Development",
    "INTA": "Committee on International Trade",
    "BUDG": "Committee on Budgets",
    "CONT": "Committee on Budgetary Control",
    "ECON": "Committee on Economic and Monetary Affairs",
    "FISC": "Subcommittee on Tax Matters",
    "EMPL": "Committee on Employment and Social Affairs",
    "ENVI": "Committee on the Environment, Public Health and Food Safety",
    "SANT": "Subcommittee on Public Health",
    "ITRE": "Committee on Industry, Research and Energy",
    "IMCO": "Committee on the Internal Market and Consumer Protection",
    "TRAN": "Committee on Transport and Tourism",
    "REGI": "Committee on Regional Development",
    "AGRI": "Committee on Agriculture and Rural Development",
    "PECH": "Committee on Fisheries",
    "CULT": "Committee on Culture and Education",
    "JURI": "Committee on Legal Affairs",
    "LIBE": "Committee on Civil Liberties, Justice and Home Affairs",
    "AFCO": "Committee on Constitutional Affairs",
    "FEMM": "Committee on Women's Rights and Gender Equality",
    "PETI": "Committee on Petitions",
}
_COMMITTEE_CODE = re.compile(r"^[A-Z0-9]{2,10}$")


class DirectoryFileError(Exception):
    """The file cannot be imported; ``messages`` says why, row by row. Nothing was written."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


# --- Names ---------------------------------------------------------------------------------


def name_fold(text: str) -> str:
    """A name with case, accents and punctuation folded away: "Nienaß" → "nienass"."""
    return re.sub(r"[^a-z0-9]", "", anyascii(text).lower())


def name_is_damaged(text: str) -> bool:
    """True for a name that lost letters on its way here: ``?`` or U+FFFD where a letter
    was (Windows-1252 has no ``č``), or UTF-8 read as Windows-1252 (``NienaÃŸ``)."""
    if "?" in text or "\ufffd" in text:
        return True
    try:
        repaired = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return repaired != text


def name_could_be(damaged_or_not: str, known: str) -> bool:
    """Could the file's spelling be the known name? Accents are ignored; a damaged letter
    (``?``) stands for any one letter, which folds to at most a few ("ß" → "ss")."""
    if not name_is_damaged(damaged_or_not):
        return name_fold(damaged_or_not) == name_fold(known)
    pieces = re.split(r"[?\ufffd]", damaged_or_not)
    pattern = "[a-z0-9]{0,3}".join(re.escape(name_fold(piece)) for piece in pieces)
    return re.fullmatch(pattern, name_fold(known)) is not None


def _is_plainer(plain: str, rich: str) -> bool:
    """True when ``plain`` is ``rich`` without its accents ("Austrevicius", "Auštrevičius")."""
    return plain != rich and anyascii(rich) == plain


# --- Reading the file ----------------------------------------------------------------------


@dataclass(frozen=True)
class MandateRow:
    """One row of a directory file, checked. Dates are None where the file has none (the
    open-data list has no mandate dates at all)."""

    line: int
    identifier: str
    given_name: str
    family_name: str
    country: str  # ISO code
    emails: tuple[str, ...] = ()
    group: str = ""
    national_party: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    committees: tuple[str, ...] = ()
    honorific: str = ""
    # The open-data list gives citizenship; the plain format the member state represented.
    country_is_citizenship: bool = False

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


def _country_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for code, name in dict(countries).items():
        codes[code.lower()] = code
        codes[str(name).lower()] = code
    codes.update({"czech republic": "CZ", "uk": "GB", "great britain": "GB"})
    return codes


def decode_directory_file(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark) when it is that, else
    Windows-1252, the encoding the Parliament publishes its open-data list in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise DirectoryFileError(
            [
                f"The file is neither UTF-8 nor Windows-1252 text (byte {error.start}); "
                "save it as UTF-8 CSV."
            ]
        ) from error


def read_directory_file(data: bytes) -> list[MandateRow]:
    """Every row of a directory file, checked; DirectoryFileError names each bad row."""
    if len(data) > MAX_BYTES:
        raise DirectoryFileError([f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."])
    text = decode_directory_file(data)
    if "\x00" in text:
        raise DirectoryFileError(["The file holds NUL characters: it is not a CSV file."])
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        raise DirectoryFileError([f"Line 1: not a readable CSV header ({error})."]) from error
    reader.fieldnames = header
    if not header:
        raise DirectoryFileError(["The file is empty."])
    if set(EP_HEADER) <= set(header):
        parse, fmt = _ep_row, "ep"
    elif set(PLAIN_HEADER) <= set(header):
        parse, fmt = _plain_row, "plain"
    else:
        raise DirectoryFileError(
            [
                "The header is neither the European Parliament's open-data MEP list "
                f"({', '.join(EP_HEADER)}, …) nor the plain format "
                f"({','.join(PLAIN_HEADER)}).",
            ]
        )
    codes = _country_codes()
    rows: list[MandateRow] = []
    errors: list[str] = []
    try:
        for record in reader:
            line = reader.line_num
            if len(rows) + len(errors) >= MAX_ROWS:
                raise DirectoryFileError([f"The file has more than {MAX_ROWS} rows."])
            if None in record or any(value is None for value in record.values()):
                errors.append(f"Line {line}: {len(header)} columns expected.")
                continue
            values = {key: (value or "").strip() for key, value in record.items()}
            if not any(values.values()):
                continue
            try:
                rows.append(parse(values, line, codes))
            except ValueError as error:
                errors.append(f"Line {line}: {error}")
    except csv.Error as error:
        errors.append(f"Line {reader.line_num}: not readable as CSV ({error}).")
    errors += _file_errors(rows, fmt)
    if errors:
        shown = errors[:ERRORS_SHOWN]
        if len(errors) > ERRORS_SHOWN:
            shown.append(f"… and {len(errors) - ERRORS_SHOWN} more.")
        raise DirectoryFileError(shown)
    if not rows:
        raise DirectoryFileError(["The file has a header but no rows."])
    return rows


def _country(value: str, codes: dict[str, str]) -> str:
    code = codes.get(value.lower())
    if not code:
        raise ValueError(f"unknown country “{value}”.")
    return code


def _emails(value: str) -> tuple[str, ...]:
    found = []
    for part in re.split(r"[;,\s]+", value):
        address = part.strip().removeprefix("mailto:").strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ValueError(f"“{address}” is not an email address.") from None
        found.append(address)
    return tuple(dict.fromkeys(found))


def _names(given: str, family: str) -> tuple[str, str]:
    if not family:
        raise ValueError("the family name is empty.")
    if len(given) > 200 or len(family) > 200:
        raise ValueError("a name is longer than 200 characters.")
    return given, family


def _identifier(value: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,20}", value):
        raise ValueError(f"the identifier “{value}” is not 1–20 letters or digits.")
    return value


def _ep_row(values: dict[str, str], line: int, codes: dict[str, str]) -> MandateRow:
    given, family = _names(values["mep_given_name"], values["mep_family_name"])
    honorific = values.get("mep_honorific_prefix", "")
    return MandateRow(
        line=line,
        identifier=_identifier(values["mep_identifier"]),
        given_name=given,
        family_name=family,
        country=_country(values["mep_citizenship"], codes) if values["mep_citizenship"] else "",
        emails=_emails(values["mep_email"]),
        honorific=honorific if len(honorific) <= 20 else "",
        country_is_citizenship=True,
    )


def _date(value: str, column: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{column} “{value}” is not a date like 2019-07-02.") from None


def _plain_row(values: dict[str, str], line: int, codes: dict[str, str]) -> MandateRow:
    given, family = _names(values["given_name"], values["family_name"])
    if not values["country"]:
        raise ValueError("the country is empty.")
    if not values["start_date"]:
        raise ValueError("start_date is empty.")
    start = _date(values["start_date"], "start_date")
    end = _date(values["end_date"], "end_date") if values["end_date"] else None
    if end is not None and end < start:
        raise ValueError("end_date is before start_date.")
    committees = tuple(
        dict.fromkeys(code.strip().upper() for code in values["committees"].split("|"))
    )
    committees = tuple(code for code in committees if code)
    for code in committees:
        if not _COMMITTEE_CODE.match(code):
            raise ValueError(f"“{code}” is not a committee abbreviation such as DROI.")
    for column in ("group", "national_party"):
        if len(values[column]) > 300:
            raise ValueError(f"{column} is longer than 300 characters.")
    return MandateRow(
        line=line,
        identifier=_identifier(values["identifier"]),
        given_name=given,
        family_name=family,
        country=_country(values["country"], codes),
        emails=_emails(values["email"]),
        group=values["group"],
        national_party=values["national_party"],
        start=start,
        end=end,
        committees=committees,
    )


def _file_errors(rows: list[MandateRow], fmt: str) -> list[str]:
    """Rows that contradict each other: an identifier twice in the open-data list, or two
    mandates of one MEP over the same days."""
    errors = []
    by_identifier: dict[str, list[MandateRow]] = defaultdict(list)
    for row in rows:
        by_identifier[row.identifier].append(row)
    for identifier, mandates in by_identifier.items():
        if fmt == "ep" and len(mandates) > 1:
            errors.append(
                f"Line {mandates[1].line}: identifier {identifier} is already on line "
                f"{mandates[0].line}."
            )
            continue
        ordered = sorted(mandates, key=lambda row: row.start or datetime.date.min)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.end is None or (after.start is not None and after.start <= before.end):
                errors.append(
                    f"Line {after.line}: this mandate of {identifier} overlaps the one on "
                    f"line {before.line}."
                )
    return errors


# --- Importing -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import created, changed and ended, in words staff can check."""

    dry_run: bool = False
    rows: int = 0
    persons_created: list[str] = field(default_factory=list)
    persons_changed: list[str] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)
    organisations_changed: list[str] = field(default_factory=list)
    positions_created: list[str] = field(default_factory=list)
    positions_changed: list[str] = field(default_factory=list)
    positions_ended: list[str] = field(default_factory=list)
    # Names the file gave damaged and nothing better was on file: someone should correct them.
    names_to_check: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return any(
            (
                self.persons_created,
                self.persons_changed,
                self.organisations_created,
                self.organisations_changed,
                self.positions_created,
                self.positions_changed,
                self.positions_ended,
            )
        )

    def lines(self, *, names_shown: int = 50) -> list[str]:
        lines = [f"{self.rows} rows read{' (dry run: nothing written)' if self.dry_run else ''}."]
        sections = (
            ("Persons created", self.persons_created),
            ("Persons changed", self.persons_changed),
            ("Organisations created", self.organisations_created),
            ("Organisations changed", self.organisations_changed),
            ("Positions created", self.positions_created),
            ("Positions changed", self.positions_changed),
            ("Positions ended", self.positions_ended),
            ("Names damaged in the file, to correct by hand", self.names_to_check),
        )
        for title, names in sections:
            lines.append(f"{title}: {len(names)}")
            lines += [f"  {name}" for name in names[:names_shown]]
            if len(names) > names_shown:
                lines.append(f"  … and {len(names) - names_shown} more")
        if not self.changed_anything:
            lines.append("Nothing to change: the directory already says what the file says.")
        return lines


@dataclass
class _Span:
    """A membership the file asks for: in ``organisation`` from ``start`` to ``end``."""

    organisation: Organisation
    start: datetime.date | None
    end: datetime.date | None
    title: str
    abbreviation: str = ""
    country: str = ""
    emails: tuple[str, ...] = ()


def _valid(position: Position, day: datetime.date) -> bool:
    started = position.started_on is None or position.started_on <= day
    return started and (position.ended_on is None or position.ended_on >= day)


def _overlaps(position: Position, start: datetime.date | None, end: datetime.date | None) -> bool:
    if position.started_on is not None and end is not None and position.started_on > end:
        return False
    return not (position.ended_on is not None and start is not None and position.ended_on < start)


class _Importer:
    def __init__(self, *, as_of: datetime.date, user: User | None, reason: str):
        self.as_of = as_of
        self.user = user
        self.reason = reason[:100]
        self.report = ImportReport()
        self._groups: dict[str, Organisation] = {}
        self._committees: dict[str, Organisation] = {}
        self._parties: dict[tuple[str, str], Organisation] = {}
        self._parliament: Organisation | None = None

    # Every write goes through here: checked, and recorded in history as the importer's.
    def _save(self, record: Model) -> None:
        record._history_user = self.user  # type: ignore[attr-defined]
        record._change_reason = self.reason  # type: ignore[attr-defined]
        record.full_clean()
        record.save()

    def _update(self, record: Model, values: dict[str, Any]) -> list[str]:
        changed = [name for name, value in values.items() if getattr(record, name) != value]
        for name in changed:
            setattr(record, name, values[name])
        if changed:
            self._save(record)
        return changed

    # --- Organisations ---------------------------------------------------------------------

    def parliament(self) -> Organisation:
        if self._parliament is None:
            found = Organisation.objects.filter(
                kind=OrganisationKind.PARLIAMENT, name=PARLIAMENT_NAME
            ).first()
            if found is None:
                found = Organisation(
                    name=PARLIAMENT_NAME,
                    abbreviation="EP",
                    kind=OrganisationKind.PARLIAMENT,
                    city="Brussels",
                    website="https://www.europarl.europa.eu/",
                )
                self._save(found)
                self.report.organisations_created.append(PARLIAMENT_NAME)
            self._parliament = found
        return self._parliament

    def group(self, text: str) -> Organisation:
        key = name_fold(text)
        if key in self._groups:
            return self._groups[key]
        known = next(
            (
                entry
                for entry in EP_GROUPS
                if key in {name_fold(name) for name in (entry[0], entry[1], *entry[3])}
            ),
            None,
        )
        abbreviation, name, printed, others = known or ("", text, text, ())
        keys = {name_fold(n) for n in (abbreviation, name, *others) if n} | {key}
        found = None
        for organisation in Organisation.objects.filter(kind=OrganisationKind.POLITICAL_GROUP):
            names = {name_fold(organisation.name), name_fold(organisation.abbreviation)}
            if names & keys:
                found = organisation
                break
        if found is None:
            found = Organisation(
                name=name,
                abbreviation=abbreviation,
                signature_name=printed,
                kind=OrganisationKind.POLITICAL_GROUP,
                parent=self.parliament(),
            )
            self._save(found)
            self.report.organisations_created.append(f"{found.name} (political group)")
        else:
            # Only fill what is empty: what staff set stays.
            fill: dict[str, Any] = {}
            if not found.abbreviation and abbreviation:
                fill["abbreviation"] = abbreviation
            if not found.signature_name and printed:
                fill["signature_name"] = printed
            if found.parent_id is None:
                fill["parent"] = self.parliament()
            if self._update(found, fill):
                self.report.organisations_changed.append(f"{found.name}: {', '.join(fill)}")
        self._groups[key] = found
        return found

    def committee(self, code: str) -> Organisation:
        if code in self._committees:
            return self._committees[code]
        found = Organisation.objects.filter(
            kind=OrganisationKind.PARLIAMENTARY_COMMITTEE, abbreviation__iexact=code
        ).first()
        if found is None:
            found = Organisation(
                name=EP_COMMITTEES.get(code, f"Committee {code}"),
                abbreviation=code,
                kind=OrganisationKind.PARLIAMENTARY_COMMITTEE,
                parent=self.parliament(),
            )
            self._save(found)
            self.report.organisations_created.append(f"{found.name} ({code})")
        self._committees[code] = found
        return found

    def party(self, name: str, country: str) -> Organisation:
        key = (name_fold(name), country)
        if key in self._parties:
            return self._parties[key]
        found = next(
            (
                organisation
                for organisation in Organisation.objects.filter(
                    kind=OrganisationKind.POLITICAL_PARTY, country=country
                )
                if key[0] in {name_fold(organisation.name), name_fold(organisation.abbreviation)}
            ),
            None,
        )
        if found is None:
            found = Organisation(name=name, kind=OrganisationKind.POLITICAL_PARTY, country=country)
            self._save(found)
            self.report.organisations_created.append(f"{found.name} (national party)")
        self._parties[key] = found
        return found

    # --- Persons ---------------------------------------------------------------------------

    def load_persons(self, rows: list[MandateRow]) -> None:
        """Read once the persons a row could be: by identifier, or in the rows' countries."""
        identifiers = {row.identifier for row in rows}
        self.by_identifier = {
            person.ep_identifier: person
            for person in Person.objects.filter(ep_identifier__in=identifiers)
        }
        country_codes = {row.country for row in rows if row.country}
        candidates = (
            Person.objects.filter(
                Q(citizenship__in=country_codes)
                | Q(positions__represents_country__in=country_codes)
            )
            .distinct()
            .prefetch_related("aliases", "positions")
        )
        self.by_country: dict[str, list[Person]] = defaultdict(list)
        for person in candidates:
            person_countries = {person.citizenship} | {
                position.represents_country for position in person.positions.all()
            }
            for code in person_countries & country_codes:
                self.by_country[code].append(person)
        self.claimed: set[int] = {person.pk for person in self.by_identifier.values()}
        # Every position of the persons a row may be, in one query rather than one a row.
        known = {person.pk for person in self.by_identifier.values()}
        known |= {person.pk for persons in self.by_country.values() for person in persons}
        self.positions_of: dict[int, list[Position]] = {pk: [] for pk in known}
        for position in Position.objects.filter(person__in=known).select_related("organisation"):
            self.positions_of[position.person_id].append(position)

    def match(self, row: MandateRow) -> Person | None:
        person = self.by_identifier.get(row.identifier)
        if person is not None:
            return person
        found = []
        for candidate in self.by_country.get(row.country, []):
            if candidate.pk in self.claimed or candidate.ep_identifier:
                continue
            names = [candidate.name, *(alias.name for alias in candidate.aliases.all())]
            if any(name_could_be(row.name, name) for name in names):
                found.append(candidate)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            # Namesakes in one country: which one is the MEP is for a person to say.
            self.report.names_to_check.append(
                f"{row.name} (line {row.line}): {len(found)} persons on file bear this name; "
                "a new person was made for the MEP."
            )
        return None

    def person_create(self, row: MandateRow) -> Person:
        person = Person(
            title=row.honorific,
            given_name=row.given_name,
            family_name=row.family_name,
            citizenship=row.country if row.country_is_citizenship else "",
            ep_identifier=row.identifier,
        )
        self._save(person)
        self.positions_of[person.pk] = []
        self.report.persons_created.append(f"{person.name} ({row.identifier})")
        if name_is_damaged(row.name):
            self.report.names_to_check.append(
                f"{row.name} ({row.identifier}, line {row.line}): letters lost in the file."
            )
        return person

    def person_update(self, person: Person, row: MandateRow) -> None:
        values: dict[str, Any] = {}
        if not person.ep_identifier:
            values["ep_identifier"] = row.identifier
        if row.country_is_citizenship and row.country and not person.citizenship:
            values["citizenship"] = row.country
        former = ""
        if not name_is_damaged(row.name) and row.name != person.name:
            known_damaged = name_is_damaged(person.name)
            same_name = name_fold(row.name) == name_fold(person.name)
            if known_damaged or not same_name or _is_plainer(person.name, row.name):
                # The Parliament's spelling, accents included, replaces a plainer or
                # damaged one; a name changed (by marriage, …) is kept as a former name.
                values["given_name"], values["family_name"] = row.given_name, row.family_name
                if not known_damaged:
                    former = person.name
            else:
                self._alias_add(person, row.name, AliasKind.SPELLING)
        changed = self._update(person, values)
        if former:
            respelled = name_fold(former) == name_fold(row.name)
            self._alias_add(person, former, AliasKind.SPELLING if respelled else AliasKind.FORMER)
        if changed:
            self.report.persons_changed.append(f"{person.name}: {', '.join(changed)}")

    def _alias_add(self, person: Person, name: str, kind: str) -> None:
        if name == person.name or person.aliases.filter(name=name).exists():
            return
        self._save(Alias(person=person, name=name, kind=kind))
        self.report.persons_changed.append(f"{person.name}: also known as {name}")

    # --- Positions -------------------------------------------------------------------------

    def spans(self, rows: list[MandateRow]) -> list[_Span]:
        """The memberships one MEP's rows ask for, back-to-back mandates in one organisation
        joined into one span."""
        spans: list[_Span] = []
        ordered = sorted(rows, key=lambda row: row.start or datetime.date.min)
        for row in ordered:
            wanted = [
                _Span(
                    self.parliament(),
                    row.start,
                    row.end,
                    MEP_TITLE,
                    MEP_ABBREVIATION,
                    "" if row.country_is_citizenship else row.country,
                    row.emails,
                )
            ]
            if row.group:
                wanted.append(_Span(self.group(row.group), row.start, row.end, "Member"))
            if row.national_party:
                party = self.party(row.national_party, row.country)
                wanted.append(_Span(party, row.start, row.end, "Member"))
            for code in row.committees:
                wanted.append(_Span(self.committee(code), row.start, row.end, "Member"))
            for span in wanted:
                spans.append(self._joined(spans, span))
        return [span for span in spans if span.title]

    @staticmethod
    def _joined(spans: list[_Span], span: _Span) -> _Span:
        for earlier in spans:
            if (
                earlier.title
                and earlier.organisation.pk == span.organisation.pk
                and earlier.end is not None
                and span.start is not None
                and span.start - earlier.end <= datetime.timedelta(days=1)
            ):
                earlier.end = span.end
                earlier.emails = span.emails or earlier.emails
                earlier.country = span.country or earlier.country
                span.title = ""  # absorbed
                return span
        return span

    def positions_sync(self, person: Person, spans: list[_Span], *, dated: bool) -> None:
        # Open positions first, the latest first: an undated row updates the current one.
        held_now = self.positions_of.get(person.pk)
        if held_now is None:  # made by this import: nothing held before
            held_now = list(person.positions.select_related("organisation"))
        held = sorted(
            held_now,
            key=lambda p: (p.ended_on is None, p.started_on or datetime.date.min, p.pk),
            reverse=True,
        )
        kept: set[int] = set()
        for span in spans:
            match = next(
                (
                    position
                    for position in held
                    if position.organisation_id == span.organisation.pk
                    and position.pk not in kept
                    and (_overlaps(position, span.start, span.end) if dated else True)
                ),
                None,
            )
            label = f"{person.name}, {span.title} ({span.organisation.printed_name})"
            if match is None:
                position = Position(
                    person=person,
                    organisation=span.organisation,
                    title=span.title,
                    title_abbreviation=span.abbreviation,
                    represents_country=span.country,
                    started_on=span.start,
                    ended_on=span.end,
                    emails="\n".join(span.emails),
                )
                self._save(position)
                kept.add(position.pk)
                held.append(position)
                self.report.positions_created.append(label + _dates(span.start, span.end))
                continue
            kept.add(match.pk)
            values: dict[str, Any] = {}
            if dated:
                values["started_on"] = span.start
                values["ended_on"] = span.end
            if span.emails and match.email_list != list(span.emails):
                values["emails"] = "\n".join(span.emails)
            if span.country and match.represents_country != span.country:
                values["represents_country"] = span.country
            was_open = match.ended_on is None
            changed = self._update(match, values)
            if not changed:
                continue
            if was_open and match.ended_on is not None:
                self.report.positions_ended.append(label + _dates(match.started_on, match.ended_on))
            else:
                self.report.positions_changed.append(f"{label}: {', '.join(changed)}")
        if dated:
            self._superseded_end(person, held, kept, spans)

    def _superseded_end(
        self, person: Person, held: list[Position], kept: set[int], spans: list[_Span]
    ) -> None:
        """A group, committee or party membership still open on file that the MEP's rows do
        not hold any more ends the day before the next one the rows give (or before the
        date the file describes): a group change never rewrites the old membership."""
        kinds = {
            OrganisationKind.POLITICAL_GROUP,
            OrganisationKind.PARLIAMENTARY_COMMITTEE,
            OrganisationKind.POLITICAL_PARTY,
        }
        for position in held:
            if position.pk in kept or position.ended_on is not None:
                continue
            kind = position.organisation.kind
            if kind not in kinds or position.organisation.parent_id not in (
                None,
                self.parliament().pk,
            ):
                continue
            later = sorted(
                span.start
                for span in spans
                if span.organisation.kind == kind
                and span.start is not None
                and (position.started_on is None or span.start > position.started_on)
            )
            end = (later[0] if later else self.as_of) - datetime.timedelta(days=1)
            if position.started_on is not None and end < position.started_on:
                end = position.started_on
            self._update(position, {"ended_on": end})
            self.report.positions_ended.append(
                f"{person.name}, {position.title} ({position.organisation.printed_name})"
                + _dates(position.started_on, end)
            )


def _dates(start: datetime.date | None, end: datetime.date | None) -> str:
    if start is None and end is None:
        return ""
    return f" {start.isoformat() if start else '…'} – {end.isoformat() if end else 'now'}"


def meps_import(
    *,
    rows: Iterable[MandateRow],
    as_of: datetime.date | None = None,
    user: User | None = None,
    reason: str = "import_meps",
    dry_run: bool = False,
) -> ImportReport:
    """Bring the directory in line with the rows; all of it or, on any refusal, nothing.
    A dry run does everything and then rolls back, so its report is exactly what a real run
    would do."""
    rows = list(rows)
    importer = _Importer(as_of=as_of or datetime.date.today(), user=user, reason=reason)
    importer.report.rows = len(rows)
    importer.report.dry_run = dry_run
    by_identifier: dict[str, list[MandateRow]] = defaultdict(list)
    for row in rows:
        by_identifier[row.identifier].append(row)
    try:
        with transaction.atomic():
            importer.load_persons(rows)
            for identifier, mandates in by_identifier.items():
                latest = max(mandates, key=lambda row: row.start or datetime.date.min)
                person = importer.match(latest)
                if person is None:
                    person = importer.person_create(latest)
                else:
                    importer.person_update(person, latest)
                importer.claimed.add(person.pk)
                importer.by_identifier[identifier] = person
                dated = latest.start is not None
                importer.positions_sync(person, importer.spans(mandates), dated=dated)
            if dry_run:
                transaction.set_rollback(True)
    except ValidationError as error:
        raise DirectoryFileError([f"Nothing imported: {'; '.join(error.messages)}"]) from error
    return importer.report


def meps_import_file(
    data: bytes,
    *,
    as_of: datetime.date | None = None,
    user: User | None = None,
    reason: str = "import_meps",
    dry_run: bool = False,
) -> ImportReport:
    return meps_import(
        rows=read_directory_file(data), as_of=as_of, user=user, reason=reason, dry_run=dry_run
    )


# --- Signature lines -----------------------------------------------------------------------


def signature_on(
    positions: list[Position],
    day: datetime.date,
    *,
    citizenship: str = "",
    chosen: Position | None = None,
) -> tuple[Position, str] | None:
    """The position a signatory signs in on ``day`` and the line printed under their name.

    An MEP's line joins their mandate, their group on that day and the member state:
    "MEP (Group of the Greens/European Free Alliance; Germany)". Anyone else signs in the
    position valid on that day (``chosen`` if given), failing that their latest.
    """
    valid = sorted(
        (position for position in positions if _valid(position, day)),
        key=lambda p: (p.started_on or datetime.date.min, p.pk),
        reverse=True,
    )
    mandate = next((p for p in valid if p.organisation.kind == OrganisationKind.PARLIAMENT), None)
    group = next(
        (p for p in valid if p.organisation.kind == OrganisationKind.POLITICAL_GROUP), None
    )
    directory = {p.pk for p in (mandate, group) if p is not None}
    if chosen is not None and chosen.pk not in directory:
        return chosen, chosen.signature_line
    if mandate is None and group is None:
        latest_first = sorted(
            positions, key=lambda p: (p.started_on or datetime.date.min, p.pk), reverse=True
        )
        fallback = valid[0] if valid else (latest_first[0] if latest_first else None)
        return None if fallback is None else (fallback, fallback.signature_line)
    # The role is the mandate's ("MEP"); in records made before the directory the group
    # position carried it.
    if mandate is not None and (mandate.title_abbreviation or group is None):
        role_position = mandate
    else:
        assert group is not None
        role_position = group
    role = role_position.title_abbreviation or role_position.title
    details = []
    if group is not None:
        details.append(group.organisation.printed_name)
    country = (
        (mandate.represents_country if mandate is not None else "")
        or (group.represents_country if group is not None else "")
        or citizenship
    )
    if country:
        details.append(countries.name(country))
    line = f"{role} ({'; '.join(details)})" if details else role
    primary = chosen if chosen is not None else (mandate or group)
    assert primary is not None
    return primary, line


# --- The directory, for pickers -------------------------------------------------------------


def directory_members(
    persons: QuerySet[Person],
    positions: QuerySet[Position],
    *,
    day: datetime.date,
    group: Organisation | None = None,
    committee: Organisation | None = None,
    country: str = "",
) -> QuerySet[Person]:
    """Of ``persons``, those who on ``day`` sit in ``group``, in ``committee`` and for
    ``country`` (the member state of their mandate, else their citizenship), through
    ``positions`` (the ones the user may see)."""
    on_day = positions.filter(
        Q(started_on__isnull=True) | Q(started_on__lte=day),
        Q(ended_on__isnull=True) | Q(ended_on__gte=day),
    )
    if group is not None:
        persons = persons.filter(pk__in=on_day.filter(organisation=group).values("person"))
    if committee is not None:
        persons = persons.filter(pk__in=on_day.filter(organisation=committee).values("person"))
    if country:
        representing = on_day.filter(represents_country=country).values("person")
        persons = persons.filter(Q(pk__in=representing) | Q(citizenship=country))
    return persons
