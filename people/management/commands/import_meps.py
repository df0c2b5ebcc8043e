"""python manage.py import_meps FILE [--as-of DATE] [--dry-run] [--user NAME]"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from people.meps import MAX_BYTES, DirectoryFileError, meps_import_file


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of “{value}” is not a date like 2024-07-16.") from None


class Command(BaseCommand):
    help = (
        "Import the MEP directory from the European Parliament's open-data MEP list (CSV, "
        "any encoding it is published in) or from the plain format described in "
        "docs/staff.md. Running it again with the same file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file.")
        parser.add_argument(
            "--as-of",
            help="The date the file describes (default today): memberships the file no longer "
            "holds end the day before.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument(
            "--user", help="The staff account the changes are recorded under in history."
        )

    def handle(self, *args, file: str, as_of=None, dry_run=False, user=None, **options) -> None:
        as_of_date = _date(as_of) if as_of else None
        account = None
        if user:
            account = User.objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"No active account named “{user}”.")
        path = Path(file)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(f"{file} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from error
        try:
            report = meps_import_file(
                data,
                as_of=as_of_date,
                user=account,
                reason=f"import_meps {path.name}",
                dry_run=dry_run,
            )
        except DirectoryFileError as error:
            raise CommandError(
                f"{file} was not imported; nothing was changed.\n" + "\n".join(error.messages)
            ) from error
        for line in report.lines():
            self.stdout.write(line)
