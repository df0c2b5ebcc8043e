"""Writes and renders of letter templates (letters.templating; docs/letters.md, "Templates").

A template is refused on save unless it compiles, names only the vocabulary, and renders
over an invented case holding one of every fact; the message names the line and the name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction

from casefiles.models import Case
from letters.models import LetterTemplate
from letters.templating.environment import (
    TemplateRenderError,
    check_names,
    render_parts_bounded,
)
from letters.templating.vocabulary import letter_vocabulary, specimen_vocabulary, vocabulary_names

RENDERED_FIELDS = ("subject", "salutation", "body", "closing")


def _parts(template: LetterTemplate) -> dict[str, str]:
    return {field: getattr(template, field) for field in RENDERED_FIELDS}


def letter_template_check(*, template: LetterTemplate) -> None:
    """Raise ValidationError on the field that does not render, with its line and name."""
    for field, source in _parts(template).items():
        try:
            check_names(source, vocabulary_names())
        except TemplateRenderError as exc:
            raise ValidationError({field: str(exc)}) from None
    try:
        render_parts_bounded(_parts(template), specimen_vocabulary())
    except TemplateRenderError as exc:
        line = f"Line {exc.line}: " if exc.line else ""
        raise ValidationError({exc.field or "body": f"{line}{exc.message}"}) from None


@transaction.atomic
def letter_template_save(
    *,
    template: LetterTemplate | None = None,
    name: str,
    subject: str,
    salutation: str,
    body: str,
    closing: str,
) -> LetterTemplate:
    """Create or change a template; refused (nothing written) when it does not render."""
    template = template or LetterTemplate()
    template.name = name
    template.subject = subject
    template.salutation = salutation
    template.body = body
    template.closing = closing
    template.full_clean()
    letter_template_check(template=template)
    template.save()
    return template


def letter_template_render(
    *,
    template: LetterTemplate,
    cases: Sequence[Case],
    author: User | AnonymousUser | None,
) -> dict[str, str]:
    """The template's subject, salutation, body and closing written out for ``cases`` (already
    limited to those ``author`` may see). TemplateRenderError when it does not render."""
    vocabulary = letter_vocabulary(cases=cases, author=author)
    rendered = render_parts_bounded(_parts(template), vocabulary)
    # One line each, except the body.
    for field in ("subject", "salutation", "closing"):
        rendered[field] = " ".join(rendered[field].split())
    # Paragraphs a condition left out leave blank lines behind: one blank line between two.
    rendered["body"] = re.sub(r"\n[ \t]*(?:\n[ \t]*)+\n", "\n\n", rendered["body"]).strip() + "\n"
    return rendered
