"""Reading a spreadsheet for import: the file (CSV or XLSX, bounded), its columns matched to
fields by header, and the values of a cell (dates with their precision, countries, choices).

The files are read by libraries, not by hand: the standard library's `csv` and openpyxl
(read-only, streaming, so reading stops at the row cap; defusedxml guards its XML).
casefiles/services/imports.py turns the rows into records through the services.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django_countries import countries

from people.dates import DatePrecision

# A spreadsheet of a few thousand prisoners is well under this; a bigger upload is refused.
IMPORT_MAX_BYTES = 5 * 1024 * 1024
# Rows per file: each row runs through the services twice (preview, confirm) in one request.
IMPORT_MAX_ROWS = 1000
# An XLSX is a zip: its unpacked parts may not exceed this (a small file can unpack to gigabytes).
XLSX_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Columns per sheet, and characters per cell, read at most.
MAX_COLUMNS = 60
CELL_MAX = 20_000

FORMATS = ("csv", "xlsx")


class ImportFileError(Exception):
    """The file cannot be read at all: the message says why, for the user."""


@dataclass(frozen=True)
class Column:
    """A field a kind of import reads, and the headers that name it (compared folded)."""

    name: str
    label: str
    headers: tuple[str, ...]
    required: bool = False


@dataclass
class Sheet:
    """The rows of a file, each a mapping of column name → cell, with its row number as the
    spreadsheet shows it (the header is row 1)."""

    headers: dict[str, str]  # column name → the header as written in the file
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)


def _fold_header(text: str) -> str:
    return re.sub(r"[\s_\-:.*()]+", " ", str(text)).strip().casefold()


def file_format(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FORMATS:
        raise ImportFileError(
            f"“{name}” is not a CSV or XLSX file: save the spreadsheet as .csv or .xlsx."
        )
    return extension


def _csv_rows(content: bytes) -> Iterable[list[object]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1251")  # Excel's "CSV" on a Russian Windows
        except UnicodeDecodeError:
            raise ImportFileError(
                "The CSV file is not in UTF-8: save it as “CSV UTF-8” and upload it again."
            ) from None
    if "\x00" in text:
        raise ImportFileError("This is not a text CSV file (it holds binary data).")
    first_line = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first_line, ",;\t")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(CELL_MAX + 1)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as error:
        raise ImportFileError(
            f"The CSV file is broken near line {reader.line_num}: {error}."
        ) from None


def _xlsx_rows(content: bytes) -> Iterable[list[object]]:
    import openpyxl  # imported here: only an XLSX upload needs it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(
            "The file is not a readable XLSX workbook: open it in a spreadsheet program and "
            "save it as .xlsx (or as CSV UTF-8)."
        ) from None
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise ImportFileError("The workbook unpacks to too much data: split it into smaller files.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(
            "The file is not a readable XLSX workbook: open it in a spreadsheet program and "
            "save it as .xlsx (or as CSV UTF-8)."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield list(row)
    except Exception:
        raise ImportFileError("The workbook's first sheet cannot be read.") from None
    finally:
        workbook.close()


def _cell(value: object) -> object:
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
        if len(value) > CELL_MAX:
            value = value[:CELL_MAX]
    return value


def _blank(values: Iterable[object]) -> bool:
    return all(value is None or (isinstance(value, str) and not value) for value in values)


def sheet_read(content: bytes, name: str, columns: Iterable[Column]) -> Sheet:
    """The rows of an uploaded file, bounded, their cells keyed by the column each header
    names. Raises ImportFileError with a message for the user when it cannot be read."""
    if len(content) > IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"The file is too large ({len(content) / 1024 / 1024:.1f} MB): at most "
            f"{IMPORT_MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    if not content:
        raise ImportFileError("The file is empty.")
    fmt = file_format(name)
    lines = iter(_csv_rows(content) if fmt == "csv" else _xlsx_rows(content))
    header_row: list[object] | None = None
    row_number = 0  # as the spreadsheet numbers its rows, from 1
    for line in lines:
        row_number += 1
        if not _blank(_cell(value) for value in line):
            header_row = [_cell(value) for value in line[:MAX_COLUMNS]]
            break
    if header_row is None:
        raise ImportFileError("The file has no header row: the first row must name the columns.")
    by_header = {_fold_header(h): column for column in columns for h in column.headers}
    positions: dict[int, str] = {}
    sheet = Sheet(headers={})
    for index, header in enumerate(header_row):
        if header is None or header == "":
            continue
        column = by_header.get(_fold_header(str(header)))
        if column is None or column.name in sheet.headers:
            sheet.unknown_headers.append(str(header))
            continue
        positions[index] = column.name
        sheet.headers[column.name] = str(header)
    missing = [c for c in columns if c.required and c.name not in sheet.headers]
    if missing:
        names = ", ".join(f"“{c.label}”" for c in missing)
        raise ImportFileError(
            f"The file has no column for {names}. The first row must name the columns "
            "(docs/staff.md lists the headers each import reads)."
        )
    for line in lines:
        row_number += 1
        if len(sheet.rows) >= IMPORT_MAX_ROWS and not _blank(line):
            raise ImportFileError(
                f"The file has more than {IMPORT_MAX_ROWS:,} rows: split it into smaller files."
            )
        values = {name: _cell(line[i]) for i, name in positions.items() if i < len(line)}
        if _blank(values.values()):
            continue
        sheet.rows.append((row_number, values))
    return sheet


# --- Cell values -----------------------------------------------------------------------------


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_DAY_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_MONTH_ISO = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_DOTTED = re.compile(r"^(\d{1,2})[./](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_ABOUT = re.compile(r"^(?:about|approx\.?|circa|c\.|ca\.?|около|примерно|~)\s*(\d{4})$", re.I)


def partial_date(value: object) -> tuple[datetime.date, str] | None:
    """A date and how precisely it is known, from a cell: "2017-08-03" or "03.08.2017" (day),
    "2017-08" or "08.2017" (month), "2037" (year), "about 2020" (approximate); a date cell of
    a workbook is a day. None for an empty cell; ValidationError saying what is wrong."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, datetime.date):
        return value, DatePrecision.DAY
    raw = text(value)
    try:
        if match := _DAY_ISO.match(raw):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day), DatePrecision.DAY
        if match := _DAY_DOTTED.match(raw):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day), DatePrecision.DAY
        if match := _MONTH_ISO.match(raw):
            year, month = (int(part) for part in match.groups())
            return datetime.date(year, month, 1), DatePrecision.MONTH
        if match := _MONTH_DOTTED.match(raw):
            month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, 1), DatePrecision.MONTH
        if match := _YEAR.match(raw):
            return datetime.date(int(match[1]), 1, 1), DatePrecision.YEAR
        if match := _ABOUT.match(raw):
            return datetime.date(int(match[1]), 1, 1), DatePrecision.APPROXIMATE
    except ValueError:
        pass
    raise ValidationError(
        f"{raw} is not a date: write 2017-08-03 or 03.08.2017, 2017-08 for a month, "
        "2017 for a year."
    )


