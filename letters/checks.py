"""System checks for letters: the PDF font must exist and cover the names we print."""

from __future__ import annotations

from django.core.checks import Error, register

from casefiles.pdf import font_problems


@register()
def check_pdf_font(app_configs=None, **kwargs) -> list[Error]:
    return [
        Error(problem, hint="See docs/letters.md, 'Fonts'.", id="letters.E001")
        for problem in font_problems()
    ]
