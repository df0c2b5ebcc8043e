"""The sandbox letter templates run in: Jinja2's SandboxedEnvironment, narrowed further.

- Only the vocabulary's facts (letters.templating.facts) and a few string methods can be
  reached: any other attribute (``''.__class__``, ``.notes``) is refused.
- A name the vocabulary does not hold is an error (StrictUndefined), never an empty string.
- What a template prints from a fact is escaped for the body's Markdown, so a fact cannot
  open emphasis, a link or a ``[^src:ID]`` citation; only `cite` emits citations.
- Output is capped at the letter body's limit, ``range`` and ``*`` are bounded, and
  `render_bounded` runs the whole render in a child process with a time and memory limit
  (casefiles.sandbox), so no loop or recursion can hold a web worker.

No Django here: the child process imports this module without setting Django up.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import sys
from collections.abc import Iterable
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.filters import _GroupTuple
from jinja2.runtime import LoopContext
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from letters.templating import facts
from letters.templating.filters import FILTERS, GLOBALS

OUTPUT_MAX = 50_000  # letters.models.BODY_MAX: a rendered body must fit a letter
RANGE_MAX = 1_000
SEQUENCE_MAX = 10_000  # the longest string or list a template may build with * or ~
RENDER_SECONDS = 5.0
TOO_LONG = f"a template may not build a text or list longer than {SEQUENCE_MAX:,}."

FACT_TYPES = tuple(
    value
    for value in vars(facts).values()
    if isinstance(value, type) and dataclasses.is_dataclass(value)
)
STRING_METHODS = frozenset({"upper", "lower", "title", "capitalize", "strip", "startswith"})
# The Markdown a fact's text could otherwise start: emphasis, code, links and citations.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")


class TemplateRenderError(ValueError):
    """A template that does not compile or render; its ``line``, the unknown ``name`` and
    the ``field`` (subject, body…) when known."""

    def __init__(self, message: str, line: int | None = None, name: str = "", field: str = ""):
        super().__init__(message)
        self.message = message
        self.line = line
        self.name = name
        self.field = field

    def __reduce__(self):  # keep line, name and field when a child process sends one back
        return (TemplateRenderError, (self.message, self.line, self.name, self.field))

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else ""
        if self.field:
            where = f"{self.field}, {where}" if where else self.field
        where = where[:1].upper() + where[1:]
        return f"{where}: {self.message}" if where else self.message


def markdown_escape(value: Any) -> str:
    """What ``{{ … }}`` prints: a fact's text with Markdown's inline marks escaped."""
    if value is None:
        raise UndefinedError("a value is missing (none): test it with {% if … %} first")
    if isinstance(value, Markup):
        return str(value)
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("<", "&lt;")


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > RANGE_MAX:
        raise SecurityError(f"range() is limited to {RANGE_MAX:,} numbers in a letter.")
    return numbers


def _sized(value: Any) -> Any:
    if isinstance(value, str | list | tuple) and len(value) > SEQUENCE_MAX:
        raise SecurityError(TOO_LONG)
    return value


class LetterSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, FACT_TYPES):
            return attr in {f.name for f in dataclasses.fields(obj)} or attr == "year"
        if isinstance(obj, str):
            return attr in STRING_METHODS
        # loop.index, group.grouper: Jinja's own helpers
        return isinstance(obj, LoopContext | _GroupTuple)

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("a template may not raise to a power above 64.")
            return operator.pow(left, right)
        if operator_name == "*":
            for side, other in ((left, right), (right, left)):
                sized = isinstance(side, str | list | tuple) and isinstance(other, int)
                if sized and len(side) * other > SEQUENCE_MAX:
                    raise SecurityError(TOO_LONG)
            return operator.mul(left, right)
        return _sized(operator.add(left, right))


def make_environment() -> LetterSandbox:
    environment = LetterSandbox(
        undefined=StrictUndefined,
        autoescape=False,  # the body is Markdown, not HTML: markdown_escape does its job
        finalize=markdown_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[],
    )
    environment.filters.update(FILTERS)
    environment.globals.clear()
    environment.globals.update(GLOBALS)
    environment.globals["range"] = _bounded_range
    return environment


ENVIRONMENT = make_environment()


def _template_line(traceback) -> int | None:
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


def _explained(exc: BaseException) -> TemplateRenderError:
    line = getattr(exc, "lineno", None) or _template_line(exc.__traceback__)
    if isinstance(exc, TemplateSyntaxError):
        return TemplateRenderError(f"syntax error: {exc.message}", line)
    if isinstance(exc, SecurityError):
        return TemplateRenderError(f"not allowed in a letter template: {exc}", line)
    if isinstance(exc, UndefinedError):
        match = _UNDEFINED_NAME.search(str(exc))
        name = (match.group(1) or match.group(2)) if match else ""
        if name:
            return TemplateRenderError(f"unknown name “{name}” ({exc})", line, name)
        return TemplateRenderError(str(exc), line)
    if isinstance(exc, RecursionError):
        return TemplateRenderError("the template calls itself too deeply (recursion).", line)
    return TemplateRenderError(f"{type(exc).__name__}: {exc}", line)


def check_names(source: str, known: Iterable[str]) -> None:
    """Refuse syntax errors and names outside ``known`` without rendering anything."""
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as exc:
        raise _explained(exc) from None
    unknown = meta.find_undeclared_variables(tree) - set(known) - set(ENVIRONMENT.globals)
    if not unknown:
        return
    first = min(
        (node for node in tree.find_all(nodes.Name) if node.name in unknown),
        key=lambda node: node.lineno,
    )
    raise TemplateRenderError(f"unknown name “{first.name}”", first.lineno, first.name)


def render(source: str, vocabulary: dict[str, Any]) -> str:
    """The template rendered over ``vocabulary``; TemplateRenderError when it cannot be."""
    old_limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(min(old_limit, 2_000))
        template = ENVIRONMENT.from_string(source)
        pieces: list[str] = []
        length = 0
        for piece in template.generate(**vocabulary):
            length += len(piece)
            if length > OUTPUT_MAX:
                raise TemplateRenderError(
                    "the template writes more than a letter may hold (at most "
                    f"{OUTPUT_MAX:,} characters): a loop that runs too long?"
                )
            pieces.append(piece)
        return "".join(pieces)
    except TemplateRenderError:
        raise
    except (TemplateError, RecursionError, TypeError, ValueError, ArithmeticError) as exc:
        raise _explained(exc) from None
    finally:
        sys.setrecursionlimit(old_limit)


def render_parts(parts: dict[str, str], vocabulary: dict[str, Any]) -> dict[str, str]:
    """Several texts (subject, body…) rendered over one vocabulary, in one child process."""
    rendered = {}
    for field, source in parts.items():
        try:
            rendered[field] = render(source, vocabulary)
        except TemplateRenderError as exc:
            raise TemplateRenderError(exc.message, exc.line, exc.name, field) from None
    return rendered


def render_parts_bounded(parts: dict[str, str], vocabulary: dict[str, Any]) -> dict[str, str]:
    """`render_parts` in a child process under a time and memory limit (casefiles.sandbox)."""
    from casefiles.sandbox import RenderLimitError, limits_from_settings, run_bounded

    try:
        return run_bounded(
            render_parts,
            limits=limits_from_settings(RENDER_SECONDS),
            parts=parts,
            vocabulary=vocabulary,
        )
    except RenderLimitError as exc:
        raise TemplateRenderError(
            f"the template stopped at a limit: {exc}. A loop inside a loop that runs too long?"
        ) from exc
