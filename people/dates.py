"""Dates known only to a month, a year or roughly ("June 2021", "about 2020")."""

from __future__ import annotations

import datetime

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "Exact day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    APPROXIMATE = "approx", "Approximate"


def format_partial_date(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """Show a date only as precisely as it is known."""
    if value is None:
        return "date unknown"
    if precision == DatePrecision.MONTH:
        return value.strftime("%B %Y")
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.APPROXIMATE:
        return f"about {value.year}"
    return f"{value.day} {value.strftime('%b %Y')}"


def _precision_key(day: datetime.date, precision: str) -> tuple[int, ...]:
    """The parts of a date that are known: (year,), (year, month) or (year, month, day)."""
    if precision == DatePrecision.DAY:
        return (day.year, day.month, day.day)
    if precision == DatePrecision.MONTH:
        return (day.year, day.month)
    return (day.year,)


def is_before(
    day: datetime.date, precision: str, other: datetime.date, other_precision: str
) -> bool:
    """Whether `day` is certainly before `other`, comparing only what both dates know:
    "August 2017" is not before "15 August 2017"."""
    known, other_known = _precision_key(day, precision), _precision_key(other, other_precision)
    common = min(len(known), len(other_known))
    return known[:common] < other_known[:common]


def truncate_to_precision(day: datetime.date, precision: str) -> datetime.date:
    """Store a month-precise date as the 1st and a year-precise one as 1 January, so that
    whatever day was typed, the date sorts and compares as what is known."""
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    if precision in (DatePrecision.YEAR, DatePrecision.APPROXIMATE):
        return day.replace(month=1, day=1)
    return day
