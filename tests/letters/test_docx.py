"""The letter as a Word document: the seed letter's blocks, body, emphasis and real footnotes."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse
from docx import Document
from lxml import etree

from letters.docx import letter_docx_bytes
from tests.letters.conftest import DEMO_REFERENCE, make_letter
from tests.letters.test_demo_pdf import SEED_BLOCKS, SEED_BODY, SEED_FOOTNOTES, squash

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def read_docx(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def paragraphs(xml: bytes) -> list[str]:
    """Each paragraph's text, footnote calls as their numbers (Word shows them so)."""
    texts = []
    for paragraph in etree.fromstring(xml).iter(f"{W}p"):
        parts = []
        for node in paragraph.iter(f"{W}t", f"{W}footnoteReference"):
            parts.append(node.get(f"{W}id") if node.tag == f"{W}footnoteReference" else node.text)
        texts.append("".join(part or "" for part in parts))
    return texts


@pytest.fixture
def demo_docx(demo_letter, tmp_path) -> dict[str, bytes]:
    out = tmp_path / "letter.docx"
    call_command("render_letter", DEMO_REFERENCE, "--docx", "-o", str(out), stdout=io.StringIO())
    return read_docx(out.read_bytes())


def test_the_command_writes_a_word_document_with_a_footnotes_part(demo_docx):
    assert "word/footnotes.xml" in demo_docx
    types = demo_docx["[Content_Types].xml"].decode()
    assert "wordprocessingml.footnotes+xml" in types
    relationships = demo_docx["word/_rels/document.xml.rels"].decode()
    assert "relationships/footnotes" in relationships
    settings = etree.fromstring(demo_docx["word/settings.xml"])
    separators = settings.findall(f"{W}footnotePr/{W}footnote")
    assert [s.get(f"{W}id") for s in separators] == ["-1", "0"]
    # python-docx opens what it wrote.
    Document(io.BytesIO(_zip(demo_docx)))


def test_the_footnotes_part_holds_the_eight_urls_in_order(demo_docx):
    notes = etree.fromstring(demo_docx["word/footnotes.xml"])
    real = [note for note in notes.iter(f"{W}footnote") if note.get(f"{W}type") is None]
    texts = ["".join(t.text or "" for t in note.iter(f"{W}t")).strip() for note in real]
    assert [note.get(f"{W}id") for note in real] == [str(n) for n in range(1, 9)]
    assert texts == [SEED_FOOTNOTES[n] for n in range(1, 9)]
    # Each note opens with Word's own number and links to its URL.
    for note in real:
        assert note.find(f".//{W}footnoteRef") is not None
        assert note.find(f".//{W}hyperlink") is not None
    links = demo_docx["word/_rels/footnotes.xml.rels"].decode()
    for url in SEED_FOOTNOTES.values():
        assert url.replace("&", "&amp;") in links


def test_every_paragraph_of_the_seed_letter_is_in_the_body(demo_docx):
    body = [squash(text) for text in paragraphs(demo_docx["word/document.xml"])]
    for paragraph in SEED_BODY:
        assert squash(paragraph) in body, paragraph[:80]


def test_the_calls_are_real_footnote_references_not_a_list_at_the_end(demo_docx):
    document = etree.fromstring(demo_docx["word/document.xml"])
    calls = [ref.get(f"{W}id") for ref in document.iter(f"{W}footnoteReference")]
    assert calls == [str(n) for n in range(1, 9)]
    text = "".join(paragraphs(demo_docx["word/document.xml"]))
    for url in SEED_FOOTNOTES.values():
        assert url not in text


def test_the_blocks_are_in_the_body_in_order(demo_docx):
    body = squash("".join(paragraphs(demo_docx["word/document.xml"])))
    to_block = "".join(SEED_BLOCKS[: SEED_BLOCKS.index("Brussels, 29 June 2021")])
    order = [
        squash(to_block),
        squash("Brussels, 29 June 2021Your Excellency,"),
        squash("Sincerely,"),
        squash("Petras AUŠTREVIČIUS"),
        squash("cc:"),
        squash("Delegation-Kazakhstan-HRFOCALPOINT@eeas.europa.eu"),
    ]
    positions = [body.find(block) for block in order]
    assert -1 not in positions and positions == sorted(positions), positions


def test_names_in_bold_stay_bold(demo_docx):
    document = etree.fromstring(demo_docx["word/document.xml"])
    bold = {
        "".join(t.text or "" for t in run.iter(f"{W}t"))
        for run in document.iter(f"{W}r")
        if run.find(f"{W}rPr/{W}b") is not None
    }
    assert {"Mr Bekizhan Mendygazyev", "Mr Barlyk Mendygazyev"} <= bold
    assert "The President of the Republic of Kazakhstan" in bold


def test_italic_and_lists_are_kept():
    letter = make_letter(body="We write *urgently*.\n\n- first point\n- second point\n")
    document = etree.fromstring(read_docx(letter_docx_bytes(letter))["word/document.xml"])
    italic = [
        "".join(t.text or "" for t in run.iter(f"{W}t"))
        for run in document.iter(f"{W}r")
        if run.find(f"{W}rPr/{W}i") is not None
    ]
    assert italic == ["urgently"]
    styles = [
        style.get(f"{W}val")
        for paragraph in document.iter(f"{W}p")
        if (style := paragraph.find(f"{W}pPr/{W}pStyle")) is not None
    ]
    assert styles.count("ListBullet") == 2


def test_hostile_text_stays_text_in_word():
    letter = make_letter(body='Hello <w:p>&amp; </w:body> <script>x</script> "quoted" & more')
    letter.subject = "</w:t><w:t>injected"
    letter.save()
    xml = read_docx(letter_docx_bytes(letter))["word/document.xml"]
    etree.fromstring(xml)  # still well-formed
    text = "".join(paragraphs(xml))
    assert "</w:t><w:t>injected" in text
    assert "<script>" not in text


def staff_user(role: str) -> User:
    user = User.objects.create_user(role.lower(), password="x" * 20)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_the_letter_page_offers_the_download_to_a_viewer(client, demo_letter):
    client.force_login(staff_user("Viewer"))
    page = client.get(reverse("letters:detail", args=[demo_letter.pk]))
    docx_url = reverse("letters:docx", args=[demo_letter.pk])
    assert docx_url in page.content.decode()
    response = client.get(docx_url)
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert f'filename="{DEMO_REFERENCE}.docx"' in response["Content-Disposition"]
    assert "word/footnotes.xml" in read_docx(response.content)


def test_a_letter_that_cannot_be_printed_says_why_on_the_letter_page(client):
    letter = make_letter(body="Cites [^src:999999] that does not exist.")
    client.force_login(staff_user("Viewer"))
    response = client.get(reverse("letters:docx", args=[letter.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("letters:detail", args=[letter.pk])
    assert "cannot be made yet" in response.content.decode()
    assert re.search(r"\[\^src:999999\]", response.content.decode())


def test_a_scanned_signature_is_printed_above_its_name():
    from django.core.files.base import ContentFile
    from PIL import Image

    letter = make_letter()
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), "blue").save(buffer, "PNG")
    signatory = letter.signatories.first()
    signatory.signature_image.save("signature.png", ContentFile(buffer.getvalue()))
    parts = read_docx(letter_docx_bytes(letter))
    assert [name for name in parts if name.startswith("word/media/")]
    body = "".join(paragraphs(parts["word/document.xml"]))
    assert body.index("Sincerely,") < body.index(signatory.person.signature_name)
