"""Benchmark the back office's change page of a long case: 2,000 timeline entries.

Builds (once per database; re-runs reuse it) one case with a political prisoner and, by
default, 1,200 events (each citing a source), 300 detentions, 300 hearings and 200 charges.
Then it signs an Administrator in (both factors, as tests/conftest.login_verified does) and
prints the change page's median and worst time over several requests, its query count and
its response size.

Usage (uses its own database; creates and migrates it):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/admin_bench \\
    .venv/bin/python bench/admin_case.py [--events 1200] [--detentions 300] \\
        [--hearings 300] [--charges 200] [--repeat 7]

Target (see docs/staff.md, "The back office"): median at most 1 s.
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
from bench._common import report_page, setup  # noqa: E402

TARGET_MS = 1000
REFERENCE = "BENCH-LONG-CASE"


def build(*, events: int, detentions: int, hearings: int, charges: int):
    """The rows, through bulk_create (no history rows: the change page does not read them)."""
    from django.db import connection, transaction

    from casefiles.choices import DetentionMeasure, EventKind, HearingKind, PartyRole
    from casefiles.models import Case, CaseParty, Charge, Detention, Event, Hearing, Source
    from people.models import Person

    case = Case.objects.filter(reference=REFERENCE).first()
    if case is not None and (
        case.events.count(),
        case.detentions.count(),
        case.hearings.count(),
        case.charges.count(),
    ) == (events, detentions, hearings, charges):
        return case
    started = time.perf_counter()
    day = datetime.timedelta(days=1)
    first = datetime.date(2012, 1, 1)
    with transaction.atomic():
        if case is not None:
            for related in (case.events, case.detentions, case.hearings, case.charges):
                related.all().delete()
            case.parties.all().delete()
            case.delete()
        case = Case.objects.create(reference=REFERENCE, title="A long case", country="KZ")
        person = Person.objects.create(given_name="Long", family_name="Benchcase")
        CaseParty.objects.create(case=case, person=person, role=PartyRole.POLITICAL_PRISONER)
        source, _ = Source.objects.get_or_create(
            title="Bench source", defaults={"url": "https://example.org/bench"}
        )
        rows = Event.objects.bulk_create(
            Event(
                case=case,
                occurred_on=first + day * i,
                kind=EventKind.SEARCH,
                title=f"Event {i}",
                description="What happened that day, at some length. " * 10,
            )
            for i in range(events)
        )
        Event.sources.through.objects.bulk_create(
            Event.sources.through(event=row, source=source) for row in rows
        )
        Detention.objects.bulk_create(
            Detention(
                case=case,
                person=person,
                measure=DetentionMeasure.ARREST,
                started_on=first + day * 3 * i,
                actual_end=first + day * (3 * i + 1),
            )
            for i in range(detentions)
        )
        Hearing.objects.bulk_create(
            Hearing(case=case, held_on=first + day * i, kind=HearingKind.OTHER)
            for i in range(hearings)
        )
        Charge.objects.bulk_create(
            Charge(case=case, person=person, description=f"Charge {i}", brought_on=first + day * i)
            for i in range(charges)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Built the case in {time.perf_counter() - started:.0f} s")
    return case


def administrator_client():
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from people.roles import ADMINISTRATOR

    user, _ = User.objects.get_or_create(
        username="bench_administrator", defaults={"is_staff": True}
    )
    user.groups.set(Group.objects.filter(name=ADMINISTRATOR))
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="Bench authenticator", defaults={"confirmed": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    # The second factor, given as the code page records it (tests/conftest.second_factor_pass).
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(case, repeat: int) -> None:
    from django.urls import reverse

    url = reverse("admin:casefiles_case_change", args=[case.pk])
    report_page(
        "Case change page",
        administrator_client(),
        url,
        repeat=repeat,
        target_ms=TARGET_MS,
        warm_up=1,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1200)
    parser.add_argument("--detentions", type=int, default=300)
    parser.add_argument("--hearings", type=int, default=300)
    parser.add_argument("--charges", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7, help="timed requests")
    args = parser.parse_args()
    setup()
    from django.conf import settings

    print(f"Load average before: {os.getloadavg()[0]:.1f} (other work here skews figures)")
    print(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    case = build(
        events=args.events,
        detentions=args.detentions,
        hearings=args.hearings,
        charges=args.charges,
    )
    total = args.events + args.detentions + args.hearings + args.charges
    print(
        f"One case with {total:,} entries: {args.events:,} events, {args.detentions:,} "
        f"detentions, {args.hearings:,} hearings, {args.charges:,} charges"
    )
    measure(case, args.repeat)


if __name__ == "__main__":
    main()
