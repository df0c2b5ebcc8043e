"""Checking a letter PDF someone hands back: signature, signer, and whether we made it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from letters.models import LetterVersion
from letters.signing import (
    SigningError,
    configured_trust_roots,
    load_certificates,
    pdf_signature_reports,
)


@dataclass
class VerificationResult:
    ok: bool
    lines: list[str] = field(default_factory=list)


def letter_file_verify(*, data: bytes, trust_files: list[Path] | None = None) -> VerificationResult:
    """Whether the PDF is intact, covers the whole file and was signed by a certificate that
    chains to a trust root: those of LETTERS_TRUST_ROOTS plus any `trust_files` given."""
    sha256 = hashlib.sha256(data).hexdigest()
    lines = [f"sha256: {sha256}"]
    version = LetterVersion.objects.select_related("letter").filter(sha256=sha256).first()
    if version:
        lines.append(
            f"Stored as {version.letter.reference} version {version.number}"
            f"{' (final)' if version.is_final else ''}, "
            f"rendered {version.finished_at:%Y-%m-%d %H:%M}."
        )
    else:
        lines.append("Not a version stored in this Casefiles.")

    try:
        roots = configured_trust_roots()
        roots += [cert for path in trust_files or [] for cert in load_certificates(path)]
    except (SigningError, OSError, ValueError) as exc:
        lines.append(f"Trust roots: cannot be read ({exc}).")
        return VerificationResult(False, lines)
    if not roots:
        lines.append(
            "Trust roots: none configured (set LETTERS_TRUST_ROOTS or pass --trust); "
            "no signer can be trusted."
        )
    try:
        reports = pdf_signature_reports(data, trust_roots=roots)
    except Exception as exc:  # a damaged file can fail anywhere in the PDF parser
        lines.append(f"Signature: cannot be read ({type(exc).__name__}: {exc}).")
        return VerificationResult(False, lines)
    if not reports:
        lines.append("Signature: none — this PDF carries no digital signature.")
        return VerificationResult(False, lines)

    ok = True
    for report in reports:
        ok = ok and report.ok and report.trusted
        lines.append(
            f"Signature {report.field_name}: "
            + ("INTACT" if report.intact else "NOT INTACT — the file was changed after signing")
            + ("" if report.valid else ", cryptographically INVALID")
            + ("" if report.covers_whole_file else ", does NOT cover the whole file")
        )
        lines.append(f"  signed by: {report.signer}")
        lines.append(f"  signed at: {report.signed_at or 'unknown'} (the signer's own clock)")
        if report.timestamp:
            lines.append(
                f"  timestamp: {report.timestamp} from a time-stamping service "
                + ("(trusted)" if report.timestamp_trusted else "(NOT trusted)")
            )
        else:
            lines.append("  timestamp: none")
        lines.append(
            "  certificate trusted: "
            + ("yes" if report.trusted else "no — not trusted: it does not chain to a trust root")
        )
    lines.append("Result: OK" if ok else "Result: FAILED")
    return VerificationResult(ok, lines)


@dataclass(frozen=True)
class AuthenticLetter:
    """What the public check shows of a letter: nothing else of the case-file."""

    reference: str
    dated_on: object
    addressee: str
    signatories: list[str]


def letter_authentic(
    *, data: bytes | None = None, reference: str = "", sha256: str = ""
) -> AuthenticLetter | None:
    """The letter, when ``data`` (or ``reference`` and ``sha256``) is a final version we
    issued — for a file, also with its seal intact over the whole file; else None."""
    from letters.choices import LetterStatus, RecipientKind, RenderStatus
    from letters.rendering import printed_signatories

    versions = LetterVersion.objects.filter(
        is_final=True,
        status=RenderStatus.DONE,
        letter__status__in=(LetterStatus.FINAL, LetterStatus.SENT),
    ).select_related("letter")
    if data is not None:
        versions = versions.filter(sha256=hashlib.sha256(data).hexdigest())
    else:
        versions = versions.filter(letter__reference=reference, sha256=sha256.strip().lower())
    version = versions.first()
    if version is None:
        return None
    if data is not None:
        try:
            reports = pdf_signature_reports(data, trust_roots=[])
        except Exception:  # our own file should always parse; never a 500 for a visitor
            return None
        if not all(report.ok for report in reports):
            return None
    letter = version.letter
    addressee = letter.recipients.filter(kind=RecipientKind.ADDRESSEE).first()
    return AuthenticLetter(
        reference=letter.reference,
        dated_on=letter.dated_on,
        addressee=addressee.title_line if addressee else "",
        signatories=[s.person.signature_name for s in printed_signatories(letter)],
    )
