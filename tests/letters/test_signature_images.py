"""A scanned signature is printed above the signatory's name, fetched from that letter only."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from letters.choices import RenderStatus, SignedVia
from letters.rendering import signature_files
from letters.services import letter_render_now, signatory_sign
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 90), "white").save(buffer, "PNG")
    return SimpleUploadedFile("signature.png", buffer.getvalue(), content_type="image/png")


def test_a_scanned_signature_is_embedded_in_the_pdf(caplog):
    letter = make_letter(signed=False)
    signatory = signatory_sign(
        signatory=letter.signatories.first(), via=SignedVia.SCANNED, signature_image=png()
    )
    version = letter_render_now(letter=letter)
    assert version.status == RenderStatus.DONE, version.error
    assert f'src="signatures/{signatory.pk}/' in version.html
    with version.file.open("rb") as pdf:
        images = [
            image for page in PdfReader(io.BytesIO(pdf.read())).pages for image in page.images
        ]
    assert len(images) == 1
    assert "refused" not in caplog.text


def test_a_letter_may_load_only_its_own_signatories_images():
    first = make_letter(signed=False)
    second = make_letter(signed=False)
    signatory_sign(
        signatory=first.signatories.first(), via=SignedVia.SCANNED, signature_image=png()
    )
    signatory_sign(
        signatory=second.signatories.first(), via=SignedVia.SCANNED, signature_image=png()
    )
    own = signature_files(first)
    assert len(own) == 1
    assert all(str(first.signatories.first().pk) in key for key in own)


def test_a_signature_on_an_earlier_text_is_not_printed_on_the_new_one():
    from letters.rendering import letter_html
    from letters.services_revisions import letter_send_for_signature, letter_text_update

    letter = make_letter(signed=False)
    letter_send_for_signature(letter=letter)
    signatory = signatory_sign(
        signatory=letter.signatories.first(), via=SignedVia.SCANNED, signature_image=png()
    )
    assert f'src="signatures/{signatory.pk}/' in letter_html(letter)

    letter_text_update(
        letter=letter,
        subject=letter.subject,
        place=letter.place,
        dated_on=letter.dated_on,
        salutation=letter.salutation,
        body="A corrected text.",
        closing=letter.closing,
        asking_signatories_again=True,
    )
    letter.refresh_from_db()

    html = letter_html(letter)
    assert "signatures/" not in html
    assert "(signature awaited)" in html
    assert signature_files(letter) == {}
