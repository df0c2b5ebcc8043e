"""A hostile letter body reads nothing, fetches nothing and cannot hang rendering."""

from __future__ import annotations

import builtins
import io
import socket
import time

import pytest
from pypdf import PdfReader

from casefiles import sandbox
from casefiles.pdf import PDFRenderError, render_pdf
from letters.choices import RenderStatus
from letters.rendering import BODY_MAX_CHARS, LetterContentError, body_to_html
from letters.services import letter_render_now, letter_version_request
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db

FILE_IMAGE = '<img src="file:///etc/passwd"> <img src="/etc/passwd">'
HTTP_IMAGE = '<img src="http://attacker.example/pixel.png"> ![x](https://attacker.example/y.png)'
SCRIPT = "<script>document.write('pwned')</script> <a href=\"javascript:alert(1)\">click</a>"
CSS_BOMB = (
    "<style>@page { size: 30px 30px; margin: 0 } * { font-size: 20px !important }"
    " body { background: url(file:///etc/passwd) }</style>"
    '<p style="font-size: 900px; column-count: 999">Ordinary text.</p>' + "word " * 2000
)


@pytest.fixture
def watch_io(monkeypatch):
    """Record every file opened and every connection tried while rendering.

    Rendering runs in this process for these tests, so that the patched ``open`` and
    ``connect`` see what the renderer does (in a child process they would see nothing).
    """
    monkeypatch.setattr(sandbox, "RUN_IN_PROCESS", True)
    opened: list[str] = []
    connected: list[object] = []
    real_open = builtins.open

    def recording_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def refuse_connect(self, address):
        connected.append(address)
        raise OSError("tests do not reach the network")

    monkeypatch.setattr(builtins, "open", recording_open)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    return opened, connected


def rendered_pages(version) -> list[str]:
    with version.file.open("rb") as pdf:
        return [page.extract_text() for page in PdfReader(io.BytesIO(pdf.read())).pages]


@pytest.mark.parametrize(
    "hostile",
    [FILE_IMAGE, HTTP_IMAGE, SCRIPT, CSS_BOMB],
    ids=["file-image", "http-image", "script", "css-bomb"],
)
def test_a_hostile_body_renders_as_plain_text_without_reading_or_fetching(hostile, watch_io):
    opened, connected = watch_io
    letter = make_letter(body=f"Dear colleagues, {hostile} Kind regards.")
    started = time.monotonic()
    version = letter_render_now(letter=letter)
    assert time.monotonic() - started < 30
    assert version.status == RenderStatus.DONE, version.error
    for tag in ("<img", "<script", "<style", "style=", "javascript:"):
        assert tag not in version.html.split("<article", 1)[1]
    assert not [path for path in opened if "passwd" in path]
    assert connected == []
    pages = rendered_pages(version)
    assert "root:" not in "".join(pages) and "pwned" not in "".join(pages)
    assert len(pages) <= 5  # the bomb's CSS is gone: applied, it would make thousands


def test_the_fetcher_refuses_file_and_network_urls_even_in_unsanitised_html(watch_io):
    opened, connected = watch_io
    refused: list[str] = []
    html = (
        '<p>x <img src="file:///etc/passwd"> <img src="http://attacker.example/a.png">'
        '<img src="https://attacker.example/b.png"> <img src="../../../../etc/passwd">'
        '<link rel="stylesheet" href="file:///etc/ssl/openssl.cnf"></p>'
        "<style>@import url(http://attacker.example/c.css);"
        " @font-face { font-family: X; src: url(file:///etc/passwd) }</style>"
    )
    pdf = render_pdf(html=html, refused=refused)
    assert pdf.startswith(b"%PDF")
    assert {
        "file:///etc/passwd",
        "http://attacker.example/a.png",
        "https://attacker.example/b.png",
        "http://attacker.example/c.css",
    } <= set(refused)
    assert not [path for path in opened if "passwd" in path or "openssl" in path]
    assert connected == []


def test_a_css_bomb_that_reaches_the_renderer_is_stopped_by_the_time_limit():
    html = (
        "<style>@page { size: 30px 30px; margin: 0 } p { font-size: 20px }</style><p>"
        + ("word " * 5000)
        + "</p>"
    )
    started = time.monotonic()
    with pytest.raises(PDFRenderError, match="longer than 2 s"):
        render_pdf(html=html, time_limit=2)
    assert time.monotonic() - started < 10


def test_a_body_nested_thousands_deep_is_refused_quickly():
    started = time.monotonic()
    with pytest.raises(LetterContentError, match="nests"):
        body_to_html("> " * 5000 + "deep")
    with pytest.raises(LetterContentError, match="nests"):
        body_to_html("\n".join("    " * depth + "- item" for depth in range(200)))
    assert time.monotonic() - started < 5


def test_an_overlong_body_is_refused_with_its_length():
    with pytest.raises(LetterContentError, match="at most 100,000"):
        body_to_html("a" * (BODY_MAX_CHARS + 1))


def test_a_citation_of_a_missing_source_is_refused_by_name():
    letter = make_letter(body="We cite nothing real.[^src:999999]")
    with pytest.raises(LetterContentError, match=r"\[\^src:999999\]"):
        letter_version_request(letter=letter)


def test_a_body_of_20000_brackets_is_refused_at_once_saying_what_to_remove():
    started = time.monotonic()
    with pytest.raises(LetterContentError, match="20,000 “\\[” brackets"):
        body_to_html("Dear colleagues, " + "[" * 20_000)
    assert time.monotonic() - started < 5


def test_a_thousand_nested_numbered_list_markers_are_refused_not_a_recursion_error():
    for markers in ("1. " * 1000, "1) " * 1000):
        with pytest.raises(LetterContentError, match="nests"):
            body_to_html(markers + "deep")


def test_a_body_too_slow_to_format_is_stopped_at_the_markdown_time_limit(settings):
    settings.LETTERS_MARKDOWN_TIME_LIMIT = 0.5
    started = time.monotonic()
    with pytest.raises(LetterContentError, match="too complex to format.*longer than 0.5 s"):
        body_to_html("\n\n".join(["[" * 200] * 480))  # passes the quick checks; takes seconds
    assert time.monotonic() - started < 3


def test_an_ordinary_body_still_formats_with_links_lists_and_citations():
    letter = make_letter(
        body="We write about **Mr Test**.\n\n1. first\n2. [second](https://example.org/a)\n\n"
        "> quoted"
    )
    body = body_to_html(letter.body)
    assert "<strong>Mr Test</strong>" in body.html
    assert '<a href="https://example.org/a">second</a>' in body.html
    assert "<blockquote>" in body.html and "<ol>" in body.html
