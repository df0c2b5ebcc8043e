"""CPU per request of two checkouts, page by page, on the data `make bench-scale` built.

Figures on a shared virtual machine move with the host (the same page 1.5 times dearer from
one minute to the next), so a change is judged against the code before it at the same
moments: two production servers (gunicorn, one worker each, `DEBUG` off), one per checkout,
on the same database, are sent the staff mix's pages in turn, A then B then B then A, and
the CPU each server's worker and its PostgreSQL backend spent on each request is summed
(from /proc: Linux only). Prints, per page and for the mix weighted as bench/locustfile.py
weighs it, the milliseconds of CPU per request of each, and B's over A's.

Usage (B defaults to this checkout; A to a worktree of what to compare with):

    git worktree add /tmp/before HEAD~1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casefiles_scale \\
    CACHE_URL=redis://127.0.0.1:6379/2 \\
    .venv/bin/python bench/compare.py --a /tmp/before [--b .] [--requests 20] [PAGE ...]

PAGE: words of the page names below ("search", "case page"); all of them by default.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casefiles.settings")
os.environ.setdefault("DEBUG", "1")

from bench._common import setup  # noqa: E402
from bench.scale import PREFIX, _free_port, production_env, staff_session  # noqa: E402

# The names the staff mix types (bench/locustfile.py).
NAMES = [
    quote(name)
    for name in ["Bek", "Nurzhan", "Karsul", "Alimu", "Муратов", "Kenzhe", "Sultan", "Гульнар"]
]
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int:
    """User and system CPU of process `pid`, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Server:
    """gunicorn with one worker serving `checkout`, its database connection named `name`."""

    def __init__(self, name: str, checkout: Path, env: dict[str, str]) -> None:
        self.name = name
        self.port = _free_port()
        url = env["DATABASE_URL"]
        env = env | {"DATABASE_URL": f"{url}{'&' if '?' in url else '?'}application_name={name}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "casefiles.wsgi"]
            + ["--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            env=env,
            cwd=checkout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.worker = self.backend = 0

    def get(self, path: str, session: str) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Cookie": f"sessionid={session}"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            if response.status != 200:
                sys.exit(f"{self.name}: {path} answered {response.status}")
            response.read()

    def find_processes(self) -> None:
        """The worker (gunicorn's child) and the PostgreSQL backend serving it."""
        from django.db import connection

        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=True
        )
        self.worker = int(children.stdout.split()[0])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.name]
            )
            self.backend = cursor.fetchone()[0]

    def timed(self, path: str, session: str) -> tuple[int, int]:
        """Ticks of CPU the worker and the backend spent on one request."""
        worker, backend = _cpu_ticks(self.worker), _cpu_ticks(self.backend)
        self.get(path, session)
        return _cpu_ticks(self.worker) - worker, _cpu_ticks(self.backend) - backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="checkout to compare with")
    parser.add_argument("--b", type=Path, default=ROOT, help="checkout to judge")
    parser.add_argument("--requests", type=int, default=20, help="per page and server")
    parser.add_argument("pages", nargs="*")
    args = parser.parse_args()
    setup()
    from casefiles.models import Case

    session = staff_session()
    cases = list(
        Case.objects.filter(reference__startswith=PREFIX).values_list("pk", flat=True)[:2000]
    )
    long_case = Case.objects.filter(reference="BENCH-TIMELINE").values_list("pk", flat=True)
    if not cases or not long_case:
        sys.exit("Run `make bench-scale` first: it builds the data this compares on.")
    pages = {  # name: (weight in the mix, the page's address for the i-th request)
        "dashboard": (3, lambda i: "/"),
        "case list": (4, lambda i: "/cases/"),
        "case list, free text": (2, lambda i: f"/cases/?q={NAMES[i % len(NAMES)]}"),
        "case page": (5, lambda i: f"/cases/{cases[i * 37 % len(cases)]}/"),
        "long case page": (1, lambda i: f"/cases/{long_case[0]}/"),
        "search": (3, lambda i: f"/search/?q={NAMES[i % len(NAMES)]}"),
        "person picker": (2, lambda i: f"/people/picker/?q={NAMES[i % len(NAMES)]}"),
        "letters list": (1, lambda i: "/letters/"),
    }
    if args.pages:
        pages = {k: v for k, v in pages.items() if any(word in k for word in args.pages)}
    static_root = tempfile.mkdtemp(prefix="casefiles-compare-static-")
    env = production_env(static_root)
    servers = [
        Server("compare_a", args.a.resolve(), env),
        Server("compare_b", args.b.resolve(), env),
    ]
    try:
        deadline = time.monotonic() + 60
        for server in servers:
            while True:
                try:
                    server.get("/", session)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        sys.exit(f"{server.name} did not start")
                    time.sleep(0.3)
            server.find_processes()
        print(f"A: {args.a}\nB: {args.b}\n{args.requests} requests per page and server\n")
        print(
            f"{'page':<22}{'A app':>8}{'A db':>7}{'A':>8}{'B app':>9}{'B db':>7}{'B':>8}{'B/A':>7}"
        )
        mix = [0.0, 0.0]
        for name, (weight, url) in pages.items():
            for i in range(3):  # warm-up
                for server in servers:
                    server.get(url(i), session)
            spent = [[0, 0], [0, 0]]
            for i in range(args.requests):
                for index in (0, 1) if i % 2 else (1, 0):
                    app, db = servers[index].timed(url(i), session)
                    spent[index][0] += app
                    spent[index][1] += db
            per = [[ticks * TICK_MS / args.requests for ticks in pair] for pair in spent]
            total = [sum(pair) for pair in per]
            for index in (0, 1):
                mix[index] += weight * total[index]
            print(
                f"{name:<22}{per[0][0]:>6.1f}ms{per[0][1]:>5.1f}ms{total[0]:>6.1f}ms"
                f"{per[1][0]:>7.1f}ms{per[1][1]:>5.1f}ms{total[1]:>6.1f}ms"
                f"{total[1] / max(total[0], 0.001):>7.2f}"
            )
        weights = sum(weight for weight, _ in pages.values())
        print(
            f"\nmix, weighted: A {mix[0] / weights:.1f} ms, B {mix[1] / weights:.1f} ms of CPU "
            f"per request (B/A {mix[1] / max(mix[0], 0.001):.2f}; a clock tick is "
            f"{TICK_MS:.0f} ms, so compare pages over 20 requests or more)"
        )
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
