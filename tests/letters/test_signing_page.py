"""Recording signatures on the letter page: who may, how, and never once the letter is final."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from letters.choices import LetterStatus, SigningStatus
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(db):
    letter = make_letter(signed=False)
    return letter, list(letter.signatories.order_by("order"))


def signed_url(signatory) -> str:
    return reverse("letters:signatory_signed", args=[signatory.pk])


def test_the_letters_role_records_an_email_signature_with_its_time(client, letters_user, invited):
    letter, (petras, _roza) = invited
    client.force_login(letters_user)
    page = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    assert signed_url(petras) in page
    response = client.post(signed_url(petras), {"via": "email"})
    assert response.status_code == 302
    petras.refresh_from_db()
    assert (petras.status, petras.signed_via) == (SigningStatus.SIGNED, "email")
    assert petras.signed_at is not None
    assert petras.history.first().history_user == letters_user


def test_a_scanned_signature_without_its_image_is_refused_and_nothing_changes(
    client, letters_user, invited
):
    letter, (petras, _roza) = invited
    client.force_login(letters_user)
    response = client.post(signed_url(petras), {"via": "scanned"}, follow=True)
    assert "A scanned signature needs its image." in response.content.decode()
    petras.refresh_from_db()
    assert petras.status == SigningStatus.INVITED


def test_a_scanned_signature_keeps_its_image(client, letters_user, invited):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 12), "white").save(buffer, "PNG")
    letter, (petras, _roza) = invited
    client.force_login(letters_user)
    client.post(
        signed_url(petras),
        {"via": "scanned", "signature_image": SimpleUploadedFile("sig.png", buffer.getvalue())},
    )
    petras.refresh_from_db()
    assert petras.status == SigningStatus.SIGNED
    assert petras.signature_image.name.endswith(".png")


def test_a_declined_signatory_no_longer_blocks_the_letter(client, letters_user, invited):
    letter, (petras, roza) = invited
    client.force_login(letters_user)
    client.post(reverse("letters:signatory_declined", args=[roza.pk]))
    roza.refresh_from_db()
    assert roza.status == SigningStatus.DECLINED


def test_an_editor_cannot_record_signatures(client, editor, invited):
    letter, (petras, _roza) = invited
    client.force_login(editor)
    page = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    assert signed_url(petras) not in page
    assert client.post(signed_url(petras), {"via": "email"}).status_code == 403
    petras.refresh_from_db()
    assert petras.status == SigningStatus.INVITED


def test_signatures_of_a_final_letter_cannot_change(client, letters_user):
    letter = make_letter(signed=True, status=LetterStatus.FINAL)
    petras = letter.signatories.order_by("order").first()
    client.force_login(letters_user)
    response = client.post(reverse("letters:signatory_declined", args=[petras.pk]), follow=True)
    assert "its signatures can no longer change" in response.content.decode()
    petras.refresh_from_db()
    assert petras.status == SigningStatus.SIGNED
