"""Letter templates as a sandboxed template language over a case's facts (docs/letters.md).

- `facts`: the vocabulary's shapes (plain frozen dataclasses; no Django, no model instances).
- `vocabulary`: builds those facts from one or several cases for an author.
- `filters`: dates, lists, plurals and citations as a letter writes them.
- `environment`: the Jinja2 sandbox, its limits, and errors with a line and a name.
"""
