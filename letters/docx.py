"""A letter as an editable Word document (.docx): the same blocks, body and notes as its PDF.

Built with python-docx from the same pieces as the PDF (`letters.rendering`): the body is the
sanitised HTML of `body_to_html` (Markdown formatted in the render sandbox, cleaned by nh3),
walked here into Word paragraphs and runs — bold, italic, lists, quotes — and each citation
becomes a real Word footnote (`letters.docx_footnotes`) at the foot of its page. Text is only
ever set as run text, so nothing in a letter becomes Word markup.

What Word gets differently from the PDF: its own fonts (the PDF's font is not embedded), no
"Page n of m" (Word's page layout is Word's), and a DRAFT mark as a header line.
"""

from __future__ import annotations

import io
import logging
import re

import lxml.html
from django.utils.formats import date_format
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from lxml.html import HtmlElement

from letters.docx_footnotes import Footnotes
from letters.models import Letter
from letters.rendering import (
    PrintedRecipient,
    body_to_html,
    letter_is_final,
    letter_letterhead,
    printed_parties,
    signature_files,
    stored_bytes,
)

logger = logging.getLogger(__name__)

SPACE = re.compile(r"\s+")
BLOCKS = {"p", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr"}


def letter_docx_bytes(letter: Letter) -> bytes:
    """The letter as a .docx file's bytes. Raises LetterContentError like the PDF does."""
    body = body_to_html(letter.body)
    addressee, copies, signatories = printed_parties(letter, for_pdf=True)
    images = signature_files(letter)

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(24), Mm(26)
    section.left_margin, section.right_margin = Mm(24), Mm(22)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(0)
    section.footer.paragraphs[0].text = f"Ref. {letter.reference}"
    if not letter_is_final(letter):
        section.header.paragraphs[0].text = "DRAFT — not for sending"
        section.header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

    letterhead = letter_letterhead(letter)
    if letterhead is not None:
        if letterhead.logo:
            _picture(document, stored_bytes(letterhead.logo), str(letterhead.logo.name), Mm(18))
        name = document.add_paragraph()
        name.add_run(letterhead.name).bold = True
        for line in letterhead.address_lines:
            document.add_paragraph(line)
        _gap(document.paragraphs[-1], 18)

    if addressee is not None:
        label = document.add_paragraph("To:")
        _recipient(document, addressee)
        label.paragraph_format.space_after = Pt(2)
        _gap(document.paragraphs[-1], 18)

    date_line = document.add_paragraph(f"{letter.place}, {date_format(letter.dated_on, 'j F Y')}")
    _gap(date_line, 16)
    if letter.show_subject:
        subject = document.add_paragraph()
        subject.add_run("Subject:").bold = True
        subject.add_run(f" {letter.subject}")
        _gap(subject, 14)
    _gap(document.add_paragraph(letter.salutation), 10)

    footnotes = Footnotes(document)
    root = lxml.html.fragment_fromstring(body.html, create_parent="div")
    _blocks(document, root, footnotes, style=None)

    closing = document.add_paragraph(letter.closing)
    closing.paragraph_format.space_before = Pt(14)
    closing.paragraph_format.keep_with_next = True
    for signatory in signatories:
        if signatory.signature_src in images:
            _picture(document, images[signatory.signature_src], signatory.signature_src, Mm(14))
        else:
            document.add_paragraph().paragraph_format.space_before = Pt(24)
        name = document.add_paragraph()
        name.add_run(signatory.name).bold = True
        name.paragraph_format.keep_with_next = True
        _gap(document.add_paragraph(signatory.signs_as), 10)

    if copies:
        document.add_paragraph("cc:").paragraph_format.space_before = Pt(10)
        for recipient in copies:
            _recipient(document, recipient)
            _gap(document.paragraphs[-1], 10)

    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _gap(paragraph: Paragraph, points: float) -> Paragraph:
    paragraph.paragraph_format.space_after = Pt(points)
    return paragraph


def _picture(document, image: bytes, name: str, height) -> None:
    """An uploaded image (validated PNG/JPEG); one python-docx cannot read is left out."""
    try:
        document.add_picture(io.BytesIO(image), height=height)
    except Exception:  # noqa: BLE001 — an unreadable image must not stop the letter
        logger.warning("Left an unreadable image out of a Word letter: %s", name)


def _recipient(document, recipient: PrintedRecipient) -> None:
    title = document.add_paragraph()
    title.add_run(recipient.title_line).bold = True
    title.paragraph_format.space_after = Pt(4)
    for text, _email in recipient.lines:
        document.add_paragraph(text)


def _blocks(document, parent: HtmlElement, footnotes: Footnotes, *, style: str | None) -> None:
    """The body's block elements as paragraphs; loose inline content makes a paragraph too."""
    loose: list = []
    if parent.text and parent.text.strip():
        loose.append(parent.text)
    for child in parent:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in BLOCKS:
            _flush(document, loose, footnotes, style)
            loose = []
            _block(document, child, footnotes, style=style)
        else:
            loose.append(child)
        if child.tail and child.tail.strip():
            loose.append(child.tail)
    _flush(document, loose, footnotes, style)


def _flush(document, loose: list, footnotes: Footnotes, style: str | None) -> None:
    if not loose:
        return
    paragraph = document.add_paragraph(style=style)
    for item in loose:
        if isinstance(item, str):
            _text(paragraph, item, bold=False, italic=False)
        else:
            _inline(paragraph, item, footnotes, bold=False, italic=False, tail=False)
    _body_spacing(paragraph)


def _block(document, element: HtmlElement, footnotes: Footnotes, *, style: str | None) -> None:
    tag = element.tag
    if tag == "hr":
        return
    if tag in ("ul", "ol"):
        list_style = "List Bullet" if tag == "ul" else "List Number"
        for item in element.iterchildren("li"):
            _blocks(document, item, footnotes, style=list_style)
        return
    if tag == "blockquote":
        _blocks(document, element, footnotes, style="Quote")
        return
    paragraph = document.add_paragraph(style=style)
    heading = tag.startswith("h") and tag[1:].isdigit()
    _inline_children(paragraph, element, footnotes, bold=heading, italic=False)
    _body_spacing(paragraph)


def _body_spacing(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.space_after = Pt(9)
    if paragraph.style is None or paragraph.style.name == "Normal":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _inline_children(paragraph, element, footnotes, *, bold: bool, italic: bool) -> None:
    if element.text:
        _text(paragraph, element.text, bold=bold, italic=italic)
    for child in element:
        _inline(paragraph, child, footnotes, bold=bold, italic=italic, tail=True)


def _inline(paragraph, element, footnotes, *, bold: bool, italic: bool, tail: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "span" and "footnote" in (element.get("class") or "").split():
        link = element.find("a")
        footnotes.add(
            paragraph,
            element.text_content(),
            url=link.get("href", "") if link is not None else "",
        )
    elif tag == "br":
        paragraph.add_run().add_break()
    else:
        _inline_children(
            paragraph,
            element,
            footnotes,
            bold=bold or tag in ("strong", "b"),
            italic=italic or tag in ("em", "i"),
        )
    if tail and element.tail:
        _text(paragraph, element.tail, bold=bold, italic=italic)


def _text(paragraph: Paragraph, text: str, *, bold: bool, italic: bool) -> None:
    text = SPACE.sub(" ", text)
    if not paragraph.runs:
        text = text.lstrip()
    if not text:
        return
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
