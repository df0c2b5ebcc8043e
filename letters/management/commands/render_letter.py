from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from letters.choices import RenderStatus
from letters.docx import letter_docx_bytes
from letters.models import Letter
from letters.rendering import LetterContentError, letter_html
from letters.services import letter_render_now, letter_version_request


class Command(BaseCommand):
    help = (
        "Render a letter to PDF through the same service as the letter page. Without --sync the "
        "rendering is queued for a Celery worker (or runs in-process when no broker is set)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "reference", nargs="?", help="The letter's reference, e.g. LTR-2021-06-29"
        )
        parser.add_argument(
            "--list", action="store_true", help="List letters: reference and subject."
        )
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="Write the rendered PDF (or, with --docx, .docx) here.",
        )
        parser.add_argument(
            "--docx",
            action="store_true",
            help="Write the letter as an editable Word document to --output instead of a PDF.",
        )
        parser.add_argument("--html", type=Path, help="Write the HTML that is rendered here.")
        parser.add_argument("--sync", action="store_true", help="Render now, in this process.")

    def handle(
        self,
        *args,
        reference=None,
        list=False,
        output=None,
        html=None,
        sync=False,
        docx=False,
        **options,
    ) -> None:
        if list:
            for ref, subject in Letter.objects.order_by("reference").values_list(
                "reference", "subject"
            ):
                self.stdout.write(f"{ref}\t{subject}")
            return
        if not reference:
            raise CommandError("Give a letter's reference, or --list to see them.")
        try:
            letter = Letter.objects.get(reference=reference)
        except Letter.DoesNotExist:
            raise CommandError(f"No letter with reference {reference!r}; see --list.") from None

        if docx:
            if not output:
                raise CommandError("Give the file to write the Word document to: -o letter.docx")
            try:
                output.write_bytes(letter_docx_bytes(letter))
            except LetterContentError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Word document written to {output}")
            return

        try:
            if html:
                html.write_text(letter_html(letter), encoding="utf-8")
                self.stdout.write(f"HTML written to {html}")
            if sync:
                version = letter_render_now(letter=letter)
            else:
                version = letter_version_request(letter=letter)
                version.refresh_from_db()
        except LetterContentError as exc:
            raise CommandError(str(exc)) from None

        if version.status == RenderStatus.FAILED:
            raise CommandError(f"{version}: {version.error}")
        self.stdout.write(
            f"{version}{' final' if version.is_final else ''}"
            + (f", sha256 {version.sha256}" if version.sha256 else "")
        )
        if output:
            if version.status != RenderStatus.DONE:
                raise CommandError(
                    f"{version} is {version.get_status_display().lower()}; use --sync to wait "
                    "for the PDF."
                )
            with version.file.open("rb") as pdf:
                output.write_bytes(pdf.read())
            self.stdout.write(f"PDF written to {output}")
