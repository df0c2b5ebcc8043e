"""Nothing is lost: which records may not be deleted, and bringing back one that was.

Lives in `people`, the lowest app, so that every app and its admin can use it.

The design is "refuse, and restore from history" rather than soft delete, so no query
anywhere has to remember to hide deleted rows:

- A record is refused deletion while other recorded facts depend on it: a case with
  charges, a person with positions, a source that is cited. Deleting therefore never takes
  facts with it unseen, and each deletion removes one record, which its last history row
  can bring back. The few *parts* that mean nothing without their owner (a person's
  aliases, a letter's recipients) go with it and come back with it.
- Rules registered per model refuse for other reasons (a sent letter is kept for good);
  letters registers its own, as casefiles never imports letters.
- The refusal runs in a `pre_delete` receiver, so `obj.delete()`, `QuerySet.delete()`,
  cascades, the admin and the shell all obey it, superusers included. The admin mixins
  below turn the refusal into a message instead of an error page.
- `record_restore` (Administrators only) saves a deleted record again from its history,
  with its many-to-many links and the parts deleted with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard, TypeVar, cast

from django.apps import apps
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.fields.related import RelatedField
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.signals import pre_delete
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from simple_history.utils import get_history_manager_for_model

from people.roles import ADMINISTRATOR

OUR_APPS = ("people", "casefiles", "letters")

DeletionRule = Callable[[models.Model], "str | None"]
_Record = TypeVar("_Record", bound=models.Model)

_rules: dict[type[models.Model], list[DeletionRule]] = defaultdict(list)
# part model -> name of its foreign key to the owner it goes (and comes back) with
_parts: dict[type[models.Model], str] = {}


class RecordKept(models.ProtectedError):
    """Deleting this record was refused; the message says why and what to do instead."""

    def __init__(self, message: str, record: models.Model) -> None:
        super().__init__(message, {record})
        self.message = message

    def __str__(self) -> str:
        return self.message


class RestoreError(ValueError):
    """The record cannot be restored as asked; the message says why."""


def deletion_rule_register(model: type[_Record], rule: Callable[[_Record], str | None]) -> None:
    """Refuse deleting a `model` record whenever `rule(record)` returns a message."""
    # Rules are looked up by the record's exact type, so a rule is only ever called with a
    # record of the model it was registered for.
    _rules[model].append(cast(DeletionRule, rule))


def deletion_part_register(model: type[models.Model], *, owner_field: str) -> None:
    """Records of `model` go with their owner when it is deleted and come back with it."""
    _parts[model] = owner_field


def is_tracked(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def _owner_key(part_model: type[models.Model]) -> models.ForeignKey[Any, Any]:
    """The foreign key from a registered part to the owner it goes and comes back with."""
    owner = part_model._meta.get_field(_parts[part_model])
    if not isinstance(owner, models.ForeignKey):
        raise TypeError(
            f"{part_model._meta.label}.{owner.name} must be a foreign key to be a part's owner."
        )
    return owner


def _counted(count: int, model: type[models.Model]) -> str:
    name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
    return f"{count} {name}"


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _dependants(record: models.Model) -> list[str]:
    """Recorded facts that deleting `record` would delete or unlink with it, counted."""
    found = []
    for relation in record._meta.get_fields(include_hidden=True):
        # The reverse side of a foreign key or many-to-many pointing at this record.
        if not (
            isinstance(relation, ForeignObjectRel)
            and relation.auto_created
            and not relation.concrete
        ):
            continue
        related = relation.related_model
        if related._meta.auto_created or not is_tracked(related) or related in _parts:
            continue  # through tables are counted as the many-to-many they carry
        cascades = relation.many_to_many or (getattr(relation, "on_delete", None) is models.CASCADE)
        if not cascades:
            continue  # PROTECT is refused by Django itself; SET_NULL loses nothing recorded
        count = related._base_manager.filter(**{relation.field.name: record.pk}).count()
        if count:
            found.append(_counted(count, related))
    return found


def deletion_refusal(record: models.Model) -> str | None:
    """Why `record` may not be deleted, in words for staff; None when it may be."""
    for rule in _rules.get(type(record), ()):
        refusal = rule(record)
        if refusal:
            return refusal
    if type(record)._meta.app_label in OUR_APPS and is_tracked(type(record)):
        dependants = _dependants(record)
        if dependants:
            return (
                f"“{record}” has {_joined(dependants)}; delete or move those first, "
                "so that nothing is deleted with it unseen."
            )
    return None


def _deleted_with_reason(owner_model: type[models.Model], owner_id: object) -> str:
    return f"deleted with {owner_model._meta.label_lower} {owner_id}"


def _refuse_deletion(sender, instance: models.Model, origin=None, **kwargs) -> None:
    refusal = deletion_refusal(instance)
    if refusal:
        raise RecordKept(refusal, instance)
    if sender in _parts and origin is not None and origin is not instance:
        # simple-history writes this on the deletion row, so a restore of the owner
        # knows which parts went with it. It reads it off the instance, an attribute the
        # model's type does not declare.
        owner = _owner_key(sender)
        owner_id = getattr(instance, owner.attname)
        setattr(  # noqa: B010
            instance, "_change_reason", _deleted_with_reason(owner.related_model, owner_id)
        )


def deletion_rules_connect() -> None:
    """Watch every deletion of a recorded (history-tracked) model of ours; from ready()."""
    for model in apps.get_models():
        if model._meta.app_label in OUR_APPS and is_tracked(model):
            pre_delete.connect(
                _refuse_deletion, sender=model, dispatch_uid=f"deletion_rules_{model._meta.label}"
            )


# --- Restoring a deleted record --------------------------------------------------------------


def is_administrator(user: AbstractUser | AnonymousUser) -> TypeGuard[AbstractUser]:
    """Whether `user` is an Administrator, and so necessarily a signed-in account."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists())
    )


