"""What the benchmark scripts share: a scratch PostgreSQL database, Django set up on it, a
signed-in client, and one page timed and reported the same way."""

from __future__ import annotations

import os
import statistics
import sys
import time


def ensure_database(url: str | None = None) -> None:
    """Create the PostgreSQL database named in `url` (default DATABASE_URL) if missing."""
    import dj_database_url
    import psycopg

    url = url or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database (it will be filled).")
    name = dj_database_url.parse(url)["NAME"]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    """The scratch database, created and migrated, with Django set up on it."""
    import django

    ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def viewer_client():
    """A test client signed in as a Viewer (the role every staff member has)."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from people.roles import VIEWER

    user, _ = User.objects.get_or_create(username="bench_viewer", defaults={"is_staff": True})
    user.groups.set(Group.objects.filter(name=VIEWER))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def report_page(
    title: str,
    client,
    url: str,
    *,
    repeat: int,
    target_ms: int,
    target_queries: int | None = None,
    warm_up: int = 2,
) -> None:
    """Request `url` `repeat` times after `warm_up` uncounted ones; print the median and
    worst time against the target, the query count and the response size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, size = [], 0
    for i in range(repeat + warm_up):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        size = len(response.content)
        if i >= warm_up:
            times.append(elapsed)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    median = statistics.median(times) * 1000
    print(f"{title}, {repeat} requests:")
    print(f"  median   {median:8.0f} ms  (target ≤ {target_ms} ms: ", end="")
    print("met)" if median <= target_ms else "NOT met)")
    print(f"  worst    {max(times) * 1000:8.0f} ms")
    queries_target = f"  (target ≤ {target_queries})" if target_queries is not None else ""
    print(f"  queries  {len(queries):8d}{queries_target}")
    print(f"  size     {size / 1024:8.0f} KiB")
