"""The letter templates shipped with Casefiles, as files (`*.j2`).

Each file opens with ``key: value`` lines (name, subject, salutation, closing), then a
line ``---``, then the body. Migration 0014 and `load_demo` load them into LetterTemplate.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER_KEYS = ("name", "subject", "salutation", "closing")


def shipped_templates() -> list[dict[str, str]]:
    """Each shipped template as the LetterTemplate fields it fills, by file name."""
    templates = []
    for path in sorted(HERE.glob("*.j2")):
        header, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        fields = {"body": body}
        for line in header.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in HEADER_KEYS:
                fields[key.strip()] = value.strip()
        missing = [key for key in HEADER_KEYS if key not in fields]
        if missing:
            raise ValueError(f"{path.name}: no {', '.join(missing)} in its header")
        templates.append(fields)
    return templates
