"""Benchmark one case page with a long timeline.

Builds (once per database; re-runs reuse it) one case with ENTRIES timeline entries — a
quarter each of events (with a participant and a source), charges brought (with a source),
hearings (with a defendant) and detentions with an ordered term (two entries each) — then
signs a Viewer in and prints the case page's median and worst time over several requests,
its query count and its response size.

Usage (uses its own database; creates and migrates it):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/case_bench \\
    .venv/bin/python bench/case_page.py [--entries 2000] [--repeat 15]

Target (see docs/staff.md, "Timeline registry"): median at most 150 ms and at most 12
queries, whatever the number of entries.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casefiles.settings")
os.environ.setdefault("DEBUG", "1")
from bench._common import report_page, setup, viewer_client  # noqa: E402

TARGET_MS = 150
TARGET_QUERIES = 12
REFERENCE = "BENCH-TIMELINE"


def build(*, entries: int):
    """The case and its rows, through bulk_create; rebuilt when the size asked changes."""
    from django.db import connection, transaction

    from casefiles.choices import DetentionMeasure, EventKind, HearingKind, PartyRole
    from casefiles.models import (
        Case,
        CaseParty,
        Charge,
        Detention,
        Event,
        EventParticipant,
        Hearing,
        Source,
    )
    from casefiles.timeline import case_timeline
    from people.models import Person

    case = Case.objects.filter(reference=REFERENCE).first()
    if case is not None:
        from django.contrib.auth.models import AnonymousUser

        if len(case_timeline(case, user=AnonymousUser())) == entries:
            return case
    started = time.perf_counter()
    quarter = entries // 4
    day = datetime.timedelta(days=1)
    first = datetime.date(2015, 1, 1)
    with transaction.atomic():
        if case is not None:
            for model in (Event, Charge, Detention, Hearing, CaseParty):
                model.objects.filter(case=case).delete()
            case.delete()
        case = Case.objects.create(
            reference=REFERENCE, title="Bench timeline", country="KZ", opened_on=first
        )
        person, _ = Person.objects.get_or_create(given_name="Timeline", family_name="Bench")
        CaseParty.objects.create(case=case, person=person, role=PartyRole.POLITICAL_PRISONER)
        source, _ = Source.objects.get_or_create(
            title="Bench report", defaults={"url": "https://example.org/bench"}
        )
        events = Event.objects.bulk_create(
            Event(case=case, occurred_on=first + day * i, kind=EventKind.SEARCH, title=f"E{i}")
            for i in range(quarter)
        )
        EventParticipant.objects.bulk_create(
            EventParticipant(event=event, person=person, role="target") for event in events
        )
        Event.sources.through.objects.bulk_create(
            Event.sources.through(event=event, source=source) for event in events
        )
        charges = Charge.objects.bulk_create(
            Charge(case=case, person=person, description=f"C{i}", brought_on=first + day * i)
            for i in range(quarter)
        )
        Charge.sources.through.objects.bulk_create(
            Charge.sources.through(charge=charge, source=source) for charge in charges
        )
        hearings = Hearing.objects.bulk_create(
            Hearing(case=case, held_on=first + day * i, kind=HearingKind.OTHER)
            for i in range(quarter)
        )
        Hearing.defendants.through.objects.bulk_create(
            Hearing.defendants.through(hearing=hearing, person=person) for hearing in hearings
        )
        Detention.objects.bulk_create(
            Detention(
                case=case,
                person=person,
                measure=DetentionMeasure.ARREST,
                started_on=first + day * i,
                planned_end=first + day * (i + 2),
            )
            for i in range(0, quarter, 2)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Built one case of {entries:,} entries in {time.perf_counter() - started:.0f} s")
    return case


def measure(case, repeat: int) -> None:
    from django.urls import reverse

    url = reverse("staff:case_detail", args=[case.pk])
    report_page(
        "Case page",
        viewer_client(),
        url,
        repeat=repeat,
        target_ms=TARGET_MS,
        target_queries=TARGET_QUERIES,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests")
    args = parser.parse_args()
    setup()
    from django.conf import settings

    print(f"Load average before: {os.getloadavg()[0]:.1f} (other work here skews figures)")
    print(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    case = build(entries=args.entries)
    measure(case, args.repeat)


if __name__ == "__main__":
    main()
