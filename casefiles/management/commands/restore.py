from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casefiles.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `backup` into this database and the file storage. Checks "
        "every file's SHA-256 first and refuses, writing nothing, on a mismatch. Refuses a "
        "database that already holds records unless --force, which replaces everything in it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the records already in this database with the backup's.",
        )

    def handle(self, *args, directory: Path, force: bool = False, **options) -> None:
        try:
            summary = backup_restore(directory=directory, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {summary.rows} rows and {summary.files} files from {summary.directory}."
        )
