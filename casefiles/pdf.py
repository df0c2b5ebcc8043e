"""Render trusted HTML to PDF with WeasyPrint, fetching nothing but what we allow.

The one entry point is `render_pdf`. Everything a document may load is named in
advance: the configured font family (served from ``settings.PDF_FONT_DIR``), the
stylesheets passed in, and any extra files passed as ``allowed_files`` (a letter's
signature images, say: their bytes, read through the storage, which may be object
storage). Every other URL — ``file://``, ``http(s)://``, ``data:``, anything — is
refused and logged, so a hostile document can neither read the server's files nor
make a request.

Usage::

    from casefiles.pdf import RESOURCE_BASE_URL, render_pdf

    pdf = render_pdf(
        html="<p>Hello <img src='signatures/7.png'></p>",
        stylesheets=[settings.BASE_DIR / "static/letters/letter.css"],
        allowed_files={"signatures/7.png": signatory.signature_image.read()},
    )

Relative URLs in the HTML and the stylesheets resolve against RESOURCE_BASE_URL,
a host under the reserved ``.invalid`` domain that never resolves; the fetcher
maps ``RESOURCE_BASE_URL + key`` back to the allowed file without any I/O on the
network. Fonts are referenced in CSS as ``font-family: <PDF_FONT_FAMILY>``; the
matching ``@font-face`` rules are added by `render_pdf` itself.

WeasyPrint runs in a child process (`casefiles.sandbox`) with a wall-clock limit (the
``time_limit`` argument), RENDER_CPU_SECONDS and RENDER_MEMORY_MB, so a document that
would take minutes or gigabytes is stopped with PDFRenderError in any thread of any
process. `render_pdf_unbounded` is the part that runs there; it needs no Django settings.
"""

from __future__ import annotations

import io
import logging
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)
# WeasyPrint reports each layout step at INFO; keep worker logs about our work.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

RESOURCE_BASE_URL = "https://pdf-resources.invalid/"
FONT_PREFIX = "fonts/"

# The four faces of a family, as files named "<Family without spaces><suffix>.ttf".
FONT_FACES: tuple[tuple[str, str, str], ...] = (
    ("", "normal", "normal"),
    ("-Bold", "bold", "normal"),
    ("-Italic", "normal", "italic"),
    ("-BoldItalic", "bold", "italic"),
)

# Text every PDF font must be able to set: Latin Extended and Cyrillic with Kazakh.
# An image larger than this is refused: decoded, 40 million pixels take 160 MB, and a
# scanned signature needs far fewer (an A4 page at 600 dpi is 35 million).
MAX_IMAGE_PIXELS = 40_000_000

REQUIRED_CHARACTERS = (
    "AaZzŠšŽžČčĖėŁłŃńÓóŚśŻżŹźŒœÆæØøÅåÄäÖöÜüẞßАаБбВвЖжЩщЫыЭэЮюЯяЁёӘәҒғҚқҢңӨөҰұҮүҺһІі“”‘’–—…№€"
)


class PDFRenderError(Exception):
    """The document could not be rendered; the message says why, for staff.

    ``limit`` names the render limit that stopped it ("time", "cpu", "memory", "crash"),
    or is None when the document itself was refused.
    """

    def __init__(self, message: str, *, limit: str | None = None) -> None:
        super().__init__(message)
        self.limit = limit

    def __reduce__(self):  # keeps ``limit`` when raised in the render process
        return (_pdf_render_error, (str(self), self.limit))


def _pdf_render_error(message: str, limit: str | None) -> PDFRenderError:
    return PDFRenderError(message, limit=limit)


@dataclass(frozen=True)
class FontFace:
    family: str
    weight: str
    style: str
    path: Path

    @property
    def key(self) -> str:
        return FONT_PREFIX + self.path.name


def font_faces(family: str | None = None, font_dir: Path | None = None) -> list[FontFace]:
    """The configured family's faces, whether or not their files exist."""
    family = str(family or settings.PDF_FONT_FAMILY)
    font_dir = Path(font_dir or settings.PDF_FONT_DIR)
    stem = family.replace(" ", "")
    return [
        FontFace(family, weight, style, font_dir / f"{stem}{suffix}.ttf")
        for suffix, weight, style in FONT_FACES
    ]


