from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from letters.verification import letter_file_verify


class Command(BaseCommand):
    help = (
        "Check a letter PDF: is its digital signature intact, who signed it, does the signer's "
        "certificate chain to a trust root (LETTERS_TRUST_ROOTS or --trust), and is it a "
        "version we stored? Exits with status 1 when the file fails any check."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--trust",
            type=Path,
            action="append",
            default=None,
            help="PEM/DER certificate to trust, besides those in LETTERS_TRUST_ROOTS "
            "(repeatable). Nothing is trusted by default.",
        )

    def handle(self, *args, file: Path, trust=None, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        result = letter_file_verify(data=file.read_bytes(), trust_files=trust)
        for line in result.lines:
            self.stdout.write(line)
        if not result.ok:
            untrusted = any("not trusted" in line for line in result.lines)
            reason = " The signer is not trusted." if untrusted else ""
            raise CommandError(f"The file FAILED verification.{reason}", returncode=1)
