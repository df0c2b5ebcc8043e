"""A letter as HTML and as PDF: Markdown body, source citations as footnotes, the page layout.

The body is staff-written Markdown. It is converted, then sanitised with nh3 to a
short list of text tags (no images, no styles, no scripts), and only then are the
citations turned into footnotes, so nothing a user types can reach WeasyPrint as
markup that loads or styles anything. Markdown (`letters.markup`) and WeasyPrint both run
in a child process under time and memory limits (`casefiles.sandbox`): what a user types
can make them slow, but cannot hang the web request or the worker.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format

from casefiles.models import Source
from casefiles.pdf import PDFRenderError, css_string, font_face_css, render_pdf
from casefiles.sandbox import RenderLimitError, limits_from_settings, run_bounded
from casefiles.templatetags.staff import safe_link
from letters.choices import LetterheadChoice, LetterStatus, RecipientKind, SigningStatus
from letters.markup import BodyMarkupError, markdown_to_html
from letters.models import Letter, Letterhead, LetterSignatory

CITATION = re.compile(r"\[\^src:(\d+)\]")
STYLESHEET = Path(settings.BASE_DIR) / "static" / "letters" / "letter.css"

# The renderer's own guard, for a body stored around validation (the model allows BODY_MAX).
BODY_MAX_CHARS = 100_000
# An address block is a few lines; thousands of characters are a paste gone wrong, and
# megabytes would take WeasyPrint minutes and gigabytes.
ADDRESS_MAX_CHARS = 5_000
EMAIL_LINE = re.compile(r"^([^@\s;,]+@[^@\s;,]+\.[^@\s;,]+)[;,]?$")


class LetterContentError(ValueError):
    """The letter cannot be rendered as written; the message tells staff what to fix."""


@dataclass(frozen=True)
class Footnote:
    number: int
    source: Source

    @property
    def url(self) -> str:
        """What the footnote prints (kept under this name for the preview's list)."""
        return footnote_text(self.source)

    @property
    def href(self) -> str:
        """The link to print, only for a web address: a javascript: or file: URL forced into
        the database is shown as text, never followed."""
        return footnote_href(self.source)


def footnote_href(source: Source) -> str:
    """Only a source's own http(s) URL is linked: never our login-protected download of an
    uploaded file, which nobody outside the organisation can open."""
    return safe_link(source.url) if source.url and not source.url.startswith("/") else ""


def footnote_text(source: Source) -> str:
    """A footnote as printed: the source's URL, or — for a source that only has an uploaded
    file — its title and publisher (an app-internal address means nothing to the reader)."""
    if source.url:
        return source.url
    return ", ".join(part for part in (source.title, source.publisher) if part)


@dataclass(frozen=True)
class PrintedRecipient:
    title_line: str
    lines: list[tuple[str, str]]  # (text, email address when the line is one)


@dataclass(frozen=True)
class PrintedSignatory:
    name: str
    signs_as: str
    signature_src: str
    awaiting: bool


@dataclass(frozen=True)
class PrintedLetterhead:
    name: str
    address_lines: list[str]
    logo_src: str  # "" when there is no logo


@dataclass(frozen=True)
class LetterBody:
    html: str
    footnotes: list[Footnote]


def cited_source_ids(body: str) -> list[int]:
    return [int(number) for number in CITATION.findall(body)]


def body_to_html(body: str) -> LetterBody:
    """The body's Markdown as safe HTML, each [^src:ID] a footnote showing the source's URL."""
    if len(body) > BODY_MAX_CHARS:
        raise LetterContentError(
            f"The body is {len(body):,} characters long; a letter may have at most "
            f"{BODY_MAX_CHARS:,}."
        )
    ids = cited_source_ids(body)
    sources = Source.objects.in_bulk(set(ids))
    unknown = sorted(set(ids) - set(sources))
    if unknown:
        raise LetterContentError(
            "The body cites sources that do not exist: "
            + ", ".join(f"[^src:{pk}]" for pk in unknown)
        )
    missing_link = sorted(pk for pk, source in sources.items() if not source.link)
    if missing_link:
        raise LetterContentError(f"Cited sources without a URL or file: {missing_link}")

    # A marker Markdown and nh3 leave alone, unguessable so no one can type one.
    marker = f"cite{secrets.token_hex(6)}n"
    text = CITATION.sub(lambda m: f"{marker}{m.group(1)}x", body)
    clean = _markdown_bounded(text)

    footnotes: list[Footnote] = []

    def footnote(match: re.Match[str]) -> str:
        source = sources[int(match.group(1))]
        footnotes.append(Footnote(len(footnotes) + 1, source))
        text = html.escape(footnote_text(source), quote=True)
        if not footnote_href(source):
            return f'<span class="footnote">{text}</span>'
        href = html.escape(footnote_href(source), quote=True)
        return f'<span class="footnote"><a href="{href}">{text}</a></span>'

    return LetterBody(re.sub(rf"{marker}(\d+)x", footnote, clean), footnotes)


def _markdown_bounded(text: str) -> str:
    """The body's Markdown as clean HTML, worked out in a child process under the render limits."""
    limit = settings.LETTERS_MARKDOWN_TIME_LIMIT
    try:
        return run_bounded(markdown_to_html, limits=limits_from_settings(limit), text=text)
    except BodyMarkupError as exc:
        raise LetterContentError(str(exc)) from None
    except RenderLimitError as exc:
        raise LetterContentError(
            f"The body is too complex to format: formatting it {exc}. Shorten the body, or "
            "remove long runs of brackets ([ ] < >), asterisks or deeply nested lists and quotes."
        ) from exc


def letter_is_final(letter: Letter) -> bool:
    return letter.status in (LetterStatus.FINAL, LetterStatus.SENT)


def printed_signatories(letter: Letter) -> list[LetterSignatory]:
    """Who appears under the letter: everyone but those who declined; once final, only those
    who signed (signatories who did not sign in time are left off)."""
    if letter_is_final(letter):
        return [s for s in letter.signatories.all() if s.status == SigningStatus.SIGNED]
    return [
        signatory
        for signatory in letter.signatories.all()
        if signatory.status != SigningStatus.DECLINED
    ]


def signature_key(signatory: LetterSignatory) -> str:
    """The name a signature image is fetched by; changes when a new image is uploaded."""
    return f"signatures/{signatory.pk}/{Path(str(signatory.signature_image.name)).name}"


def shows_signature(signatory: LetterSignatory) -> bool:
    """Only a signature on the text being printed is printed: one given on an earlier text
    (or not yet given) leaves the line "awaited"."""
    return signatory.status == SigningStatus.SIGNED and bool(signatory.signature_image)


def stored_bytes(file: FieldFile) -> bytes:
    """An uploaded file's bytes, read through its storage (MEDIA_ROOT or object storage).

    The renderer is given bytes, never a path: it reads no file it was not handed, wherever
    the uploads are kept.
    """
    with file.open("rb") as stream:
        return stream.read()


def signature_files(letter: Letter) -> dict[str, bytes]:
    """The files a letter's PDF may load besides fonts: its signatories' images."""
    return {
        signature_key(signatory): stored_bytes(signatory.signature_image)
        for signatory in printed_signatories(letter)
        if shows_signature(signatory)
    }


def letter_letterhead(letter: Letter) -> Letterhead | None:
    """The letterhead this letter prints: the organisation's, when it asks for it and one is set."""
    if letter.letterhead != LetterheadChoice.ORGANISATION:
        return None
    return Letterhead.objects.order_by("pk").first()


def letterhead_logo_key(letterhead: Letterhead) -> str:
    """The name the logo is fetched by in the PDF; changes when a new logo is uploaded."""
    return f"letterhead/{letterhead.pk}/{Path(str(letterhead.logo.name)).name}"


def letter_files(letter: Letter) -> dict[str, bytes]:
    """Every file a letter's PDF may load besides fonts: signature images and the logo."""
    files = signature_files(letter)
    letterhead = letter_letterhead(letter)
    if letterhead is not None and letterhead.logo:
        files[letterhead_logo_key(letterhead)] = stored_bytes(letterhead.logo)
    return files


def printed_letterhead(letter: Letter, *, for_pdf: bool) -> PrintedLetterhead | None:
    letterhead = letter_letterhead(letter)
    if letterhead is None:
        return None
    if not letterhead.logo:
        src = ""
    elif for_pdf:
        src = letterhead_logo_key(letterhead)
    else:
        src = reverse("letters:letterhead_logo", args=[letterhead.pk])
    return PrintedLetterhead(letterhead.name, letterhead.address_lines, src)


def printed_parties(
    letter: Letter, *, for_pdf: bool
) -> tuple[PrintedRecipient | None, list[PrintedRecipient], list[PrintedSignatory]]:
    """The addressee, the copies and the signatories as printed (PDF, preview and Word).

    A signature's ``signature_src`` is its key in `signature_files` for the PDF, its URL
    for the preview.
    """
    addressee, copies = None, []
    for recipient in letter.recipients.all():
        if len(recipient.address_block) > ADDRESS_MAX_CHARS:
            raise LetterContentError(
                f"The address block of “{recipient.title_line[:80]}” is "
                f"{len(recipient.address_block):,} characters long; at most "
                f"{ADDRESS_MAX_CHARS:,} can be printed. Shorten it."
            )
        printed = PrintedRecipient(
            recipient.title_line,
            [
                (line.strip(), match.group(1) if (match := EMAIL_LINE.match(line.strip())) else "")
                for line in recipient.address_lines
            ],
        )
        if recipient.kind == RecipientKind.ADDRESSEE:
            addressee = printed
        else:
            copies.append(printed)
    signatories = []
    for signatory in printed_signatories(letter):
        if not shows_signature(signatory):
            src = ""
        elif for_pdf:
            src = signature_key(signatory)
        else:
            src = reverse("letters:signature", args=[signatory.pk])
        signatories.append(
            PrintedSignatory(
                name=signatory.person.signature_name,
                signs_as=signatory.signs_as,
                signature_src=src,
                awaiting=signatory.status in (SigningStatus.INVITED, SigningStatus.EARLIER),
            )
        )
    return addressee, copies, signatories


def letter_html(letter: Letter, *, for_pdf: bool = True, final: bool | None = None) -> str:
    """The letter as one HTML document: what the PDF shows, or its on-screen preview."""
    from letters.invitations import letter_audit

    body = body_to_html(letter.body)
    final = letter_is_final(letter) if final is None else final
    addressee, copies, signatories = printed_parties(letter, for_pdf=for_pdf)
    return render_to_string(
        "letters/letter_document.html",
        {
            "letter": letter,
            "for_pdf": for_pdf,
            "final": final,
            "font_family": css_string(str(settings.PDF_FONT_FAMILY)),
            "reference_css": css_string(letter.reference),
            "date_line": f"{letter.place}, {date_format(letter.dated_on, 'j F Y')}",
            "letterhead": printed_letterhead(letter, for_pdf=for_pdf),
            "addressee": addressee,
            "copies": copies,
            "signatories": signatories,
            "body_html": body.html,
            "footnotes": body.footnotes,
            # The audit page (letters.invitations) closes the final PDF.
            "audit": letter_audit(letter) if final and for_pdf else None,
            # The final PDF's footer: where anyone may check it, as text and as a QR code.
            **(verification_footer(letter) if final and for_pdf else {}),
        },
    )


def verification_footer(letter: Letter) -> dict[str, str]:
    """The short address of the public check (/verify/?ref=…) and its QR code as inline SVG,
    drawn here (qrcode) so the renderer loads nothing for it."""
    import qrcode
    import qrcode.image.svg

    from letters.sending import verification_url

    url = verification_url(letter)
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=0)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'width="[^"]*" height="[^"]*" ', 'width="15mm" height="15mm" ', svg, count=1)
    return {"verify_url": url, "verify_short": url.split("://", 1)[-1], "verify_qr_svg": svg}


