"""The staff mix that bench/scale.py offers the production server: what staff click in a day.

Each simulated staff member holds the signed-in session bench/scale.py made (SCALE_SESSION)
and offers SCALE_RATE_PER_USER requests per second, so that the load is the same whatever
the response times (an open rate, not "click when the last page came back").

The users are FastHttpUser (geventhttpclient): the load tool runs on the machine it
measures, and its own CPU per request is a fraction of python-requests'.
"""

from __future__ import annotations

import os
import random
from urllib.parse import quote

from locust import FastHttpUser, constant_throughput, task

CASES = [int(pk) for pk in os.environ.get("SCALE_CASES", "").split(",") if pk]
LONG_CASE = int(os.environ.get("SCALE_LONG_CASE", "0"))
# Typed queries, as a browser sends them (percent-encoded UTF-8).
NAMES = [
    quote(name)
    for name in ["Bek", "Nurzhan", "Karsul", "Alimu", "Муратов", "Kenzhe", "Sultan", "Гульнар"]
]


class Staff(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("SCALE_RATE_PER_USER", "1")))

    # Every request carries the signed-in session bench/scale.py made.
    default_headers = {"Cookie": f"sessionid={os.environ.get('SCALE_SESSION', '')}"}

    def page(self, url: str, name: str) -> None:
        """A page as staff see it: anything but a 200 (a redirect to the login page, an
        error) counts as a failure."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")

    @task(3)
    def dashboard(self) -> None:
        self.page("/", "dashboard")

    @task(4)
    def case_list(self) -> None:
        self.page("/cases/", "case list")

    @task(2)
    def case_list_query(self) -> None:
        self.page(f"/cases/?q={random.choice(NAMES)}", "case list, free text")

    @task(5)
    def case_page(self) -> None:
        self.page(f"/cases/{random.choice(CASES)}/", "case page")

    @task(1)
    def long_case_page(self) -> None:
        self.page(f"/cases/{LONG_CASE}/", "long case page")

    @task(3)
    def search(self) -> None:
        self.page(f"/search/?q={random.choice(NAMES)}", "search")

    @task(2)
    def person_picker(self) -> None:
        self.page(f"/people/picker/?q={random.choice(NAMES)}", "person picker")

    @task(1)
    def letters(self) -> None:
        self.page("/letters/", "letters list")
