"""/verify/: the public check that a letter is an authentic final version issued by us."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db
URL = "/verify/"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def final_pdf(signing_certificate, finalise_now) -> tuple:
    letter = make_letter()
    version = finalise_now(letter)
    assert version.status == "done", version.error
    with version.file.open("rb") as pdf:
        return letter, pdf.read()


def check_upload(data: bytes, client: Client | None = None):
    client = client or Client()
    upload = SimpleUploadedFile("letter.pdf", data, content_type="application/pdf")
    return client.post(URL, {"pdf": upload})


def one_byte_changed(data: bytes) -> bytes:
    changed = bytearray(data)
    start = changed.index(b"stream", changed.index(b"/Length")) + 20
    changed[start] ^= 0x01
    return bytes(changed)


def test_the_address_is_verify_and_needs_no_login():
    assert reverse("letter_verify") == URL
    response = Client().get(URL + "?ref=LTR-1")
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert 'value="LTR-1"' in response.content.decode()


def test_a_final_pdf_is_authentic_and_shows_only_what_the_letter_says(final_pdf):
    letter, data = final_pdf
    response = check_upload(data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Authentic: a final letter issued by us" in page
    assert letter.reference in page and "1 March 2024" in page and "The President" in page
    assert "AUŠTREVIČIUS" in page and "THUN" in page
    # Nothing else of the case-file.
    assert letter.case.reference not in page and letter.subject not in page
    assert "Mr Test" not in page


def test_a_copy_with_one_byte_changed_is_not_ours(final_pdf):
    _, data = final_pdf
    page = check_upload(one_byte_changed(data)).content.decode()
    assert "Not issued by us" in page and "Authentic" not in page


def test_an_unknown_file_and_garbage_are_not_ours(final_pdf):
    for data in (b"%PDF-1.7\n garbage \x00\xff", b"", b"not a pdf at all"):
        response = check_upload(data)
        assert response.status_code in (200, 400)
        assert "Authentic" not in response.content.decode()
    assert "Not issued by us" in check_upload(b"%PDF-1.7\n garbage").content.decode()


def test_a_draft_pdf_is_not_ours(signing_certificate):
    from letters.services import letter_render_now

    version = letter_render_now(letter=make_letter())
    with version.file.open("rb") as pdf:
        assert "Not issued by us" in check_upload(pdf.read()).content.decode()


def test_by_reference_and_sha256(final_pdf):
    letter, data = final_pdf
    digest = hashlib.sha256(data).hexdigest()
    response = Client().post(URL, {"ref": letter.reference, "sha256": digest.upper()})
    assert "Authentic" in response.content.decode()
    wrong = hashlib.sha256(b"other").hexdigest()
    response = Client().post(URL, {"ref": letter.reference, "sha256": wrong})
    assert "Not issued by us" in response.content.decode()
    response = Client().post(URL, {"ref": "LTR-OTHER", "sha256": digest})
    assert "Not issued by us" in response.content.decode()
    response = Client().post(URL, {"ref": letter.reference, "sha256": "xyz"})
    assert response.status_code == 400 and "64 hexadecimal" in response.content.decode()


def test_an_oversized_upload_is_refused_unread(final_pdf, settings):
    settings.LETTERS_VERIFY_MAX_BYTES = 1024
    response = check_upload(b"%PDF" + b"0" * 200_000)
    assert response.status_code == 413 and "larger than" in response.content.decode()


def test_checks_are_rate_limited(final_pdf, settings):
    settings.LETTERS_VERIFY_RATE_PER_MINUTE = 3
    letter, data = final_pdf
    client = Client()
    statuses = [check_upload(data, client).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Too many checks" in client.get(URL).content.decode()


def test_the_final_pdf_footer_carries_the_check_address_and_its_qr_code(final_pdf, settings):
    from pypdf import PdfReader

    from letters.rendering import letter_html

    letter, data = final_pdf
    address = f"localhost:8000/verify/?ref={letter.reference}"
    pages = PdfReader(io.BytesIO(data)).pages
    for page in pages:  # on every page, the audit page included
        assert f"Check at {address}" in page.extract_text()
    letter.refresh_from_db()
    html = letter_html(letter)
    assert html.count("<svg") == 1 and "<path" in html
    # A draft carries neither.
    assert "Check at" not in letter_html(make_letter())


# --- The seal under a certificate authority, with a trusted timestamp -------------------


@pytest.fixture
def test_ca(tmp_path, settings):
    from tests.letters.pki import CertificateAuthority

    ca = CertificateAuthority(tmp_path)
    settings.LETTERS_SIGNING_PKCS12 = str(ca.signing_pkcs12())
    settings.LETTERS_SIGNING_PKCS12_PASSWORD = "secret"
    settings.LETTERS_TRUST_ROOTS = []
    return ca


def test_the_seal_carries_a_timestamp_from_the_configured_tsa_and_verify_letter_trusts_the_ca(
    test_ca, settings, tmp_path, finalise_now, capsys
):
    from django.core.management import CommandError, call_command

    from letters.signing import pdf_signature_reports
    from tests.letters.pki import timestamp_server

    with timestamp_server(test_ca) as (url, requests):
        settings.LETTERS_TSA_URL = url
        version = finalise_now(make_letter())
    assert version.status == "done", version.error
    assert requests  # the seal asked the TSA (pyHanko asks once more to size the token)
    data = version.file.open("rb").read()
    path = tmp_path / "final.pdf"
    path.write_bytes(data)

    [report] = pdf_signature_reports(data, trust_roots=[])
    assert report.timestamp and not report.trusted

    # Nobody vouches for the CA: intact, but not trusted, exit status 1, never OK.
    with pytest.raises(CommandError, match="not trusted") as refused:
        call_command("verify_letter", str(path))
    assert refused.value.returncode == 1
    out = capsys.readouterr().out
    assert "INTACT" in out and "not trusted" in out and "Result: OK" not in out

    # The test CA as the configured trust root: signer and timestamp both trusted.
    settings.LETTERS_TRUST_ROOTS = [str(test_ca.pem)]
    call_command("verify_letter", str(path))
    out = capsys.readouterr().out
    assert "certificate trusted: yes" in out and "Result: OK" in out
    assert "Casefiles Test Signing" in out
    assert "from a time-stamping service (trusted)" in out


def test_without_a_tsa_the_seal_has_no_timestamp(test_ca, finalise_now):
    from letters.signing import pdf_signature_reports

    version = finalise_now(make_letter())
    [report] = pdf_signature_reports(version.file.open("rb").read(), trust_roots=[])
    assert report.timestamp == "" and report.ok
