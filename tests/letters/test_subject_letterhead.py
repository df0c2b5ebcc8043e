"""The subject line (printed or not, per letter) and the organisation's letterhead."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image
from pypdf import PdfReader

from casefiles.pdf import render_pdf
from letters.choices import LetterheadChoice, RenderStatus
from letters.models import Letterhead
from letters.rendering import STYLESHEET, letter_files, letter_html
from letters.services import letter_render_now
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db

HOSTILE = '<img src="file:///etc/passwd"><script>alert(1)</script><a href="https://evil.example/x">'


def png(width: int = 120, height: int = 40, colour: str = "red", kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, kind)
    return buffer.getvalue()


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def letterhead() -> Letterhead:
    letterhead = Letterhead.objects.create(
        name="Steppe Rights Watch", address="Example Street 9\n1000 Brussels\n\nBelgium"
    )
    letterhead.logo.save("logo.png", ContentFile(png()))
    return letterhead


def render(letter) -> tuple[bytes, list[str]]:
    refused: list[str] = []
    pdf = render_pdf(
        html=letter_html(letter),
        stylesheets=[STYLESHEET],
        allowed_files=letter_files(letter),
        refused=refused,
    )
    return pdf, refused


# --- Subject line ---------------------------------------------------------------------------


def test_a_new_letter_prints_its_subject_between_the_date_and_the_salutation():
    letter = make_letter()
    assert letter.show_subject is True
    version = letter_render_now(letter=letter)
    assert version.status == RenderStatus.DONE, version.error
    text = squash(pdf_text(version.file.read()))
    assert squash("1 March 2024Subject: Test letterYour Excellency,") in text


def test_a_letter_may_leave_its_subject_out():
    letter = make_letter(show_subject=False)
    html = letter_html(letter)
    assert "Subject:" not in html
    assert "subject-line" not in html


def test_a_hostile_subject_is_printed_as_text():
    letter = make_letter()
    letter.subject = HOSTILE[:300]
    letter.save()
    html = letter_html(letter)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html


def test_the_demo_letter_like_the_seed_has_no_subject_line(demo_letter):
    assert demo_letter.show_subject is False
    assert "Subject:" not in letter_html(demo_letter)


# --- Letterhead -----------------------------------------------------------------------------


def test_without_a_letterhead_chosen_none_is_printed(letterhead):
    letter = make_letter()
    assert letter.letterhead == LetterheadChoice.NONE
    assert "letterhead" not in letter_html(letter).split("<body", 1)[1]
    assert not any(key.startswith("letterhead/") for key in letter_files(letter))


def test_chosen_but_never_set_the_letterhead_is_left_out():
    letter = make_letter(letterhead=LetterheadChoice.ORGANISATION)
    assert 'class="letterhead"' not in letter_html(letter)


def test_the_letterhead_and_its_logo_are_printed_at_the_top(letterhead):
    letter = make_letter(letterhead=LetterheadChoice.ORGANISATION)
    pdf, refused = render(letter)
    assert refused == []
    first_page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = squash(first_page.extract_text())
    assert text.startswith(squash("Steppe Rights WatchExample Street 91000 BrusselsBelgium"))
    images = first_page.images
    assert len(images) == 1
    assert images[0].image.size == (120, 40)


def test_the_logo_is_the_one_file_the_renderer_is_given_besides_signatures(letterhead):
    letter = make_letter(letterhead=LetterheadChoice.ORGANISATION)
    files = letter_files(letter)
    assert list(files) == [f"letterhead/{letterhead.pk}/{letterhead.logo.name.rsplit('/', 1)[1]}"]
    # Its bytes, read through the storage: the renderer is handed no path to read.
    assert files[next(iter(files))] == png()
    assert "letterhead/" in letter_html(letter)
    # The preview loads it from our own URL, never from the file system.
    assert f"/letters/letterhead/{letterhead.pk}/logo/" in letter_html(letter, for_pdf=False)


def test_a_hostile_letterhead_is_printed_as_text_and_fetches_nothing(letterhead):
    letterhead.name = HOSTILE[:200]
    letterhead.address = "<b>bold?</b>\n<style>@import url(https://evil.example/a.css)</style>"
    letterhead.save()
    letter = make_letter(letterhead=LetterheadChoice.ORGANISATION)
    html = letter_html(letter)
    assert '<img src="file:///etc/passwd">' not in html and "<script>" not in html
    assert "<style>@import" not in html
    pdf, refused = render(letter)
    assert refused == []
    text = pdf_text(pdf)
    assert '<img src="file:///etc/passwd">' in text
    assert "<b>bold?</b>" in text


def test_the_word_document_carries_the_letterhead_and_logo(letterhead):
    import zipfile

    from letters.docx import letter_docx_bytes

    letter = make_letter(letterhead=LetterheadChoice.ORGANISATION)
    with zipfile.ZipFile(io.BytesIO(letter_docx_bytes(letter))) as archive:
        names = archive.namelist()
        document = archive.read("word/document.xml").decode()
    assert any(name.startswith("word/media/") for name in names)
    assert document.index("Steppe Rights Watch") < document.index("The President")
    assert "Subject:" in document


# --- The logo upload ------------------------------------------------------------------------


def logo_errors(upload: SimpleUploadedFile) -> list[str]:
    letterhead = Letterhead(name="Org", logo=upload)
    with pytest.raises(ValidationError) as caught:
        letterhead.full_clean()
    return caught.value.message_dict["logo"]


def test_a_logo_must_be_png_or_jpeg():
    assert logo_errors(SimpleUploadedFile("logo.gif", png(kind="GIF")))


def test_a_logo_named_png_must_be_an_image():
    assert logo_errors(SimpleUploadedFile("logo.png", b"<svg onload=alert(1)></svg>"))


def test_a_logo_has_a_size_limit():
    assert logo_errors(SimpleUploadedFile("logo.png", png(3000, 20)))  # pixels
    assert logo_errors(SimpleUploadedFile("logo.jpg", b"\xff\xd8" + b"0" * (1024 * 1024 + 1)))


def test_a_good_logo_is_accepted():
    Letterhead(name="Org", logo=SimpleUploadedFile("logo.jpg", png(kind="JPEG"))).full_clean()


# --- Who sets it ----------------------------------------------------------------------------


def test_only_an_administrator_may_change_the_letterhead(
    viewer, editor, letters_user, administrator
):
    assert administrator.has_perm("letters.change_letterhead")
    for user in (viewer, editor, letters_user):
        assert user.has_perm("letters.view_letterhead")
        assert not user.has_perm("letters.change_letterhead")


def test_the_admin_adds_one_letterhead_then_only_changes_it(administrator, letterhead):
    request = RequestFactory().get("/")
    request.user = administrator
    admin = site._registry[Letterhead]
    assert not admin.has_add_permission(request)
    letterhead.delete()
    assert admin.has_add_permission(request)
