from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from casefiles.exchange import ExchangeError, export_write


class Command(BaseCommand):
    help = (
        "Write every record as JSON (one file per model, ids kept, relations by id) and the "
        "files they name into DIR, with a manifest of SHA-256 sums and rows per model. "
        "With --user, only what that user may see. Passwords and second-factor secrets are "
        "never written (see docs/export.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Export only what this user may see (their roles and the visibility rule).",
        )
        parser.add_argument(
            "--history", action="store_true", help="Include the history of every change."
        )

    def handle(
        self, *args, directory: Path, user: str | None = None, history: bool = False, **options
    ) -> None:
        account = None
        if user is not None:
            account = User.objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"There is no user {user!r}.")
        try:
            summary = export_write(directory=directory, user=account, history=history)
        except ExchangeError as exc:
            raise CommandError(str(exc)) from exc
        for name in summary.missing_files:
            self.stderr.write(f"Warning: {name} is named by a record but missing from storage.")
        self.stdout.write(
            f"Exported {summary.rows} rows of {len(summary.counts)} models and "
            f"{summary.files} files to {summary.directory}."
        )
