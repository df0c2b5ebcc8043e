"""Aggregates Django 5.2 has for PostgreSQL only, written for SQLite too: the embedded
default runs the same queries as production."""

from __future__ import annotations

import json

from django.db.models import Aggregate, CharField


class Joined(Aggregate):
    """The values joined by `separator` (a literal the values never hold): string_agg on
    PostgreSQL, group_concat on SQLite. NULL when there are no rows."""

    function = "STRING_AGG"
    output_field = CharField()

    def __init__(self, expression, *, separator: str = ",", **extra):
        if "'" in separator:
            raise ValueError("The separator is written into the SQL: no quotes.")
        super().__init__(expression, **extra)
        self.template = f"%(function)s(%(expressions)s, '{separator}')"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


class JSONList(Aggregate):
    """The values as a JSON array, as text (read it with `json_list`): json_agg on
    PostgreSQL, json_group_array on SQLite. Order within the array is not defined."""

    function = "JSON_AGG"
    template = "CAST(%(function)s(%(expressions)s) AS TEXT)"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function="JSON_GROUP_ARRAY",
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


def json_list(text: str | None) -> list:
    """What JSONList gave: [] for no rows (a subquery over none gives NULL)."""
    return json.loads(text) if text else []