def preview_fonts_css() -> str:
    """The on-screen preview's font as a stylesheet: the PDF's family, loaded from static files.

    A file rather than a <style> in the preview, which the Content-Security-Policy refuses.
    """
    family = css_string(str(settings.PDF_FONT_FAMILY))
    faces = font_face_css(settings.STATIC_URL + "letters/fonts/")
    return f'{faces}\nhtml {{ font-family: "{family}", serif; }}\n'


def content_hash(html_text: str, *, final: bool) -> str:
    """What makes two renderings the same version: the HTML, finality, the stylesheet."""
    digest = hashlib.sha256()
    digest.update(html_text.encode("utf-8"))
    digest.update(STYLESHEET.read_bytes())
    digest.update(b"\x00final" if final else b"\x00draft")
    return digest.hexdigest()


def html_to_pdf(html_text: str, *, allowed_files: dict[str, bytes]) -> bytes:
    """The letter's PDF, made in a child process under the render limits (casefiles.pdf)."""
    try:
        return render_pdf(
            html=html_text,
            stylesheets=[STYLESHEET],
            allowed_files=allowed_files,
            time_limit=settings.LETTERS_RENDER_TIME_LIMIT,
        )
    except PDFRenderError as exc:
        if not exc.limit:
            raise
        raise PDFRenderError(
            f"{exc} The letter is too long or complex to print: shorten the body or the "
            "address blocks, or upload a smaller signature scan.",
            limit=exc.limit,
        ) from exc
