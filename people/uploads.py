"""What an uploaded file may be: its size, its type (by name and by its first bytes), and for
images their pixel size. Used by the model fields (admin, services) and the staff forms alike.

Allowed types, per field:

- documents (a source's file, a reply's scan): PDF, PNG, JPEG, WebP, plain text, Word
  (.docx), OpenDocument text (.odt) and saved emails (.eml). No HTML, SVG or anything
  else a browser would run: even served as downloads they are a risk once opened.
- signature images: PNG and JPEG only, at most SIGNATURE_MAX_BYTES and
  SIGNATURE_MAX_PIXELS on a side, since they are embedded in every PDF of the letter.

The size limit for documents is UPLOAD_MAX_MB (casefiles/env.py, default 20).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.deconstruct import deconstructible

DOCUMENT_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "webp", "txt", "docx", "odt", "eml"]
IMAGE_EXTENSIONS = ["png", "jpg", "jpeg"]
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
SIGNATURE_MAX_PIXELS = 4000

_IMAGES = {"png", "jpg", "jpeg", "webp"}
# Office documents are zip archives; a renamed HTML file is not.
_ZIP = b"PK\x03\x04"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@deconstructible
class FileSizeValidator:
    """At most `max_bytes`, or settings.UPLOAD_MAX_MB when not given (read when checking,
    so a changed setting applies without a migration)."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes

    def limit(self) -> int:
        return self.max_bytes or settings.UPLOAD_MAX_MB * 1024 * 1024

    def __call__(self, file) -> None:
        if _stored(file):
            return
        size = getattr(file, "size", None)
        if size is not None and size > self.limit():
            raise ValidationError(
                f"The file is {_megabytes(size)}; files may be at most {_megabytes(self.limit())}.",
                code="file_too_large",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileSizeValidator) and self.max_bytes == other.max_bytes


def _stored(file) -> bool:
    """A file already in storage (an unchanged field on a re-saved record) was checked when
    it was uploaded; reading it again could fail if storage moved, and would be slow."""
    return bool(getattr(file, "_committed", False)) and not hasattr(file, "content_type")


def _head(file, length: int = 2048) -> bytes:
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        return file.read(length) or b""
    finally:
        if position is not None:
            file.seek(position)


@deconstructible
class FileContentValidator:
    """The file's first bytes match its extension: a .pdf starts with %PDF, an image opens
    in Pillow, an Office document is a zip, text is UTF-8 without NUL bytes."""

    def __call__(self, file) -> None:
        extension = Path(getattr(file, "name", "") or "").suffix.lower().lstrip(".")
        if not extension:
            return  # FileExtensionValidator refuses it with its own message
        if _stored(file):
            return
        try:
            head = _head(file)
        except (OSError, ValueError):
            return
        if not _matches(extension, head, file):
            raise ValidationError(
                f"The file is named .{extension} but its content is not a {extension.upper()} "
                "file.",
                code="file_content_mismatch",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileContentValidator)


def _matches(extension: str, head: bytes, file) -> bool:
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in _IMAGES:
        return _image_size(file) is not None
    if extension in ("docx", "odt"):
        return head.startswith(_ZIP)
    if extension in ("txt", "eml"):
        if b"\x00" in head:
            return False
        lowered = head.lstrip().lower()
        return not lowered.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml"))
    return False


def _image_size(file) -> tuple[int, int] | None:
    """(width, height) if Pillow recognises the file as an image, else None."""
    from PIL import Image

    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.verify()
            return image.size
    except Exception:  # Pillow raises many kinds of error on a file that is not an image
        return None
    finally:
        if position is not None:
            file.seek(position)


@deconstructible
class ImagePixelsValidator:
    """An image at most `max_pixels` wide and high."""

    def __init__(self, max_pixels: int = SIGNATURE_MAX_PIXELS) -> None:
        self.max_pixels = max_pixels

    def __call__(self, file) -> None:
        if _stored(file):
            return
        size = _image_size(file)
        if size and max(size) > self.max_pixels:
            raise ValidationError(
                f"The image is {size[0]}×{size[1]} pixels; at most {self.max_pixels} on a "
                "side, please.",
                code="image_too_large",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImagePixelsValidator) and self.max_pixels == other.max_pixels


def document_validators() -> list:
    return [
        FileExtensionValidator(DOCUMENT_EXTENSIONS),
        FileSizeValidator(),
        FileContentValidator(),
    ]


def signature_image_validators() -> list:
    return [
        FileExtensionValidator(IMAGE_EXTENSIONS),
        FileSizeValidator(SIGNATURE_MAX_BYTES),
        ImagePixelsValidator(),
    ]
