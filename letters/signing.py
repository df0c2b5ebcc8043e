"""The organisation's PAdES signature on final letters (pyHanko), and checking one.

Signing is on when LETTERS_SIGNING_PKCS12 names a PKCS#12 file (password in
LETTERS_SIGNING_PKCS12_PASSWORD). With LETTERS_TSA_URL set, the signature carries an RFC 3161
timestamp from that time-stamping service (a TSA that cannot be reached is an OSError: the
render is retried). Verification never goes to the network: no
OCSP or CRL fetching, and never the operating system's trust list; a signature is
trusted only when its certificate chains to a root given explicitly (the files in
LETTERS_TRUST_ROOTS, or certificates passed in). Holding the signing key does not
make our own certificate trusted: anyone can make a self-signed one with our name.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings


class SigningError(Exception):
    pass


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer: str
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature checks out
    trusted: bool  # the signer's certificate chains to a trust root given
    covers_whole_file: bool
    signed_at: str
    timestamp: str = ""  # the RFC 3161 timestamp's time, when the signature carries one
    timestamp_trusted: bool = False

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.covers_whole_file


def signing_configured() -> bool:
    return bool(settings.LETTERS_SIGNING_PKCS12)


def _password() -> bytes | None:
    password = settings.LETTERS_SIGNING_PKCS12_PASSWORD
    return password.encode() if password else None


def _signer():
    from pyhanko.sign import signers

    path = Path(settings.LETTERS_SIGNING_PKCS12)
    if not path.is_file():
        raise SigningError(f"LETTERS_SIGNING_PKCS12={path} does not exist.")
    signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(path), passphrase=_password())
    if signer is None:
        raise SigningError(
            f"Could not open the PKCS#12 file {path}: wrong LETTERS_SIGNING_PKCS12_PASSWORD?"
        )
    return signer


def pdf_sign(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """``pdf`` with the organisation's PAdES signature over the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name="OrganisationSignature",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
    )
    return signers.sign_pdf(writer, meta, signer=_signer(), timestamper=_timestamper()).getvalue()


def _timestamper():
    """pyHanko's RFC 3161 client for LETTERS_TSA_URL; None when it is not set."""
    if not settings.LETTERS_TSA_URL:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(settings.LETTERS_TSA_URL, timeout=20)


def load_certificates(path: Path) -> list:
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder([str(path)]))


def configured_trust_roots() -> list:
    """The certificates in LETTERS_TRUST_ROOTS; none when it is unset."""
    roots = []
    for name in settings.LETTERS_TRUST_ROOTS:
        path = Path(name)
        if not path.is_file():
            raise SigningError(f"LETTERS_TRUST_ROOTS names {path}, which does not exist.")
        try:
            roots += load_certificates(path)
        except Exception as exc:  # asn1crypto and pyHanko raise several kinds on bad input
            raise SigningError(
                f"LETTERS_TRUST_ROOTS names {path}, which is not a PEM or DER certificate: {exc}"
            ) from None
    return roots


def pdf_signature_reports(pdf: bytes, *, trust_roots: list | None = None) -> list[SignatureReport]:
    """One report per embedded signature; an empty list when the PDF carries none."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # Always a list: None would make pyHanko fall back to the operating system's trust list.
    roots = configured_trust_roots() if trust_roots is None else list(trust_roots)
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    reports = []
    for embedded in reader.embedded_signatures:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(embedded, context)
        stamp = status.timestamp_validity
        reports.append(
            SignatureReport(
                field_name=embedded.field_name,
                signer=status.signing_cert.subject.human_friendly,
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                signed_at=str(status.signer_reported_dt or ""),
                timestamp=str(stamp.timestamp) if stamp else "",
                timestamp_trusted=bool(stamp and stamp.intact and stamp.valid and stamp.trusted),
            )
        )
    return reports
