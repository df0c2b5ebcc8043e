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
