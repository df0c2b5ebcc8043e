"""Filters and helpers for letter templates: dates, lists, plurals and citations.

Each returns plain text, except `cite`, whose ``[^src:ID]`` markers are the one piece of
markup a template emits on a fact's behalf (see environment.markdown_escape).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from letters.templating.facts import MONTHS, FactDate, SourceFact

MAX_CITATIONS = 50  # one footnote list per sentence; more is a template bug


def letter_date(value: Any, precision: str = "") -> str:
    """'5 June 2021'; 'June 2021' or '2021' for a date known only so far; '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, FactDate):
        return str(FactDate(value.day, precision)) if precision else str(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return str(FactDate(value, precision or "day"))
    raise TypeError(f"date: not a date: {value!r}")


def month_year(value: Any) -> str:
    return letter_date(value, "month")


def and_list(items: Iterable[Any], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = [str(item) for item in items if item is not None and str(item) != ""]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def or_list(items: Iterable[Any]) -> str:
    return and_list(items, "or")


def pluralize(count: Any, singular: str = "", plural: str = "s") -> str:
    """``{{ n|pluralize("charge", "charges") }}`` → 'charge' or 'charges'.

    With one word, adds the plural ending: ``{{ n|pluralize("month") }}`` → 'months'.
    """
    number = len(count) if isinstance(count, list | tuple) else int(count)
    if not singular:
        return "" if number == 1 else plural
    if plural == "s":
        plural = singular + "s"
    return singular if number == 1 else plural


def count_of(count: Any, singular: str, plural: str = "") -> str:
    """``{{ charges|count_of("charge") }}`` → '1 charge', '3 charges'."""
    number = len(count) if isinstance(count, list | tuple) else int(count)
    return f"{number} {pluralize(number, singular, plural or singular + 's')}"


def lower_first(text: Any) -> str:
    """'Money laundering' → 'money laundering' inside a sentence; acronyms ('KNB') stay."""
    text = str(text)
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _sources_of(value: Any) -> list[SourceFact]:
    if value is None:
        return []
    if isinstance(value, SourceFact):
        return [value]
    if isinstance(value, list | tuple):
        return [source for item in value for source in _sources_of(item)]
    sources = getattr(value, "sources", None)
    if isinstance(sources, tuple):
        return list(sources)
    raise TypeError(f"cite: {type(value).__name__} has no sources to cite")


def cite(*values: Any) -> Markup:
    """The footnote markers for the sources of one or more facts (or lists of facts):
    ``{{ charge|cite }}``, ``{{ cite(detention, hearing) }}`` → '[^src:12][^src:14]'."""
    ids: list[int] = []
    for value in values:
        for source in _sources_of(value):
            if source.id not in ids:
                ids.append(source.id)
    if len(ids) > MAX_CITATIONS:
        ids = ids[:MAX_CITATIONS]
    return Markup("".join(f"[^src:{int(pk)}]" for pk in ids))


def sep(loop: Any, conjunction: str = "and") -> str:
    """Between the items of a ``{% for %}``: ', ' then ' and ' before the last, then ''."""
    if loop.last:
        return ""
    return f" {conjunction} " if loop.revindex == 2 else ", "


FILTERS = {
    "date": letter_date,
    "month_year": month_year,
    "and_list": and_list,
    "or_list": or_list,
    "pluralize": pluralize,
    "count_of": count_of,
    "lower_first": lower_first,
    "cite": cite,
}
GLOBALS = {
    "cite": cite,
    "sep": sep,
    "and_list": and_list,
    "month_name": lambda n: MONTHS[int(n) - 1],
}
