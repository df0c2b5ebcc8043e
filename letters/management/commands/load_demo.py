import os

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from casefiles.demo import DEFAULT_DEMO_PASSWORD, DEMO_USERNAME, load_demo_case
from letters.demo import load_demo_letter


class Command(BaseCommand):
    help = (
        "Load the demo case built from the MEPs' letter of 29 June 2021, and the `demo` user "
        "(password from DEMO_PASSWORD, set only when the user is created). Running it again "
        "changes nothing. Refuses to run with DEBUG off unless --allow-production."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (it adds a `demo` login with a known password).",
        )

    def handle(self, *args, allow_production: bool = False, **options) -> None:
        # The demo user's password is printed by `make run` and written in the README: on a
        # real installation it would be a way in for anyone who has read them.
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "load_demo adds a `demo` login with a published password, so it does not run "
                "with DEBUG off. Use it on a development copy (DEBUG=1), or pass "
                "--allow-production if this installation really should hold the demo."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        user_existed = User.objects.filter(username=DEMO_USERNAME).exists()
        with transaction.atomic():
            demo = load_demo_case(password=password)
            letter = load_demo_letter(demo)
        if user_existed:
            self.stdout.write(
                f"User `{DEMO_USERNAME}` already exists: its password was left unchanged."
            )
        else:
            self.stdout.write(f"Created user `{DEMO_USERNAME}` with the DEMO_PASSWORD password.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo case {demo.case.reference} and letter {letter.reference} ready."
            )
        )