def font_problems(
    family: str | None = None,
    font_dir: Path | None = None,
    required: str = REQUIRED_CHARACTERS,
) -> list[str]:
    """What is wrong with the configured PDF font, in words staff can act on; [] if fine."""
    from fontTools.ttLib import TTFont, TTLibError

    problems = []
    for face in font_faces(family, font_dir):
        if not face.path.is_file():
            problems.append(
                f"PDF font file {face.path} ({face.family} {face.weight} {face.style}) "
                "does not exist. Set PDF_FONT_DIR to a directory holding it, or "
                "PDF_FONT_FAMILY to a family whose files are there."
            )
            continue
        try:
            with TTFont(face.path, lazy=True) as font:
                cmap = font.getBestCmap() or {}
        except (TTLibError, OSError) as exc:
            problems.append(f"PDF font file {face.path} cannot be read: {exc}")
            continue
        missing = sorted({ch for ch in required if ord(ch) not in cmap})
        if missing:
            problems.append(
                f"PDF font {face.path.name} has no glyph for {''.join(missing)}; "
                "names in letters would print wrongly. Choose a font covering "
                "Latin Extended and Cyrillic (including Kazakh)."
            )
    return problems


def font_face_css(url_prefix: str = FONT_PREFIX, family: str | None = None) -> str:
    """``@font-face`` rules for the configured family, loading files from ``url_prefix``."""
    rules = []
    for face in font_faces(family):
        rules.append(
            "@font-face { "
            f'font-family: "{css_string(face.family)}"; '
            f"font-weight: {face.weight}; font-style: {face.style}; "
            f'src: url("{css_string(url_prefix + face.path.name)}"); }}'
        )
    return "\n".join(rules)


def css_string(value: str) -> str:
    """Escape text for use inside a double-quoted CSS string (and inside <style>)."""
    return "".join(ch if ch.isalnum() or ch in " .,:;-_/()" else f"\\{ord(ch):06x}" for ch in value)


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AllowListFetcher(URLFetcher):
        """Serves only the named files; refuses every other URL without touching it."""

        def __init__(self, allowed: Mapping[str, Path | bytes], refused: list[str]) -> None:
            super().__init__(fail_on_errors=False)
            self.allowed = dict(allowed)
            self.refused = refused

        def fetch(self, url, headers=None):
            key = url.removeprefix(RESOURCE_BASE_URL) if url.startswith(RESOURCE_BASE_URL) else None
            file = self.allowed.get(key) if key is not None else None
            if key is None or file is None:
                self.refused.append(url)  # logged by the caller, outside the render process
                raise PDFRenderError(f"Not an allowed resource: {url[:200]}")
            mime_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
            body = file if isinstance(file, bytes) else file.read_bytes()
            return URLFetcherResponse(
                RESOURCE_BASE_URL + key, body=body, headers={"Content-Type": mime_type}
            )

        def open(self, url, data=None, timeout=None):  # never the network, whatever asks
            return self.fetch(getattr(url, "full_url", url))

    return AllowListFetcher


def render_pdf(
    *,
    html: str,
    stylesheets: Sequence[Path] = (),
    allowed_files: Mapping[str, Path | bytes] | None = None,
    refused: list[str] | None = None,
    font_family: str | None = None,
    time_limit: float = 60,
) -> bytes:
    """Render ``html`` (trusted markup; sanitise user content before) to PDF bytes.

    - ``stylesheets``: CSS files of the app, applied after the font rules; relative
      URLs in them resolve to keys of ``allowed_files`` (or to ``fonts/<file>``).
    - ``allowed_files``: ``{key: path or bytes}``; the document may load ``key`` (a
      relative URL such as ``"signatures/7.png"``) and nothing else besides the fonts.
      Uploaded files are given as their bytes, so the renderer needs no access to storage. Images
      among them larger than MAX_IMAGE_PIXELS are refused before rendering.
    - ``refused``: if given, every URL the fetcher refused is appended to it.
    - ``time_limit``: wall-clock seconds before rendering is stopped. WeasyPrint runs in a
      child process (casefiles.sandbox) with this limit, RENDER_CPU_SECONDS and
      RENDER_MEMORY_MB, so the limits hold in any thread of any process.

    Raises PDFRenderError when the configured font is unusable, an image is too large, or
    a limit is reached (its ``limit`` then says which: "time", "cpu", "memory", "crash").
    """
    from casefiles.sandbox import RenderLimitError, limits_from_settings, run_bounded

    faces = font_faces(font_family)
    missing = [face.path for face in faces if not face.path.is_file()]
    if missing:
        raise PDFRenderError(
            f"PDF font files missing: {', '.join(str(p) for p in missing)}. "
            "Set PDF_FONT_DIR / PDF_FONT_FAMILY (see `manage.py check`)."
        )
    allowed: dict[str, Path | bytes] = {face.key: face.path for face in faces}
    for key, file in (allowed_files or {}).items():
        if key.startswith(FONT_PREFIX) or "://" in key or key.startswith("/"):
            raise ValueError(f"Allowed file keys are relative names, not {key!r}")
        allowed[key] = file if isinstance(file, bytes) else Path(file)

    try:
        pdf, refused_here = run_bounded(
            render_pdf_unbounded,
            limits=limits_from_settings(time_limit),
            html=html,
            stylesheets=[Path(stylesheet) for stylesheet in stylesheets],
            allowed=allowed,
            font_css=font_face_css(family=font_family),
            image_keys=[key for key in allowed_files or {}],
        )
    except RenderLimitError as exc:
        raise PDFRenderError(f"Rendering {exc}.", limit=exc.limit) from exc
    for url in refused_here:
        logger.warning("PDF rendering refused to fetch %.200s", url)
    if refused is not None:
        refused.extend(refused_here)
    return pdf


