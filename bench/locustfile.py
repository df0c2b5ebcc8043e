"""The staff mix that bench/scale.py offers the production server: what staff click in a day.

Each simulated staff member holds the signed-in session bench/scale.py made (SCALE_SESSION)
and offers SCALE_RATE_PER_USER requests per second on average, at random moments: the
gaps between one member's clicks are drawn from an exponential distribution, so that the
staff together offer a Poisson stream of requests, as people clicking independently do. The
schedule does not wait for the responses (an open rate, not "click when the last page came
back"): a slow server is offered the same clicks as a fast one, those that fell due while a
member's page was loading going as soon as it has come.

Why not locust's constant_throughput: locust starts all the users of a second in the same
instant, and constant_throughput keeps each one on the beat it started on, so twenty-five
users send twenty-five requests together once a second — a burst that queues on two cores
whatever the average load — instead of twenty-five requests spread over the second.

The users are FastHttpUser (geventhttpclient): the load tool runs on the machine it
measures, and its own CPU per request is a fraction of python-requests'.
"""

from __future__ import annotations

import os
import random
import time
from urllib.parse import quote

from locust import FastHttpUser, task

CASES = [int(pk) for pk in os.environ.get("SCALE_CASES", "").split(",") if pk]
LONG_CASE = int(os.environ.get("SCALE_LONG_CASE", "0"))
# Typed queries, as a browser sends them (percent-encoded UTF-8).
NAMES = [
    quote(name)
    for name in ["Bek", "Nurzhan", "Karsul", "Alimu", "Муратов", "Kenzhe", "Sultan", "Гульнар"]
]


RATE_PER_USER = float(os.environ.get("SCALE_RATE_PER_USER", "1"))


class Staff(FastHttpUser):
    def on_start(self) -> None:
        # The first click after a gap of its own too, not the moment the user was started
        # (locust starts a second's users together).
        self.next_click = time.monotonic() + random.expovariate(RATE_PER_USER)
        time.sleep(self.next_click - time.monotonic())  # gevent's sleep: the others go on

    def wait_time(self) -> float:
        """Until this member's next click: exponential gaps on a schedule kept whatever the
        responses took. A click that fell due while a page was still loading goes as soon
        as it has come, and the schedule is not shifted, so the clicks offered add up to
        the rate asked for."""
        self.next_click += random.expovariate(RATE_PER_USER)
        return max(0.0, self.next_click - time.monotonic())

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
