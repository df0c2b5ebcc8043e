from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casefiles.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write the whole database (one consistent moment) and every media file into DIR, "
        "with a manifest of their SHA-256 sums. DIR must be new or empty."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options) -> None:
        try:
            summary = backup_write(directory=directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up {summary.rows} rows and {summary.files} files to {summary.directory}."
        )