def day(value: object) -> datetime.date | None:
    """A date known to the day (or the first day of the month or year given)."""
    parsed = partial_date(value)
    return parsed[0] if parsed else None


def country(value: object) -> str:
    """An ISO code from "KZ", "Kazakhstan" or "Казахстан"; "" for an empty cell."""
    raw = text(value)
    if not raw:
        return ""
    if len(raw) == 2 and raw.upper() in countries:
        return raw.upper()
    for language in ("en", "ru"):
        code = countries.by_name(raw, language=language)
        if code:
            return str(code)
    raise ValidationError(f"“{raw}” is not a country: give its name or its two-letter code.")


def choice(value: object, choices, extra: Mapping[str, str] | None = None) -> str:
    """A choice from its value, its English label or a synonym in `extra` (Russian words)."""
    raw = text(value)
    if not raw:
        return ""
    folded = raw.casefold()
    for code, label in choices:
        if folded in (str(code).casefold(), str(label).casefold()):
            return str(code)
    for word, code in (extra or {}).items():
        if folded == word.casefold():
            return code
    known = ", ".join(str(label).lower() for _, label in choices)
    raise ValidationError(f"“{raw}” is not one of: {known}.")


def yes_no(value: object) -> bool:
    raw = text(value).casefold()
    if raw in ("", "0", "no", "n", "false", "нет", "н"):
        return False
    if raw in ("1", "yes", "y", "true", "да", "д", "x", "✓"):
        return True
    raise ValidationError(f"“{text(value)}” is not yes or no.")
