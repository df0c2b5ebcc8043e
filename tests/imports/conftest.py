"""Fixtures for the spreadsheet import: the files in tests/fixtures/import/, and an XLSX
written from a CSV with openpyxl (the same rows, a real workbook)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def xlsx_from_csv(name: str) -> bytes:
    """The CSV's rows as the first sheet of a workbook; every cell written as text, as a
    spreadsheet typed by hand keeps "2017-08" (a month) apart from a date."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], ",;")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in csv.reader(io.StringIO(text), dialect):
        sheet.append([cell or None for cell in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def persons_xlsx() -> bytes:
    return xlsx_from_csv("persons.csv")
