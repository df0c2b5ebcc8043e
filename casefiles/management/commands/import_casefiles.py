from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casefiles.exchange import ExchangeError, export_import


class Command(BaseCommand):
    help = (
        "Load an export written by export_casefiles into this empty database and the file "
        "storage. Checks every file's SHA-256 first and refuses, writing nothing, on a "
        "mismatch or when the database already holds records. Restored accounts have no usable "
        "password: set one with `changepassword`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options) -> None:
        try:
            summary = export_import(directory=directory)
        except ExchangeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Imported {summary.rows} rows of {len(summary.counts)} models and "
            f"{summary.files} files from {summary.directory}."
        )
