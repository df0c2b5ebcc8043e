"""The organisation's digital signature on final letters, and verify_letter."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from letters.services import letter_render_now
from letters.signing import pdf_signature_reports
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_pdf(signing_certificate, tmp_path, finalise_now):
    version = finalise_now(make_letter())
    assert version.status == "done", version.error
    path = tmp_path / "final.pdf"
    with version.file.open("rb") as pdf:
        path.write_bytes(pdf.read())
    return path


def test_a_final_letter_carries_a_valid_signature_by_the_organisation(signed_pdf):
    [report] = pdf_signature_reports(signed_pdf.read_bytes())
    assert report.intact and report.valid and report.trusted and report.covers_whole_file
    assert "Casefiles Test Signing" in report.signer


def test_a_draft_is_not_signed(signing_certificate):
    version = letter_render_now(letter=make_letter())
    with version.file.open("rb") as pdf:
        assert pdf_signature_reports(pdf.read()) == []


def test_verify_letter_reports_an_intact_file_and_its_signer(signed_pdf, capsys):
    call_command("verify_letter", str(signed_pdf))
    out = capsys.readouterr().out
    assert "INTACT" in out and "Casefiles Test Signing" in out
    assert "certificate trusted: yes" in out and "(final)" in out and "Result: OK" in out


def test_verify_letter_trusts_a_certificate_given_on_the_command_line(signed_pdf, capsys, settings):
    settings.LETTERS_SIGNING_PKCS12 = None
    settings.LETTERS_TRUST_ROOTS = []
    call_command(
        "verify_letter", str(signed_pdf), "--trust", str(signed_pdf.parent / "signing.pem")
    )
    assert "certificate trusted: yes" in capsys.readouterr().out


def test_changing_one_byte_breaks_the_signature(signed_pdf, capsys):
    data = bytearray(signed_pdf.read_bytes())
    # A byte inside the first content stream: the file still parses, its digest differs.
    start = data.index(b"stream", data.index(b"/Length")) + 20
    data[start] ^= 0x01
    signed_pdf.write_bytes(bytes(data))

    [report] = pdf_signature_reports(bytes(data))
    assert not report.intact
    with pytest.raises(CommandError, match="FAILED"):
        call_command("verify_letter", str(signed_pdf))
    out = capsys.readouterr().out
    assert "NOT INTACT" in out and "Not a version stored" in out


def test_verify_letter_refuses_a_signer_no_trust_root_vouches_for(signed_pdf, capsys, settings):
    # Anyone can make a self-signed certificate with the organisation's name on it.
    settings.LETTERS_TRUST_ROOTS = []
    with pytest.raises(CommandError, match="not trusted") as refused:
        call_command("verify_letter", str(signed_pdf))
    assert refused.value.returncode == 1
    out = capsys.readouterr().out
    assert "INTACT" in out and "not trusted" in out and "Result: FAILED" in out


def test_verify_letter_trusts_the_signer_once_its_certificate_is_a_configured_root(
    signed_pdf, capsys, settings
):
    settings.LETTERS_TRUST_ROOTS = [str(signed_pdf.parent / "signing.pem")]
    call_command("verify_letter", str(signed_pdf))
    assert "certificate trusted: yes" in capsys.readouterr().out


def test_verify_letter_says_so_when_a_trust_root_file_is_missing(signed_pdf, capsys, settings):
    settings.LETTERS_TRUST_ROOTS = [str(signed_pdf.parent / "nowhere.pem")]
    with pytest.raises(CommandError, match="FAILED"):
        call_command("verify_letter", str(signed_pdf))
    assert "nowhere.pem, which does not exist" in capsys.readouterr().out
