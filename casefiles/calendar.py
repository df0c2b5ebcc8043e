"""A user's private iCalendar feed: hearings and detention term ends of the cases they see."""

from __future__ import annotations

import datetime

from django.conf import settings
from icalendar import Calendar, Event

from casefiles.models import Detention, Hearing
from casefiles.selectors import cases_visible_to

# Calendars need not carry the whole past; a year back keeps the feed small.
FEED_PAST_DAYS = 365


def _end(start, length: datetime.timedelta):
    """When an entry ends, or None for a date at the end of the calendar (31 December 9999,
    a typo stored before dates were bounded): that entry is left out, the feed still serves."""
    try:
        return start + length
    except OverflowError:
        return None


def calendar_for_user(user, *, today: datetime.date) -> bytes:
    """Two queries: hearings, then detention term ends."""
    cases = cases_visible_to(user)
    since = today - datetime.timedelta(days=FEED_PAST_DAYS)
    calendar = Calendar()
    calendar.add("prodid", "-//Casefiles//Staff calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Casefiles: hearings and detention deadlines")
    host = (settings.ALLOWED_HOSTS or ["casefiles"])[0].lstrip(".") or "casefiles"

    for hearing in Hearing.objects.filter(case__in=cases, held_on__gte=since).select_related(
        "case", "court"
    ):
        start: datetime.date = hearing.held_on
        if hearing.starts_at:
            start = datetime.datetime.combine(hearing.held_on, hearing.starts_at)
        end = _end(start, datetime.timedelta(hours=2 if hearing.starts_at else 24))
        if end is None:
            continue
        event = Event()
        event.add("uid", f"hearing-{hearing.pk}@{host}")
        event.add("summary", f"{hearing.get_kind_display()} hearing — {hearing.case.reference}")
        event.add("dtstart", start)
        event.add("dtend", end)
        if hearing.court:
            event.add("location", hearing.court.name)
        event.add("description", f"{hearing.case}")
        calendar.add_component(event)

    for detention in Detention.objects.filter(
        case__in=cases, planned_end__gte=since, actual_end__isnull=True
    ).select_related("case", "person"):
        if detention.planned_end is None:  # excluded by the filter; keeps mypy informed
            continue
        end = _end(detention.planned_end, datetime.timedelta(days=1))
        if end is None:
            continue
        event = Event()
        event.add("uid", f"detention-end-{detention.pk}@{host}")
        event.add(
            "summary",
            f"{detention.get_measure_display()} of {detention.person.name} ends "
            f"— {detention.case.reference}",
        )
        event.add("dtstart", detention.planned_end)
        event.add("dtend", end)
        event.add("description", f"Ordered term: {detention.term_display or 'not recorded'}.")
        calendar.add_component(event)
    return calendar.to_ical()
