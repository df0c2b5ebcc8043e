"""Fixtures for letters: the demo letter, a small letter of our own, a signing certificate,
a real Celery worker."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from letters.choices import RecipientKind, SignedVia, SigningStatus
from letters.models import Letter, LetterRecipient, LetterSignatory
from tests.factories import CaseFactory, PersonFactory, PositionFactory, SourceFactory
from tests.workers import broker_url_required, celery_on_broker, worker_in_thread

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "letter-2021-06-29.md"
DEMO_REFERENCE = "LTR-2021-06-29"


@pytest.fixture
def demo_letter(db) -> Letter:
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    return Letter.objects.get(reference=DEMO_REFERENCE)


def make_letter(*, body: str | None = None, signed: bool = True, **fields) -> Letter:
    """A short letter with one addressee, one cc and two signatories."""
    source = SourceFactory(url="https://news.example.org/kz/1")
    letter = Letter.objects.create(
        case=fields.pop("case", None) or CaseFactory(),
        reference=fields.pop("reference", f"LTR-TEST-{Letter.objects.count() + 1}"),
        subject="Test letter",
        dated_on=datetime.date(2024, 3, 1),
        body=body if body is not None else f"We write about **Mr Test**.[^src:{source.pk}]",
        **fields,
    )
    LetterRecipient.objects.create(
        letter=letter,
        kind=RecipientKind.ADDRESSEE,
        title_line="The President",
        address_block="H.E. Somebody\nAstana\npresident@example.kz",
    )
    LetterRecipient.objects.create(
        letter=letter,
        kind=RecipientKind.CC,
        order=1,
        title_line="The Minister",
        address_block="H.E. Someone Else\nminister@example.kz",
    )
    for order, (given, family) in enumerate([("Petras", "Auštrevičius"), ("Róża", "Thun")]):
        person = PersonFactory(given_name=given, family_name=family)
        LetterSignatory.objects.create(
            letter=letter,
            person=person,
            position=PositionFactory(person=person),
            order=order,
            signs_as="MEP (Group; Country)",
            status=SigningStatus.SIGNED if signed else SigningStatus.INVITED,
            signed_at=timezone.now() if signed else None,
            signed_via=SignedVia.EMAIL if signed else "",
        )
    return letter


@pytest.fixture
def letter(db) -> Letter:
    return make_letter()


@pytest.fixture
def signing_certificate(tmp_path, settings) -> Path:
    """A self-signed certificate in a PKCS#12 file, configured as the organisation's and
    named in LETTERS_TRUST_ROOTS."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Casefiles Test Signing"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Advocacy Organisation"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    p12 = tmp_path / "signing.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"test", key, cert, None, serialization.BestAvailableEncryption(b"secret")
        )
    )
    (tmp_path / "signing.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    settings.LETTERS_SIGNING_PKCS12 = str(p12)
    settings.LETTERS_SIGNING_PKCS12_PASSWORD = "secret"
    # The organisation trusts its own self-signed certificate by naming it, as in production.
    settings.LETTERS_TRUST_ROOTS = [str(tmp_path / "signing.pem")]
    return p12


@pytest.fixture
def finalise_now(django_capture_on_commit_callbacks):
    """letter_finalise, then the render it queues on commit (run in-process, as eager Celery)."""
    from letters.services import letter_finalise

    def finalise(letter: Letter):
        with django_capture_on_commit_callbacks(execute=True):
            version = letter_finalise(letter=letter)
        version.refresh_from_db()
        return version

    return finalise


@pytest.fixture
def real_worker():
    """A real Celery worker (in a thread) on the Redis broker of CELERY_BROKER_URL."""
    with celery_on_broker(broker_url_required()), worker_in_thread() as worker:
        yield worker
