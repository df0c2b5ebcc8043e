"""Helpers for loading reference data that can be run again without changing anything."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def ensure(model: type[M], lookup: dict[str, Any], values: dict[str, Any] | None = None) -> M:
    """Get the row matching `lookup`, creating or correcting it to hold `values`.

    Unlike update_or_create it saves only when something differs, so a second run
    writes nothing — not even a history row.
    """
    values = values or {}
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj
    changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
    return obj