def _last_state(history_row) -> models.Model:
    """The last history row written while the record existed, with its links.

    The deletion row is written after Django has removed the many-to-many rows, so its
    link list is empty; the row before it holds the links the record had.
    """
    pk_name = history_row.instance_type._meta.pk.attname
    history = type(history_row)._default_manager
    earlier = (
        history.filter(**{pk_name: getattr(history_row, pk_name)})
        .exclude(history_type="-")
        .filter(history_date__lte=history_row.history_date)
        .order_by("-history_date", "-history_id")
        .first()
    )
    return earlier or history_row


def _check_references_exist(record: models.Model) -> None:
    for field in record._meta.concrete_fields:
        if not isinstance(field, RelatedField):
            continue  # a concrete field is a relation exactly when it is a foreign key
        value = getattr(record, field.attname)
        if value is not None and not field.related_model._base_manager.filter(pk=value).exists():
            raise RestoreError(
                f"“{record}” refers to {field.related_model._meta.verbose_name} {value}, "
                "which is deleted too; restore that first."
            )


def _links(history_row) -> dict[str, list[object]]:
    state = _last_state(history_row)
    links: dict[str, list[object]] = {}
    for field in getattr(history_row, "_history_m2m_fields", ()):
        target = field.m2m_reverse_field_name()
        ids = [getattr(row, f"{target}_id") for row in getattr(state, field.name).all()]
        existing = set(
            field.related_model._base_manager.filter(pk__in=ids).values_list("pk", flat=True)
        )
        missing = [str(pk) for pk in ids if pk not in existing]
        if missing:
            raise RestoreError(
                f"“{history_row.instance}” was linked to "
                f"{field.related_model._meta.verbose_name_plural} {', '.join(missing)}, "
                "which are deleted too; restore those first."
            )
        links[field.name] = ids
    return links


def _restore_one(history_row, user: AbstractUser) -> models.Model:
    model = history_row.instance_type
    record = history_row.instance
    if model._base_manager.filter(pk=record.pk).exists():
        raise RestoreError(f"“{record}” exists; there is nothing to restore.")
    _check_references_exist(record)
    links = _links(history_row)
    record._history_user = user
    record._change_reason = "restored"
    record.save(force_insert=True)
    for name, ids in links.items():
        getattr(record, name).set(ids)
    return record


@transaction.atomic
def record_restore(*, history_row, user: AbstractUser) -> models.Model:
    """Bring back a deleted record from one of its history rows, as it was then.

    Restores its many-to-many links (sources cited, defendants) and the parts deleted with
    it (aliases, recipients, participants). Only Administrators may restore.
    """
    if not is_administrator(user):
        raise PermissionDenied("Only an Administrator can restore a deleted record.")
    record = _restore_one(history_row, user)
    reason = _deleted_with_reason(type(record), record.pk)
    for part_model in _parts:
        owner = _owner_key(part_model)
        if owner.related_model is not type(record):
            continue
        deletions = (
            get_history_manager_for_model(part_model)
            .filter(**{owner.attname: record.pk}, history_type="-", history_change_reason=reason)
            .order_by("-history_date")
        )
        restored: set[object] = set()
        for row in deletions:
            if (
                row.instance.pk not in restored
                and not part_model._base_manager.filter(pk=row.instance.pk).exists()
            ):
                _restore_one(row, user)
                restored.add(row.instance.pk)
    return record


def deleted_records(*, limit: int = 200) -> list:
    """The deletion rows of records that are still deleted, newest first, across our models."""
    rows = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or not is_tracked(model):
            continue
        history = get_history_manager_for_model(model)
        deletions = history.filter(history_type="-").order_by("-history_date")[:limit]
        pks = {row.instance.pk for row in deletions}
        existing = set(model._base_manager.filter(pk__in=pks).values_list("pk", flat=True))
        seen: set[object] = set()
        for row in deletions:
            if row.instance.pk not in existing and row.instance.pk not in seen:
                row.kind = model._meta.verbose_name
                row.model_label = model._meta.label_lower
                rows.append(row)
                seen.add(row.instance.pk)
    rows.sort(key=lambda row: row.history_date, reverse=True)
    return rows[:limit]


# --- The admin: a refusal is a message, not an error page -------------------------------


class DeletionRulesAdminMixin:
    """Hides "Delete" on records that are kept, and answers a delete request with the reason.

    Put it before SimpleHistoryAdmin / ModelAdmin in the bases.
    """

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed and (obj is None or deletion_refusal(obj) is None)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        may_delete = super().has_delete_permission(request, obj)  # type: ignore[misc]
        refusal = deletion_refusal(obj) if obj is not None and may_delete else None
        if refusal:
            self.message_user(request, refusal, messages.ERROR)  # type: ignore[attr-defined]
            opts = self.model._meta  # type: ignore[attr-defined]
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            return HttpResponseRedirect(url)
        return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]

    def get_deleted_objects(self, objs: Iterable, request: HttpRequest):
        # The "Delete selected" action: a kept record is listed as protected, with why.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        refusals = [refusal for obj in objs if (refusal := deletion_refusal(obj))]
        if refusals:
            # has_delete_permission() said no for these, which Django would report as a
            # missing permission; the reason is what staff need to read.
            return deleted, counts, set(), refusals + list(protected)
        return deleted, counts, perms_needed, protected
