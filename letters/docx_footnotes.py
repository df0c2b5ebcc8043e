"""Real Word footnotes for python-docx, which has no footnotes API (python-docx 1.2).

A Word footnote lives in two places (ECMA-376 Part 1, §17.11):

- the part ``/word/footnotes.xml`` (content type ``…wordprocessingml.footnotes+xml``), related
  to the document part by a ``…/relationships/footnotes`` relationship. It holds the two
  separator "footnotes" Word draws between the text and the notes (ids -1 and 0), then one
  ``<w:footnote w:id="N">`` per note, whose first run is a ``<w:footnoteRef/>`` (Word prints
  the note's number there);
- a run ``<w:footnoteReference w:id="N"/>`` in the body where the call stands (Word prints
  the number, superscript, and lays the note out at the foot of that page).

`Footnotes(document)` adds the part through python-docx's OPC layer (an ``XmlPart`` related to
the document part, so the package writer lists it in ``[Content_Types].xml`` and writes it),
and `Footnotes.add(paragraph, text, url=...)` adds one note and its call. A note's link is a
real hyperlink, its relationship held by the footnotes part (a link belongs to the part its
text is in).

Word numbers the notes itself, in the order of their calls; ids only tie a call to its note.
As Word itself does, the settings part names the two separators (``<w:footnotePr>``, placed
before ``<w:compat>`` as the schema's order wants).
"""

from __future__ import annotations

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import OxmlElement
from docx.text.paragraph import Paragraph

FOOTNOTES_PARTNAME = "/word/footnotes.xml"

# The separator line above the notes, and the longer one when a note runs onto the next page.
EMPTY_FOOTNOTES = (
    f"<w:footnotes {nsdecls('w', 'r')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" '
    'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
    'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p>'
    "</w:footnote>"
    "</w:footnotes>"
)

# Half-points: 8 pt notes under 10.5 pt text, as in the PDF.
NOTE_SIZE_HALF_POINTS = "16"


def _superscript(run_properties) -> None:
    vert_align = OxmlElement("w:vertAlign")
    vert_align.set(qn("w:val"), "superscript")
    run_properties.append(vert_align)


def _text_run(text: str, *, size: str | None = None):
    run = OxmlElement("w:r")
    if size:
        run_properties = OxmlElement("w:rPr")
        for tag in ("w:sz", "w:szCs"):
            element = OxmlElement(tag)
            element.set(qn("w:val"), size)
            run_properties.append(element)
        run.append(run_properties)
    text_element = OxmlElement("w:t")
    text_element.set(qn("xml:space"), "preserve")
    text_element.text = text  # lxml escapes it: text never becomes markup
    run.append(text_element)
    return run


class Footnotes:
    """The document's footnotes part; `add` puts a note at the foot of its call's page."""

    def __init__(self, document: Document) -> None:
        document_part = document.part
        package = document_part.package
        if any(str(part.partname) == FOOTNOTES_PARTNAME for part in package.iter_parts()):
            raise ValueError("This document already has a footnotes part.")
        self.part = XmlPart(
            PackURI(FOOTNOTES_PARTNAME), CT.WML_FOOTNOTES, parse_xml(EMPTY_FOOTNOTES), package
        )
        document_part.relate_to(self.part, RT.FOOTNOTES)
        self._name_separators(document)
        self.count = 0

    @staticmethod
    def _name_separators(document: Document) -> None:
        settings = document.settings.element
        footnote_properties = OxmlElement("w:footnotePr")
        for separator_id in ("-1", "0"):
            separator = OxmlElement("w:footnote")
            separator.set(qn("w:id"), separator_id)
            footnote_properties.append(separator)
        compat = settings.find(qn("w:compat"))
        if compat is not None:
            compat.addprevious(footnote_properties)
        else:
            settings.append(footnote_properties)

    def add(self, paragraph: Paragraph, text: str, *, url: str = "") -> int:
        """Add a note saying ``text`` (a hyperlink to ``url`` when given) and its call at the
        end of ``paragraph``; return the note's id (its number, notes being added in order)."""
        self.count += 1
        note_id = str(self.count)

        call = paragraph.add_run()._r
        _superscript(call.get_or_add_rPr())
        reference = OxmlElement("w:footnoteReference")
        reference.set(qn("w:id"), note_id)
        call.append(reference)

        note = OxmlElement("w:footnote")
        note.set(qn("w:id"), note_id)
        note_paragraph = OxmlElement("w:p")
        paragraph_properties = OxmlElement("w:pPr")
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:after"), "0")
        paragraph_properties.append(spacing)
        note_paragraph.append(paragraph_properties)
        number = OxmlElement("w:r")
        number_properties = OxmlElement("w:rPr")
        _superscript(number_properties)
        number.append(number_properties)
        number.append(OxmlElement("w:footnoteRef"))
        note_paragraph.append(number)
        note_paragraph.append(_text_run("\u00a0", size=NOTE_SIZE_HALF_POINTS))
        text_run = _text_run(text, size=NOTE_SIZE_HALF_POINTS)
        if url:
            relationship_id = self.part.relate_to(url, RT.HYPERLINK, is_external=True)
            hyperlink = OxmlElement("w:hyperlink")
            hyperlink.set(qn("r:id"), relationship_id)
            hyperlink.append(text_run)
            note_paragraph.append(hyperlink)
        else:
            note_paragraph.append(text_run)
        note.append(note_paragraph)
        self.part.element.append(note)
        return self.count
