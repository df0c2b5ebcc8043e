"""Benchmark name search on SQLite, the embedded default: substrings alone against
substrings plus near spellings (one letter changed, added or dropped).

Builds a scratch SQLite database of N persons (default 100,000; two stored names each) with
syllable-made names, then prints for a few queries the number found (at most 20, as the
picker asks) and the median of five runs, with near spellings on and off.

Usage:

    .venv/bin/python bench/search_sqlite.py [--persons 100000] [--database /tmp/search.sqlite3]
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
    from casefiles.models import SearchName
    from casefiles.search import search_key
    from people.models import Person

    if Person.objects.count() >= persons:
        return
    rng = random.Random(1)
    Person.objects.bulk_create(
        (Person(given_name=_name(rng), family_name=_name(rng)) for _ in range(persons)),
        batch_size=5000,
    )
    rows = []
    for person in Person.objects.only("pk", "given_name", "family_name"):
        for text in (f"{person.given_name} {person.family_name}", person.family_name):
            rows.append(SearchName(person_id=person.pk, text=text, key=search_key(text)))
    SearchName.objects.bulk_create(rows, batch_size=5000)


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
    os.environ["DATABASE_URL"] = f"sqlite:///{args.database}"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    build(args.persons)

    import casefiles.search as search
    from casefiles.models import SearchName

    print(f"SQLite, {SearchName.objects.count():,} stored names")
    measure("near spellings on")
    shortest = search.NEAR_SPELLING_SHORTEST
    search.NEAR_SPELLING_SHORTEST = 1_000
    measure("substrings only")
    search.NEAR_SPELLING_SHORTEST = shortest


if __name__ == "__main__":
    main()
