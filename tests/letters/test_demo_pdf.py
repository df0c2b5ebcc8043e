"""The demo letter's PDF says what the seed letter says, laid out as a letter."""

from __future__ import annotations

import io
import re

import pytest
from anyascii import anyascii
from django.core.management import call_command
from pypdf import PdfReader

from letters.choices import RenderStatus
from letters.rendering import cited_source_ids
from letters.services import letter_render_now
from tests.letters.conftest import DEMO_REFERENCE, SEED

pytestmark = pytest.mark.django_db


def squash(text: str) -> str:
    """Text without any whitespace: line breaks and justification differ, words do not."""
    return re.sub(r"\s+", "", text)


def seed_blocks() -> list[str]:
    """The seed's paragraphs as plain text: no Markdown, footnote calls as plain digits."""
    text = SEED.read_text(encoding="utf-8")
    text = re.sub(r"\[([^\]]+)\]\((?:mailto:)?[^)]+\)", r"\1", text)  # [label](link) → label
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"\\+_", "_", text).replace("**", "")  # the seed escapes _ as \\_
    text = re.sub(r"<sup>(\d+)</sup>", r"\1", text)
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


SEED_BLOCKS = seed_blocks()
SEED_FOOTNOTES = {
    int(m.group(1)): m.group(2)
    for block in SEED_BLOCKS
    if (m := re.fullmatch(r"(\d) (https?://\S+)", block))
}
SEED_BODY = SEED_BLOCKS[SEED_BLOCKS.index("Your Excellency,") : SEED_BLOCKS.index("Sincerely,") + 1]
SEED_BODY = [b for b in SEED_BODY if b != "---" and not re.fullmatch(r"\d https?://\S+", b)]


@pytest.fixture
def demo_pdf(demo_letter) -> tuple[list[str], bytes]:
    version = letter_render_now(letter=demo_letter)
    assert version.status == RenderStatus.DONE, version.error
    data = version.file.read()
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    return pages, data


def body_text(pages: list[str]) -> str:
    """All pages as one squashed text, without running footers and footnotes."""
    text = squash("".join(pages))
    text = re.sub(
        r"Ref\.LTR-2021-06-29|Page\d+of\d+|Checkat\S+?/verify/\?ref=LTR-2021-06-29", "", text
    )
    for number, url in SEED_FOOTNOTES.items():
        text = text.replace(f"{number}{url}", "", 1)
    return text


def test_the_seed_has_the_blocks_the_tests_rely_on():
    assert len(SEED_FOOTNOTES) == 8
    assert SEED_BODY[0] == "Your Excellency," and len(SEED_BODY) == 9


def test_each_paragraph_of_the_seed_letter_is_in_the_pdf(demo_pdf):
    text = body_text(demo_pdf[0])
    for paragraph in SEED_BODY:
        assert squash(paragraph) in text, paragraph[:80]


def test_the_addressee_block_and_the_date_line_are_as_in_the_seed(demo_pdf):
    text = body_text(demo_pdf[0])
    to_block = "".join(SEED_BLOCKS[: SEED_BLOCKS.index("Brussels, 29 June 2021")])
    assert squash(to_block) in text
    assert squash("Brussels, 29 June 2021") + squash("Your Excellency,") in text


def test_the_pdf_has_the_eight_footnote_urls_in_order(demo_pdf):
    text = squash("".join(demo_pdf[0]))
    positions = [text.find(f"{number}{url}") for number, url in sorted(SEED_FOOTNOTES.items())]
    assert -1 not in positions, positions
    assert positions == sorted(positions)


def test_every_footnote_sits_on_the_page_of_its_call(demo_letter, demo_pdf):
    pages = [squash(page) for page in demo_pdf[0]]
    # The ~20 characters before each citation in the body, then the call's number.
    body = re.sub(r"\*\*", "", demo_letter.body)
    chunks = re.split(r"\[\^src:\d+\]", body)[:-1]
    assert len(chunks) == len(cited_source_ids(demo_letter.body)) == 8
    for number, chunk in enumerate(chunks, start=1):
        call = squash(chunk)[-20:] + str(number)
        call_pages = [i for i, page in enumerate(pages) if call in page]
        note_pages = [
            i for i, page in enumerate(pages) if f"{number}{SEED_FOOTNOTES[number]}" in page
        ]
        assert len(call_pages) == 1 and call_pages == note_pages, (number, call_pages, note_pages)


def test_the_five_signatories_print_their_names_with_diacritics_and_groups(demo_letter, demo_pdf):
    text = body_text(demo_pdf[0])
    printed = [f"{s.person.signature_name} {s.signs_as}" for s in demo_letter.signatories.all()]
    assert len(printed) == 5
    for line in printed:
        assert squash(line) in text
    assert "Petras AUŠTREVIČIUS MEP (Renew Europe Group; Lithuania)" in printed
    assert "Róża THUN UND HOHENSTEIN MEP (EPP; Poland)" in printed
    # The seed's lines, up to its missing háček on AUŠTREVIČIUS.
    seed_lines = [SEED_BLOCKS[SEED_BLOCKS.index("Sincerely,") + 1]] + [
        line.strip() for line in next(b for b in SEED_BLOCKS if b.startswith("Niklas")).splitlines()
    ]
    assert sorted(anyascii(line) for line in seed_lines) == sorted(anyascii(p) for p in printed)


def test_the_four_cc_recipients_are_printed_with_their_emails(demo_pdf):
    text = body_text(demo_pdf[0])
    cc_blocks = [b for b in SEED_BLOCKS[SEED_BLOCKS.index("Sincerely,") :] if "@" in b]
    emails = [e for b in cc_blocks for e in re.findall(r"[\w.-]+@[\w.-]+\.\w+", b)]
    assert len(emails) == 5 and "aprk@akorda.kz" not in emails
    for email in emails:
        assert email in text
    for title in (
        "Minister of Foreign Affairs of the Republic of Kazakhstan",
        "Chairperson of the National Security Committee",
        "Chairperson of the Security Council of Kazakhstan",
        "Head of the Delegation of the European Union to Kazakhstan",
    ):
        assert squash(title) in text


def test_the_pdf_is_a4_with_page_numbers_and_the_reference_in_the_margin(demo_pdf):
    pages, data = demo_pdf
    reader = PdfReader(io.BytesIO(data))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"Ref. {DEMO_REFERENCE}" in page


def test_fonts_are_embedded(demo_pdf):
    reader = PdfReader(io.BytesIO(demo_pdf[1]))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"]] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
    assert all("DejaVu-Serif" in name for name in fonts)


def test_render_letter_command_lists_letters_and_writes_the_pdf(demo_letter, tmp_path, capsys):
    call_command("render_letter", "--list")
    assert f"{DEMO_REFERENCE}\tPolitical prisoner Bekizhan Mendygazyev" in capsys.readouterr().out
    out = tmp_path / "letter.pdf"
    html = tmp_path / "letter.html"
    call_command("render_letter", DEMO_REFERENCE, "-o", str(out), "--html", str(html), "--sync")
    assert "v1 (Done) final, sha256" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"%PDF")
    assert "Your Excellency," in html.read_text()
    text = squash("".join(p.extract_text() for p in PdfReader(out).pages))
    assert squash(SEED_BODY[1]) in body_text([text])