def render_pdf_unbounded(
    *,
    html: str,
    stylesheets: Sequence[Path],
    allowed: Mapping[str, Path | bytes],
    font_css: str,
    image_keys: Sequence[str] = (),
    max_image_pixels: int = MAX_IMAGE_PIXELS,
) -> tuple[bytes, list[str]]:
    """The WeasyPrint work of `render_pdf`, without its limits and without Django settings.

    Runs in the render child process; returns the PDF and the URLs the fetcher refused.
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    for key in image_keys:
        _check_image_size(key, allowed[key], max_image_pixels)
    refused: list[str] = []
    fetcher = _fetcher_class()(allowed, refused)
    font_config = FontConfiguration()
    css = [
        CSS(
            string=font_css,
            base_url=RESOURCE_BASE_URL,
            url_fetcher=fetcher,
            font_config=font_config,
        )
    ]
    for stylesheet in stylesheets:
        css.append(
            CSS(
                string=Path(stylesheet).read_text(encoding="utf-8"),
                base_url=RESOURCE_BASE_URL,
                url_fetcher=fetcher,
                font_config=font_config,
            )
        )
    document = HTML(string=html, base_url=RESOURCE_BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=css, font_config=font_config), refused


def _check_image_size(key: str, file: Path | bytes, max_pixels: int) -> None:
    """Refuse an image whose decoded size alone would take most of the memory allowed."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # reading the header alone decodes nothing
    try:
        with Image.open(io.BytesIO(file) if isinstance(file, bytes) else file) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError):
        return  # not an image Pillow knows: WeasyPrint leaves it out of the PDF
    finally:
        Image.MAX_IMAGE_PIXELS = max_pixels  # and Pillow refuses to decode anything larger
    if width * height > max_pixels:
        raise PDFRenderError(
            f"The image {Path(key).name} is {width:,} × {height:,} pixels; images in a PDF "
            f"may have at most {max_pixels // 1_000_000} million pixels. Upload a smaller scan."
        )


def warm_up() -> None:
    """Render a tiny document, so that processes forked after this one skip first-use work.

    The render forkserver runs this once (casefiles.render_warmup): each render child then
    starts with WeasyPrint's, Pango's and fontconfig's first-use set-up done (about 50 ms
    of each render, measured). Never raises: a failed warm-up only costs that time.
    """
    import email.policy  # noqa: F401 — WeasyPrint imports it on its first document
    import os
    import time

    try:
        faces = font_faces()  # with the configured fonts, when Django's settings are there
        allowed = {face.key: face.path for face in faces if face.path.is_file()}
        font_css = font_face_css()
    except Exception:  # noqa: BLE001 — a forkserver started without settings
        allowed, font_css = {}, ""
    try:
        render_pdf_unbounded(
            html="<p>Warm <b>up</b> <i>Ӛ</i></p>",
            stylesheets=(),
            allowed=allowed,
            font_css=font_css,
        )
    except Exception:  # noqa: BLE001 — see above
        logger.warning("Warming up the PDF renderer failed", exc_info=True)
    # Pango may sort fonts in a short-lived thread; fork only once it is gone.
    deadline = time.monotonic() + 2
    while len(os.listdir("/proc/self/task")) > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
