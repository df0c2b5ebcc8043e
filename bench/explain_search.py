"""EXPLAIN ANALYZE the SQL of the case list filtered by a name and of /search/, at size.

Run against a database `bench/scale.py` built (or a copy of it: `CREATE DATABASE x TEMPLATE
casefiles_scale`); it only reads. For each page it requests the page once to warm up, once
more capturing its queries, then runs each SELECT under EXPLAIN ANALYZE and prints the
number of queries, the summed execution and planning time, and the costliest three
(`PLANS=1` prints their plans). On a shared machine, compare these, not wall times.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/casefiles_scale \\
    .venv/bin/python bench/explain_search.py [page title words ...]
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casefiles.settings")
os.environ.setdefault("DEBUG", "1")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench._common import viewer_client
    from bench.scale import PREFIX
    from people.models import Person

    persons = Person.objects.filter(home_town=PREFIX)
    common = persons.values_list("family_name", flat=True).order_by("family_name")[5000]
    rare = persons.order_by("-pk").first()
    assert rare is not None, "build the data set with bench/scale.py first"
    misspelled = rare.family_name[:2] + rare.family_name[3:]
    pages = [
        ("case list, free text", reverse("staff:case_list") + f"?q={common}"),
        (
            "case list, person",
            reverse("staff:case_list") + f"?person={rare.name_original.split()[0]}",
        ),
        ("search, common surname", reverse("staff:search") + f"?q={common}"),
        ("search, rare name", reverse("staff:search") + f"?q={rare.family_name}"),
        ("search, misspelled", reverse("staff:search") + f"?q={misspelled}"),
    ]
    only = sys.argv[1:]
    client = viewer_client()
    for title, url in pages:
        if only and not any(word in title for word in only):
            continue
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        print(f"== {title}: {url}  queries={len(captured.captured_queries)}")
        rows = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            text = "\n".join(plan)
            execution = float(re.search(r"Execution Time: ([\d.]+)", text).group(1))  # type: ignore[union-attr]
            planning = float(re.search(r"Planning Time: ([\d.]+)", text).group(1))  # type: ignore[union-attr]
            rows.append((execution + planning, execution, planning, sql[:160], plan))
        total_execution = sum(row[1] for row in rows)
        total_planning = sum(row[2] for row in rows)
        print(f"   total execution {total_execution:.1f} ms, planning {total_planning:.1f} ms")
        for _, execution, planning, sql, plan in sorted(rows, reverse=True)[:3]:
            print(f"   {execution:8.1f} exec {planning:6.1f} plan  {sql}")
            if os.environ.get("PLANS"):
                print("\n".join("      " + line for line in plan[:60]))


if __name__ == "__main__":
    main()
