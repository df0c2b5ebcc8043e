"""The staff mix that bench/scale.py offers the production server: what staff click in a day.

Each simulated staff member holds the signed-in session bench/scale.py made (SCALE_SESSION)
and offers SCALE_RATE_PER_USER requests per second, so that the load is the same whatever
the response times (an open rate, not "click when the last page came back").
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, constant_throughput, task

CASES = [int(pk) for pk in os.environ.get("SCALE_CASES", "").split(",") if pk]
LONG_CASE = int(os.environ.get("SCALE_LONG_CASE", "0"))
NAMES = ["Bek", "Nurzhan", "Karsul", "Alimu", "Муратов", "Kenzhe", "Sultan", "Гульнар"]


class Staff(HttpUser):
    wait_time = constant_throughput(float(os.environ.get("SCALE_RATE_PER_USER", "1")))

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", os.environ["SCALE_SESSION"], domain="127.0.0.1")

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(4)
    def case_list(self) -> None:
        self.client.get("/cases/", name="case list")

    @task(2)
    def case_list_query(self) -> None:
        self.client.get(f"/cases/?q={random.choice(NAMES)}", name="case list, free text")

    @task(5)
    def case_page(self) -> None:
        self.client.get(f"/cases/{random.choice(CASES)}/", name="case page")

    @task(1)
    def long_case_page(self) -> None:
        self.client.get(f"/cases/{LONG_CASE}/", name="long case page")

    @task(3)
    def search(self) -> None:
        self.client.get(f"/search/?q={random.choice(NAMES)}", name="search")

    @task(2)
    def person_picker(self) -> None:
        self.client.get(f"/people/picker/?q={random.choice(NAMES)}", name="person picker")

    @task(1)
    def letters(self) -> None:
        self.client.get("/letters/", name="letters list")
