"""Rebuild every search key, e.g. after a bulk import that bypassed save()."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from casefiles.search import search_names_rebuild


class Command(BaseCommand):
    help = "Rebuild the search keys of every person, organisation and case, in bulk."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        written = search_names_rebuild()
        seconds = time.perf_counter() - started
        self.stdout.write(f"{written:,} search names written in {seconds:.1f} s.")
