"""Reading cells and headers: dates at their precision, countries, names matched whole."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from casefiles.importing import partial_date, sheet_read
from casefiles.search import search_key
from casefiles.services.imports import COLUMNS, _names_close

D = datetime.date


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2017-08-03", (D(2017, 8, 3), "day")),
        ("03.08.2017", (D(2017, 8, 3), "day")),
        ("3/8/2017", (D(2017, 8, 3), "day")),
        ("2017-08", (D(2017, 8, 1), "month")),
        ("08.2017", (D(2017, 8, 1), "month")),
        ("2037", (D(2037, 1, 1), "year")),
        (2037, (D(2037, 1, 1), "year")),
        ("около 2020", (D(2020, 1, 1), "approx")),
        (datetime.datetime(2021, 6, 5, 0, 0), (D(2021, 6, 5), "day")),
        ("", None),
    ],
)
def test_a_date_is_read_at_the_precision_it_is_written(cell, expected):
    assert partial_date(cell) == expected


@pytest.mark.parametrize("cell", ["31.02.2021", "2017-13", "June", "12345", "1.2.3"])
def test_what_is_not_a_date_says_so(cell):
    with pytest.raises(ValidationError, match=f"{cell} is not a date"):
        partial_date(cell)


@pytest.mark.parametrize(
    ("typed", "on_file", "close"),
    [
        ("Bekzhan Mendygaziev", "Bekizhan Mendygazyev", True),
        ("Мендыгазиев Бекжан", "Bekizhan Mendygazyev", True),
        ("Mendygazyev", "Bekizhan Mendygazyev", False),
        ("Barlyk Mendygazyev", "Bekizhan Mendygazyev", False),
        ("Ali Bek", "Ola Bek", False),
    ],
)
def test_names_are_matched_whole_in_any_order_and_script(typed, on_file, close):
    assert _names_close(search_key(typed), search_key(on_file)) is close


def test_a_workbook_with_date_cells_and_a_header_after_blank_rows():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([None, None])
    sheet.append(["Surname", "DATE OF BIRTH"])
    sheet.append(["Bokayev", datetime.datetime(1972, 7, 15)])
    sheet.append([None, None])
    sheet.append(["Ayan", 1975])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = sheet_read(buffer.getvalue(), "people.xlsx", COLUMNS["persons"])
    assert read.headers == {"family_name": "Surname", "birth_date": "DATE OF BIRTH"}
    assert [number for number, _ in read.rows] == [3, 5]
    assert partial_date(read.rows[0][1]["birth_date"]) == (D(1972, 7, 15), "day")
    assert partial_date(read.rows[1][1]["birth_date"]) == (D(1975, 1, 1), "year")


def test_a_semicolon_csv_from_excel_in_windows_1251():
    content = "Фамилия;Имя\r\nАян;Талгат\r\n".encode("cp1251")
    read = sheet_read(content, "people.csv", COLUMNS["persons"])
    assert read.rows == [(2, {"family_name": "Аян", "name": "Талгат"})]
