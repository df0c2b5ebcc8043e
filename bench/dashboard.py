"""Benchmark the dashboard at size: many cases, many persons, thousands detained now.

Builds (once per database; re-runs reuse it) N cases with one detention each and P persons:
the first D persons are detained now, each through two records in two cases that join into
one unbroken run (an arrest ended the day before their pretrial detention began), the rest
of the detentions ended long ago. A fifth of the terms end within the next weeks and as many
cases have a hearing coming. Then it signs a Viewer in and prints the dashboard's median and
worst time over several requests, its query count and its response size.

Usage (uses its own database; creates and migrates it):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dashboard_bench \\
    .venv/bin/python bench/dashboard.py [--cases 20000] [--persons 100000] \\
        [--detained 5000] [--repeat 15]

Target (see docs/staff.md): median at most 150 ms at 20,000 cases, 100,000 persons and
5,000 detained now.
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
BENCH_PREFIX = "BENCH-"


def build(*, cases: int, persons: int, detained: int) -> None:
    """The rows, through bulk_create (no history rows: the changes list reads the latest
    few through an index whatever the volume)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from casefiles.choices import DetentionMeasure, HearingKind, PartyRole
    from casefiles.models import Case, CaseParty, Detention, Hearing
    from people.models import Person

    if Case.objects.filter(reference__startswith=BENCH_PREFIX).count() == cases:
        return
    if detained * 2 > cases or cases > persons + detained:
        sys.exit("Need cases ≥ 2 × detained and persons ≥ cases − detained.")
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    started = time.perf_counter()
    with transaction.atomic():
        Detention.objects.filter(case__reference__startswith=BENCH_PREFIX).delete()
        Hearing.objects.filter(case__reference__startswith=BENCH_PREFIX).delete()
        CaseParty.objects.filter(case__reference__startswith=BENCH_PREFIX).delete()
        Case.objects.filter(reference__startswith=BENCH_PREFIX).delete()
        Person.objects.filter(family_name__startswith="Bench").delete()
        people = Person.objects.bulk_create(
            Person(given_name=f"Given{i}", family_name=f"Bench{i:06d}") for i in range(persons)
        )
        case_rows = Case.objects.bulk_create(
            Case(
                reference=f"{BENCH_PREFIX}{i:06d}",
                title=f"Bench case {i}",
                country="KZ",
                opened_on=datetime.date(2015, 1, 1),
            )
            for i in range(cases)
        )
        detentions, parties, hearings = [], [], []
        for i, case in enumerate(case_rows):
            if i < detained:
                # Held now: pretrial detention since a day spread over ten years.
                person = people[i]
                begun = today - day * (30 + (i * 7) % 3650)
                detention = Detention(
                    case=case,
                    person=person,
                    measure=DetentionMeasure.PRETRIAL_DETENTION,
                    started_on=begun,
                    planned_end=today + day * (i % 70) if i % 5 == 0 else None,
                )
            elif i < 2 * detained:
                # The same person's arrest in another case, ended the day before: one run.
                person = people[i - detained]
                begun = today - day * (30 + ((i - detained) * 7) % 3650)
                detention = Detention(
                    case=case,
                    person=person,
                    measure=DetentionMeasure.ARREST,
                    started_on=begun - day * 3,
                    actual_end=begun - day,
                )
            else:
                person = people[i - detained]
                detention = Detention(
                    case=case,
                    person=person,
                    measure=DetentionMeasure.PRETRIAL_DETENTION,
                    started_on=datetime.date(2010, 1, 1) + day * (i % 1000),
                    actual_end=datetime.date(2013, 1, 1) + day * (i % 1000),
                )
            detentions.append(detention)
            parties.append(CaseParty(case=case, person=person, role=PartyRole.POLITICAL_PRISONER))
            if i % 5 == 1:
                hearings.append(
                    Hearing(case=case, held_on=today + day * (i % 60), kind=HearingKind.OTHER)
                )
        CaseParty.objects.bulk_create(parties, batch_size=5000)
        Detention.objects.bulk_create(detentions, batch_size=5000)
        Hearing.objects.bulk_create(hearings, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Built {cases:,} cases, {persons:,} persons in {time.perf_counter() - started:.0f} s")


def measure(repeat: int) -> None:
    report_page("Dashboard", viewer_client(), "/", repeat=repeat, target_ms=TARGET_MS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--detained", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests")
    args = parser.parse_args()
    setup()
    from django.conf import settings

    print(f"Load average before: {os.getloadavg()[0]:.1f} (other work here skews figures)")
    print(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    build(cases=args.cases, persons=args.persons, detained=args.detained)
    print(
        f"{args.cases:,} cases, {args.persons:,} persons, {args.detained:,} detained now "
        "(each through two records)"
    )
    measure(args.repeat)


if __name__ == "__main__":
    main()
