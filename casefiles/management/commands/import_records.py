from pathlib import Path

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casefiles.importing import IMPORT_MAX_BYTES
from casefiles.models import ImportKind
from casefiles.services import imports


class Command(BaseCommand):
    help = (
        "Import persons, cases, detentions, charges, events or sources from a CSV or XLSX "
        "file, as the staff account named by --user (its visibility for matching, its name "
        "in history). Rows with errors are listed and skipped; --dry-run writes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument(
            "--user", required=True, help="user name of the Editor the import runs as"
        )
        parser.add_argument("--dry-run", action="store_true", help="show the preview only")

    def handle(self, *args, file: Path, kind: str, user: str, dry_run: bool, **options):
        account = User.objects.filter(username=user).first()
        if account is None or not imports.may_import(account):
            raise CommandError(f"{user!r} is not an active account that may add cases.")
        try:
            with file.open("rb") as stream:
                content = stream.read(IMPORT_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        name = file.name
        try:
            if dry_run:
                outcome = imports.import_dry_run(
                    user=account, kind=kind, content=content, name=name
                )
                rows = outcome.rows
            else:
                run = imports.import_preview(user=account, kind=kind, content=content, name=name)
                run = imports.import_apply(run=run, user=account)
                rows = run.report
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for row in rows:
            for line in row["errors"] or [f"row {row['row']}: {row['action']}"]:
                self.stdout.write(line)
        counts = {
            action: sum(1 for row in rows if row["action"] == action)
            for action in ("created", "updated", "matched", "error")
        }
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {len(rows)} rows: {counts['created']} created, {counts['updated']} "
            f"updated, {counts['matched']} already on file, {counts['error']} with errors "
            f"(skipped){' — nothing written' if dry_run else ''}."
        )
