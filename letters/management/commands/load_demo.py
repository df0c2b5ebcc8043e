import os

from django.core.management.base import BaseCommand
from django.db import transaction

from casefiles.demo import DEFAULT_DEMO_PASSWORD, load_demo_case
from letters.demo import load_demo_letter


class Command(BaseCommand):
    help = (
        "Load the demo case built from the MEPs' letter of 29 June 2021, and the `demo` user "
        "(password from DEMO_PASSWORD). Running it again changes nothing."
    )

    def handle(self, *args, **options) -> None:
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        with transaction.atomic():
            demo = load_demo_case(password=password)
            letter = load_demo_letter(demo)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo case {demo.case.reference} and letter {letter.reference} ready."
            )
        )
