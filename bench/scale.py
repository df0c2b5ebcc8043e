"""Every staff page at an organisation's real size, then a load test of the production server.

Builds (once per database; re-runs reuse it) in a scratch PostgreSQL database:
  - PERSONS persons with names in Latin and in Cyrillic (a third with an alias), from
    several countries;
  - CASES cases, each with its prisoner as a party, a detention, a charge under an article
    of its country's code, and for some a hearing, an event and a letter; the first
    DETAINED prisoners are held now;
  - one long case of LONG timeline entries (bench/case_page.py builds it).
Then it signs staff in and prints, per page, the median and worst of REPEAT requests, the
number of queries and the size, against the targets of docs/staff.md ("At size"). Last, it
starts the production server (gunicorn, DEBUG off, as `make serve`) and offers it a staff
mix at RATE requests/s for SECONDS seconds with locust, printing throughput and latency
percentiles.

Usage (creates and fills the database named; `make bench-scale` names one):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casefiles_scale \\
    CACHE_URL=redis://127.0.0.1:6379/2 \\
    .venv/bin/python bench/scale.py [--cases 20000] [--persons 100000] [--detained 5000] \\
        [--long 2000] [--repeat 7] [--rate 25] [--seconds 60] [--workers N] \\
        [--no-load | --load-only] [--rebuild]

Figures are only meaningful on an otherwise idle machine: the load average is printed first.
CACHE_URL (a shared Redis cache, as production should have) keeps sessions out of the
database; without it every page runs one query more.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casefiles.settings")
os.environ.setdefault("DEBUG", "1")
from bench._common import setup, viewer_client  # noqa: E402

PREFIX = "SCALE-"
COUNTRIES = ("KZ", "RU", "BY", "AZ", "TJ", "UZ")
# Syllables written in both scripts, so that each person has a Latin and a Cyrillic name
# that transliterate into each other, as in the records staff keep.
SYLLABLES = [
    ("ba", "ба"),
    ("ke", "ке"),
    ("zhan", "жан"),
    ("men", "мен"),
    ("dy", "ды"),
    ("ga", "га"),
    ("zi", "зи"),
    ("nur", "нур"),
    ("sul", "сул"),
    ("tan", "тан"),
    ("kar", "кар"),
    ("bek", "бек"),
    ("ali", "али"),
    ("mu", "му"),
    ("rat", "рат"),
    ("su", "су"),
    ("lan", "лан"),
    ("ay", "ай"),
    ("gul", "гуль"),
    ("ser", "сер"),
]
ENDINGS = [("ov", "ов"), ("ev", "ев"), ("ova", "ова"), ("uly", "улы"), ("", "")]
# Pages whose targets the issue sets (ms); None: measured for comparison only.
TARGETS = {
    "dashboard": 150,
    "case list": 60,
    "case list, free text": 60,
    "case list, Cyrillic name": 60,
    "case list, detained now": 60,
    "long case page": 150,
    "long case brief": None,
    "search, common surname": 50,
    "search, rare name": 50,
    "search, misspelled": 50,
    "search, first letters": 50,
    "person picker": 30,
    "person picker, first letters": 30,
    "person page": None,
    "letters list": None,
    "back office case list": None,
    "back office long case": 1000,
}
QUERY_TARGETS = {"long case page": 12}
REBUILD_TARGET_S = 30  # every search key rebuilt in bulk (`--rebuild`)


def _name(rng: random.Random, parts: int) -> tuple[str, str]:
    chosen = [rng.choice(SYLLABLES) for _ in range(parts)]
    latin = "".join(latin for latin, _ in chosen).capitalize()
    cyrillic = "".join(cyr for _, cyr in chosen).capitalize()
    return latin, cyrillic


def _person_names(rng: random.Random) -> dict[str, str]:
    given, given_cyr = _name(rng, rng.randint(2, 3))
    family, family_cyr = _name(rng, rng.randint(2, 3))
    ending, ending_cyr = rng.choice(ENDINGS)
    return {
        "given_name": given,
        "family_name": family + ending,
        "name_original": f"{family_cyr}{ending_cyr} {given_cyr}",
    }


def build(*, cases: int, persons: int, detained: int) -> None:
    """The rows, through bulk_create, then the search keys rebuilt in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from casefiles.choices import DetentionMeasure, EventKind, HearingKind, PartyRole
    from casefiles.models import (
        Article,
        Case,
        CaseParty,
        Charge,
        Detention,
        Event,
        Hearing,
    )
    from casefiles.search import search_names_rebuild
    from letters.models import Letter
    from people.choices import Script
    from people.models import Alias, Person

    if Case.objects.filter(reference__startswith=PREFIX).count() == cases:
        return
    if detained > cases or cases > persons:
        sys.exit("Need detained ≤ cases ≤ persons.")
    rng = random.Random(2026)
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    started = time.perf_counter()
    with transaction.atomic():
        Letter.objects.filter(reference__startswith=PREFIX).delete()
        for model in (Event, Hearing, Charge, Detention, CaseParty):
            model.objects.filter(case__reference__startswith=PREFIX).delete()
        Case.objects.filter(reference__startswith=PREFIX).delete()
        Person.objects.filter(home_town=PREFIX).delete()
        people = Person.objects.bulk_create(
            (
                Person(**_person_names(rng), original_script=Script.CYRILLIC, home_town=PREFIX)
                for _ in range(persons)
            ),
            batch_size=5000,
        )
        Alias.objects.bulk_create(
            (Alias(person=person, name="{} {}".format(*_name(rng, 3))) for person in people[::3]),
            batch_size=5000,
        )
        articles = {
            country: Article.objects.get_or_create(
                jurisdiction=country,
                number="174",
                part="2",
                defaults={"title": "Inciting social, national, clan, racial or religious discord"},
            )[0]
            for country in COUNTRIES
        }
        case_rows = Case.objects.bulk_create(
            (
                Case(
                    reference=f"{PREFIX}{i:06d}",
                    title=f"{people[i].family_name} {people[i].given_name}",
                    country=COUNTRIES[i % len(COUNTRIES)],
                    opened_on=datetime.date(2012, 1, 1) + day * (i % 4000),
                )
                for i in range(cases)
            ),
            batch_size=5000,
        )
        parties, detentions, charges, hearings, events, letters = [], [], [], [], [], []
        for i, case in enumerate(case_rows):
            person = people[i]
            parties.append(CaseParty(case=case, person=person, role=PartyRole.POLITICAL_PRISONER))
            begun = today - day * (40 + (i * 7) % 3650)
            held_now = i < detained
            detentions.append(
                Detention(
                    case=case,
                    person=person,
                    measure=DetentionMeasure.PRETRIAL_DETENTION,
                    started_on=begun,
                    planned_end=begun + day * 60 if i % 3 == 0 else None,
                    actual_end=None if held_now else begun + day * 30,
                )
            )
            charges.append(
                Charge(
                    case=case,
                    person=person,
                    article=articles[case.country],
                    description="Posts on social media",
                    brought_on=begun,
                )
            )
            if i % 4 == 0:
                hearings.append(
                    Hearing(case=case, held_on=today + day * (i % 90), kind=HearingKind.OTHER)
                )
            if i % 2 == 0:
                events.append(
                    Event(case=case, occurred_on=begun - day, kind=EventKind.SEARCH, title="Search")
                )
            if i % 50 == 0:
                letters.append(
                    Letter(
                        case=case,
                        reference=f"{PREFIX}LTR-{i:06d}",
                        subject=f"The detention of {person.given_name} {person.family_name}",
                        dated_on=begun + day * 10,
                    )
                )
        for model, rows in (
            (CaseParty, parties),
            (Detention, detentions),
            (Charge, charges),
            (Hearing, hearings),
            (Event, events),
            (Letter, letters),
        ):
            model.objects.bulk_create(rows, batch_size=5000)
    keys_started = time.perf_counter()
    search_names_rebuild()
    keys = time.perf_counter() - keys_started
    print(
        f"Built {cases:,} cases and {persons:,} persons in "
        f"{time.perf_counter() - started:.0f} s (search keys rebuilt in {keys:.1f} s)"
    )


