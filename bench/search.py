"""Benchmark name search and the bulk rebuild of the search keys.

Builds a scratch database of N persons (default 100,000, a third with an alias) with
syllable-made names, then prints
  1. the time `rebuild_search_names` takes to rewrite every key (target: 30 s or less for
     100,000 persons on PostgreSQL);
  2. on SQLite, the embedded default: for a few queries the number found (at most 20, as the
     picker asks) and the median of five runs, with near spellings (one letter changed,
     added or dropped) on and off.

Usage (SQLite by default; PostgreSQL with a scratch DATABASE_URL, created when missing):

    .venv/bin/python bench/search.py [--persons 100000] [--database /tmp/search.sqlite3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/search_bench .venv/bin/python bench/search.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casefiles.settings")
os.environ.setdefault("DEBUG", "1")
from bench._common import ensure_database  # noqa: E402

SYLLABLES = [
    "ba",
    "ke",
    "zhan",
    "men",
    "dy",
    "ga",
    "zi",
    "ev",
    "ov",
    "nur",
    "sul",
    "tan",
    "as",
    "kar",
    "bek",
    "ali",
    "mu",
    "rat",
    "jus",
    "su",
    "pov",
    "er",
    "lan",
]
QUERIES = ("Mendygazuev", "Kenzhebek", "Karsultan", "Ali")


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def build(persons: int) -> None:
    from people.models import Alias, Person

    if Person.objects.count() >= persons:
        return
    rng = random.Random(1)
    Person.objects.bulk_create(
        (Person(given_name=_name(rng), family_name=_name(rng)) for _ in range(persons)),
        batch_size=5000,
    )
    Alias.objects.bulk_create(
        (
            Alias(person_id=pk, name=f"{_name(rng)} {_name(rng)}")
            for pk in Person.objects.values_list("pk", flat=True)[::3]
        ),
        batch_size=5000,
    )


def measure(label: str) -> None:
    from casefiles.search import persons_matching

    for query in QUERIES:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            found = len(list(persons_matching(query)[:20]))
            times.append(time.perf_counter() - started)
        median = statistics.median(times) * 1000
        median = statistics.median(times) * 1000
        print(f"{label:<24} {query:<12} found {found:>2}  median {median:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--database", default="/tmp/casefiles-search-bench.sqlite3")
    args = parser.parse_args()
    url = os.environ.setdefault("DATABASE_URL", f"sqlite:///{args.database}")
    if url.startswith("postgres"):
        ensure_database(url)

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    build(args.persons)

    import casefiles.search as search
    from people.models import Person

    started = time.perf_counter()
    written = search.search_names_rebuild()
    seconds = time.perf_counter() - started
    print(
        f"{connection.vendor}: rebuilt {written:,} search names of "
        f"{Person.objects.count():,} persons in {seconds:.1f} s"
    )
    if connection.vendor != "sqlite":
        return
    measure("near spellings on")
    shortest = search.NEAR_SPELLING_SHORTEST
    search.NEAR_SPELLING_SHORTEST = 1_000
    measure("substrings only")
    search.NEAR_SPELLING_SHORTEST = shortest


if __name__ == "__main__":
    main()
