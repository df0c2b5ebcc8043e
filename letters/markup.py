"""A letter body's Markdown as sanitised HTML: the part of rendering that runs in a child process.

Python-Markdown's work grows with the square of some inputs (20,000 ``[`` take most of a
minute) and recurses once per nesting level, so `letters.rendering` runs `markdown_to_html`
through `casefiles.sandbox` with a time and memory limit. This module therefore imports
no Django: the child process loads it without setting Django up.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
import nh3

BODY_MAX_DEPTH = 12  # nested lists/quotes; a letter never needs more
# A line opening with this many quote/list/indent characters is nesting, not prose.
DEEP_LINE = re.compile(r"^[ \t>*+\-]{40,}", re.MULTILINE)
# Numbered list markers opening a line, one inside the other ("1. 1. 1. …").
DEEP_NUMBERED_LINE = re.compile(rf"^[ \t]*(?:\d{{1,9}}[.)][ \t]+){{{BODY_MAX_DEPTH + 1},}}", re.M)
# Markdown looks for the end of every "[" through the rest of its paragraph, and of every
# "<" through the rest of the body: past a few hundred, formatting takes seconds, then
# minutes (measured: 20,000 "[" in one paragraph, 51 s; 33,000 "<a " in the body, 108 s).
PARAGRAPH_MAX_BRACKETS = 200
BODY_MAX_ANGLES = 200
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "sup",
    "sub",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h3",
    "h4",
    "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

TOO_DEEP = "The body nests quotes or lists too deeply to print."


class BodyMarkupError(ValueError):
    """The body cannot be formatted as written; the message tells staff what to change."""


class _DepthMeter(HTMLParser):
    VOID = {"br"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.deepest = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag) -> None:
        if tag not in self.VOID:
            self.depth -= 1


def body_markup_problem(text: str) -> str | None:
    """What makes this Markdown too costly to format, found in linear time; None if nothing.

    A cheap check for a precise message; the render limits are the guarantee.
    """
    if DEEP_LINE.search(text) or DEEP_NUMBERED_LINE.search(text):
        return TOO_DEEP
    angles = text.count("<")
    if angles > BODY_MAX_ANGLES:
        return (
            f"The body has {angles:,} “<” signs; a letter may have at most {BODY_MAX_ANGLES}. "
            "Remove them."
        )
    for paragraph in PARAGRAPH_BREAK.split(text):
        brackets = paragraph.count("[")
        if brackets > PARAGRAPH_MAX_BRACKETS:
            return (
                f"A paragraph of the body has {brackets:,} “[” brackets; one paragraph may "
                f"have at most {PARAGRAPH_MAX_BRACKETS}. Remove the stray brackets or split "
                "the paragraph."
            )
    return None


def markdown_to_html(text: str) -> str:
    """Markdown to HTML sanitised down to ALLOWED_TAGS; raises BodyMarkupError if it cannot be."""
    problem = body_markup_problem(text)
    if problem:
        raise BodyMarkupError(problem)
    try:
        converted = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    except RecursionError:
        raise BodyMarkupError(TOO_DEEP) from None
    clean = nh3.clean(
        converted,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        clean_content_tags={"script", "style"},
        link_rel=None,
    )
    meter = _DepthMeter()
    meter.feed(clean)
    if meter.deepest > BODY_MAX_DEPTH:
        raise BodyMarkupError(TOO_DEEP)
    return clean