def settle() -> None:
    """VACUUM ANALYZE, as autovacuum does to a database in service soon after a bulk load:
    this machine's PostgreSQL may run without it (`autovacuum = off`), and then the load's
    rows stayed in the GIN indexes' unsorted pending lists and index-only scans read the
    table too, measuring a database no organisation runs."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        cursor.execute("VACUUM ANALYZE")
    print(
        f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s "
        f"(this server's autovacuum: {autovacuum})"
    )


@dataclass
class Figure:
    page: str
    median_ms: float
    worst_ms: float
    queries: int
    kib: float


def time_page(page: str, client, url: str, repeat: int) -> Figure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    size = 0
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            sys.exit(f"{page}: {url} answered {response.status_code}")
        size = len(response.content)
        if i:  # the first request warms caches up
            times.append(elapsed * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return Figure(page, statistics.median(times), max(times), len(queries), size / 1024)


def measure_pages(long_case, repeat: int, only: list[str] | None = None) -> list[Figure]:
    from django.urls import reverse

    from bench.admin_case import administrator_client
    from casefiles.models import Case
    from people.models import Person

    viewer = viewer_client()
    administrator = administrator_client()
    common = (
        Person.objects.filter(home_town=PREFIX)
        .values_list("family_name", flat=True)
        .order_by("family_name")[5000]
    )
    rare = Person.objects.filter(home_town=PREFIX).order_by("-pk").first()
    assert rare is not None
    misspelled = rare.family_name[:2] + rare.family_name[3:]
    cyrillic = rare.name_original.split()[0]
    detained_case = Case.objects.filter(reference=f"{PREFIX}000000").get()
    person = detained_case.parties.get().person
    pages = [
        ("dashboard", viewer, reverse("staff:dashboard")),
        ("case list", viewer, reverse("staff:case_list")),
        ("case list, free text", viewer, reverse("staff:case_list") + f"?q={common}"),
        ("case list, Cyrillic name", viewer, reverse("staff:case_list") + f"?person={cyrillic}"),
        ("case list, detained now", viewer, reverse("staff:case_list") + "?detained_now=true"),
        ("long case page", viewer, reverse("staff:case_detail", args=[long_case.pk])),
        ("long case brief", viewer, reverse("staff:case_brief", args=[long_case.pk])),
        ("search, common surname", viewer, reverse("staff:search") + f"?q={common}"),
        ("search, rare name", viewer, reverse("staff:search") + f"?q={rare.family_name}"),
        ("search, misspelled", viewer, reverse("staff:search") + f"?q={misspelled}"),
        # Three letters typed: the picker asks with each keystroke, and staff search so too.
        ("search, first letters", viewer, reverse("staff:search") + f"?q={common[:3]}"),
        ("person picker", viewer, reverse("staff:person_picker") + f"?q={common[:5]}"),
        (
            "person picker, first letters",
            viewer,
            reverse("staff:person_picker") + f"?q={common[:3]}",
        ),
        ("person page", viewer, reverse("staff:person_detail", args=[person.pk])),
        ("letters list", viewer, reverse("letters:list")),
        ("back office case list", administrator, reverse("admin:casefiles_case_changelist")),
        (
            "back office long case",
            administrator,
            reverse("admin:casefiles_case_change", args=[long_case.pk]),
        ),
    ]
    if only:
        pages = [entry for entry in pages if any(word in entry[0] for word in only)]
        if not pages:
            sys.exit(f"No page's name holds any of {only}.")
    figures = []
    for page, client, url in pages:
        figures.append(time_page(page, client, url, repeat))
        print(f"  measured {page}", file=sys.stderr)
    return figures


def print_table(figures: list[Figure]) -> bool:
    print(f"{'page':<28}{'median':>9}{'worst':>9}{'queries':>9}{'KiB':>8}  target")
    all_met = True
    for figure in figures:
        target = TARGETS.get(figure.page)
        query_target = QUERY_TARGETS.get(figure.page)
        verdict = ""
        if target is not None:
            met = figure.median_ms <= target and (
                query_target is None or figure.queries <= query_target
            )
            all_met &= met
            wanted = f"≤ {target} ms" + (f", ≤ {query_target} queries" if query_target else "")
            verdict = f"{wanted}: {'met' if met else 'NOT met'}"
        print(
            f"{figure.page:<28}{figure.median_ms:>7.0f}ms{figure.worst_ms:>7.0f}ms"
            f"{figure.queries:>9}{figure.kib:>8.0f}  {verdict}"
        )
    return all_met


def time_rebuild() -> bool:
    """Rebuild every search key of the data set once, as `manage.py rebuild_search_names`."""
    from casefiles.search import search_names_rebuild

    started = time.perf_counter()
    written = search_names_rebuild()
    seconds = time.perf_counter() - started
    met = seconds <= REBUILD_TARGET_S
    print(
        f"{'search keys rebuilt':<28}{seconds:>8.1f}s{'':>9}{written:>9,}{'':>8}"
        f"  ≤ {REBUILD_TARGET_S} s: {'met' if met else 'NOT met'} (rows written, not queries)"
    )
    return met


# --- the load test ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat (Linux only)."""
    try:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def staff_session() -> str:
    """The key of a session signed in as the bench's Viewer, kept in the database (and the
    cache), for a server in another process to be sent as the `sessionid` cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    client = viewer_client()
    user = User.objects.get(pk=client.session[SESSION_KEY])
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def production_env(static_root: str) -> dict[str, str]:
    """This process's environment, for a production server (`DEBUG` off, as `make serve`)
    on the same database, served over plain HTTP on 127.0.0.1."""
    from django.conf import settings

    return os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_ROOT": static_root,
    }


def load_test(*, rate: float, seconds: int, workers: int, long_case) -> bool:
    """gunicorn as `make serve` runs it, and locust offering `rate` requests/s of a staff
    mix (bench/locustfile.py) for `seconds` seconds. True when p95 ≤ 300 ms, no errors."""

    from casefiles.models import Case

    session_key = staff_session()
    case_ids = list(
        Case.objects.filter(reference__startswith=PREFIX).values_list("pk", flat=True)[:2000]
    )
    port = _free_port()
    static_root = tempfile.mkdtemp(prefix="casefiles-scale-static-")
    env = production_env(static_root) | {
        "SCALE_SESSION": session_key,
        "SCALE_CASES": ",".join(map(str, case_ids)),
        "SCALE_LONG_CASE": str(long_case.pk),
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "casefiles.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(workers), "--timeout", "60"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out = Path(tempfile.mkdtemp(prefix="casefiles-scale-locust-"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("gunicorn did not start")
                time.sleep(0.3)
        users = max(1, round(rate))
        cpu_before = _cpu_times()
        locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [python, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")]
            + ["--headless", "--host", f"http://127.0.0.1:{port}", "--users", str(users)]
            + ["--spawn-rate", str(users), "--run-time", f"{seconds}s", "--only-summary"]
            + ["--csv", str(out / "run"), "--loglevel", "ERROR"],
            env=env | {"SCALE_RATE_PER_USER": str(rate / users)},
            cwd=ROOT,
            check=False,
            capture_output=True,
        )
        cpu_after = _cpu_times()
        locust_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(out / "run_stats.csv", newline="") as stats_file:
            rows = {row["Name"]: row for row in csv.DictReader(stats_file)}
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)
    total = rows["Aggregated"]
    print(
        f"\nLoad test: {users} staff offering {rate:g} requests/s for {seconds} s to gunicorn "
        f"({workers} workers, DEBUG off)"
    )
    print(f"{'request':<28}{'count':>7}{'errors':>7}{'median':>8}{'p95':>8}{'p99':>8}")
    for name, row in rows.items():
        print(
            f"{name:<28}{row['Request Count']:>7}{row['Failure Count']:>7}"
            f"{row['50%']:>6}ms{row['95%']:>6}ms{row['99%']:>6}ms"
        )
    if cpu_before and cpu_after:
        busy = (cpu_after[0] - cpu_before[0]) / max(1, cpu_after[1] - cpu_before[1])
        print(f"machine CPU busy during the run: {busy:.0%} (server, database and locust)")
    locust_cpu = sum(
        getattr(locust_after, field) - getattr(locust_before, field)
        for field in ("ru_utime", "ru_stime")
    )
    requests_made = max(1, int(total["Request Count"]))
    print(
        f"locust itself used {locust_cpu:.1f} CPU-seconds "
        f"({locust_cpu / requests_made * 1000:.1f} ms per request)"
    )
    p95 = float(total["95%"])
    errors = int(total["Failure Count"])
    throughput = float(total["Requests/s"])
    met = p95 <= 300 and errors == 0
    print(
        f"throughput {throughput:.1f} requests/s, p95 {p95:.0f} ms, {errors} errors "
        f"(target: p95 ≤ 300 ms and no errors at 25 requests/s: {'met' if met else 'NOT met'})"
    )
    return met


def reference_loop_s() -> float:
    """Seconds a fixed piece of pure Python takes here (ten million additions): the host's
    own speed, which on a shared virtual machine changes from minute to minute (0.7 to
    1.3 s on the same 2-core machine in an hour), so that two runs' figures compare."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--detained", type=int, default=5_000)
    parser.add_argument("--long", type=int, default=2_000, help="entries of the long case")
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per page")
    parser.add_argument("--rate", type=float, default=25, help="offered requests/s")
    parser.add_argument("--seconds", type=int, default=60, help="length of the load test")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument(
        "--load-only", action="store_true", help="run the load test only (no page timings)"
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="time a full rebuild of the search keys even with --only (always without it)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="WORDS",
        help="measure only the pages whose name holds WORDS (repeatable; implies --no-load)",
    )
    args = parser.parse_args()
    setup()
    from django.conf import settings

    from bench.case_page import build as build_long_case

    print(f"Load average before: {os.getloadavg()[0]:.1f} (other work here skews figures)")
    print(f"Host speed: the reference loop took {reference_loop_s():.2f} s (lower is faster)")
    print(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"Sessions: {settings.SESSION_ENGINE.rsplit('.', 1)[-1]}")
    build(cases=args.cases, persons=args.persons, detained=args.detained)
    long_case = build_long_case(entries=args.long)
    settle()
    print(
        f"{args.cases:,} cases, {args.persons:,} persons, {args.detained:,} detained now, "
        f"one case of {args.long:,} timeline entries; {args.repeat} requests per page\n"
    )
    met = True
    if not args.load_only:
        met &= print_table(measure_pages(long_case, args.repeat, args.only))
    if args.rebuild or not (args.only or args.load_only):
        met &= time_rebuild()
    if not args.no_load and not args.only:
        met &= load_test(
            rate=args.rate, seconds=args.seconds, workers=args.workers, long_case=long_case
        )
    print(f"\nHost speed after: the reference loop took {reference_loop_s():.2f} s")
    print("\nEvery target met." if met else "\nSome targets are NOT met (see above).")


if __name__ == "__main__":
    main()
