"""A user's private iCalendar feed: hearings and detention term ends of the cases they see."""

from __future__ import annotations

import datetime

from django.conf import settings
from icalendar import Calendar, Event

from casefiles.models import Detention, Hearing
from casefiles.selectors import cases_visible_to

# Calendars need not carry the whole past; a year back keeps the feed small.
FEED_PAST_DAYS = 365


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
        event = Event()
        event.add("uid", f"hearing-{hearing.pk}@{host}")
        event.add("summary", f"{hearing.get_kind_display()} hearing — {hearing.case.reference}")
        if hearing.starts_at:
            start = datetime.datetime.combine(hearing.held_on, hearing.starts_at)
            event.add("dtstart", start)
            event.add("dtend", start + datetime.timedelta(hours=2))
        else:
            event.add("dtstart", hearing.held_on)
            event.add("dtend", hearing.held_on + datetime.timedelta(days=1))
        if hearing.court:
            event.add("location", hearing.court.name)
        event.add("description", f"{hearing.case}")
        calendar.add_component(event)

    for detention in Detention.objects.filter(
        case__in=cases, planned_end__gte=since, actual_end__isnull=True
    ).select_related("case", "person"):
        if detention.planned_end is None:  # excluded by the filter; keeps mypy informed
            continue
        event = Event()
        event.add("uid", f"detention-end-{detention.pk}@{host}")
        event.add(
            "summary",
            f"{detention.get_measure_display()} of {detention.person.name} ends "
            f"— {detention.case.reference}",
        )
        event.add("dtstart", detention.planned_end)
        event.add("dtend", detention.planned_end + datetime.timedelta(days=1))
        event.add("description", f"Ordered term: {detention.term_display or 'not recorded'}.")
        calendar.add_component(event)
    return calendar.to_ical()
