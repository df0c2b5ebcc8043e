"""The export: every record a user may see, as JSON a person or a script can read, and back.

An export directory holds
  <app>.<model>.json  one file per model, written by Django's serializer: a list of
                      {"model", "pk", "fields"}; primary keys as they are, relations by id
                      (roles by name and permissions by codename, since those rows are made
                      by migrations and their ids differ between databases);
  files/              the uploaded and rendered files the exported rows name (source files,
                      letter PDFs, signature images, letterhead logos, reply scans), under
                      their stored names;
  manifest.json       the SHA-256 of every file above, the rows per model, who the export
                      was made for and the migrations the data fits.

What is exported, and for whom: without a user, everything (as an Administrator would see
it, health conditions included). With a user, a model is exported only if the user's role
may view it (`<app>.view_<model>`: health conditions only with the Health data role), and
its rows only through the one visibility rule `visible_to(user)`; history rows only of the
records exported. Accounts are exported for the relations that name them (who is assigned
to a case, who wrote a change), with their roles.

What is never exported: password hashes (every account comes back without a usable
password: set one with `manage.py changepassword`), second-factor secrets (each person sets
up their authenticator again at the next login), private calendar-feed tokens, sessions
and login records. Those are secrets of a login, not the organisation's records, and an
export is meant to travel; `manage.py backup` keeps them, for a restore of the same system.

`import_casefiles` loads an export into an empty database (migrated, holding no records or
accounts): it checks every SHA-256 first, loads every row with its id in one transaction,
stores the files (in MEDIA_ROOT or the object storage bucket) and moves the id sequences
past the loaded rows.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.test.utils import override_settings
from django.utils import timezone

from casefiles.backup import BackupError, files_under, sha256_of, stored_put, stored_sha256
from people.visibility import AnyUser

MANIFEST = "manifest.json"
FILES = "files"
FORMAT = "casefiles-export/1"
EXPORTED_APPS = ("people", "casefiles", "letters")
# Private calendar-feed tokens are secrets of a login, like a password.
NOT_EXPORTED = frozenset({"casefiles.calendarfeed"})
CHUNK = 2000


class ExchangeError(Exception):
    """The export cannot be written or imported; the message says why and what to do."""


@dataclass(frozen=True)
class ExchangeSummary:
    directory: Path
    counts: dict[str, int]
    files: int
    missing_files: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; an export keeps the microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _is_history(model: type[models.Model]) -> bool:
    return model.__name__.startswith("Historical") and hasattr(model, "instance_type")


def _history_parent(model: type[models.Model]) -> type[models.Model] | None:
    """For the history of a many-to-many link, the historical model of its owner."""
    for field in model._meta.concrete_fields:
        if field.name == "history" and field.related_model is not None:
            return field.related_model  # type: ignore[return-value]
    return None


def exported_models(*, history: bool) -> list[type[models.Model]]:
    """Roles and accounts first (the records name them), then the apps' models in order."""
    chosen: list[type[models.Model]] = [Group, User]
    for app_label in EXPORTED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if _label(model) in NOT_EXPORTED or (_is_history(model) and not history):
                continue
            chosen.append(model)
    # Histories after what they record, links' histories after their owners' histories.
    return sorted(
        chosen,
        key=lambda m: (_is_history(m), _history_parent(m) is not None),
    )


def _may_view(user: AnyUser, model: type[models.Model]) -> bool:
    return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


def _visible(model: type[models.Model], user: AnyUser | None) -> QuerySet:
    if user is None:
        return model._base_manager.all()
    manager: Any = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    return manager.all()


def _relations_to(model: type[models.Model], target: type[models.Model]) -> list[str]:
    """The columns (foreign keys) and names (many-to-many) by which `model` names `target`."""
    columns = [
        f.attname
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is target
    ]
    return columns + [f.name for f in model._meta.many_to_many if f.related_model is target]


def _users_named_by(selection: dict[type[models.Model], QuerySet]) -> Q:
    """Accounts that the selected rows refer to (assignments, authors, who changed what)."""
    condition = Q(pk__in=[])
    for model, queryset in selection.items():
        for column in _relations_to(model, User):
            condition |= Q(pk__in=queryset.values(column))
    return condition


def export_selection(*, user: AnyUser | None, history: bool) -> dict[type[models.Model], QuerySet]:
    """What an export for `user` (None: everything) holds, model by model, in load order."""
    chosen = exported_models(history=history)
    if user is None:
        return {model: model._base_manager.order_by("pk") for model in chosen}

    selection: dict[type[models.Model], QuerySet] = {}
    # The history of accounts and roles waits for the accounts to be chosen.
    waiting: list[type[models.Model]] = []
    for model in chosen:
        if model in (Group, User):
            continue
        if not _is_history(model):
            if _may_view(user, model):
                selection[model] = _visible(model, user).order_by("pk")
            continue
        parent = _history_parent(model)
        base = model.instance_type  # type: ignore[attr-defined]
        if parent is None and base in (User, Group):
            waiting.append(model)
        elif parent is None and base in selection and _may_view(user, model):
            # The history of the records exported; a deleted record's cannot be judged.
            selection[model] = model._base_manager.filter(id__in=selection[base].values("pk"))
        elif parent is not None and parent in selection:
            selection[model] = model._base_manager.filter(history__in=selection[parent])
        elif parent is not None:
            waiting.append(model)

    if user.has_perm("auth.view_user"):
        users = User.objects.all()
    else:
        users = User.objects.filter(_users_named_by(selection) | Q(pk=user.pk))
    ordered: dict[type[models.Model], QuerySet] = {
        Group: Group.objects.order_by("pk"),
        User: users.order_by("pk"),
        **selection,
    }
    for model in waiting:
        parent = _history_parent(model)
        if parent is not None and parent in ordered:
            ordered[model] = model._base_manager.filter(history__in=ordered[parent])
        elif parent is None and _may_view(user, model):
            base = model.instance_type  # type: ignore[attr-defined]
            ordered[model] = model._base_manager.filter(id__in=ordered[base].values("pk"))
    return {model: queryset.order_by("pk") for model, queryset in ordered.items()}


def _natural(model: type[models.Model]) -> bool:
    """Permissions and content types are made by migrations, with ids that differ between
    databases: whatever names them names them by their natural keys."""
    return any(_relations_to(model, target) for target in (Permission, ContentType))


def _records(model: type[models.Model], queryset: QuerySet) -> Iterator[dict]:
    """Each row as Django's serializer writes it, a few thousand at a time."""
    natural = _natural(model)
    # Links fetched a chunk at a time, not one query per row (permissions with their app).
    queryset = queryset.prefetch_related(
        *(
            Prefetch(f.name, queryset=Permission.objects.select_related("content_type"))
            if f.related_model is Permission
            else f.name
            for f in model._meta.many_to_many
        )
    )
    batch: list[models.Model] = []

    def flush() -> list[dict]:
        return serializers.serialize("python", batch, use_natural_foreign_keys=natural)

    for obj in queryset.iterator(chunk_size=CHUNK):
        batch.append(obj)
        if len(batch) >= CHUNK:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def _without_secrets(model: type[models.Model], record: dict) -> dict:
    if model is User:
        record["fields"]["password"] = UNUSABLE_PASSWORD_PREFIX
    return record


def _write_model(path: Path, model: type[models.Model], queryset: QuerySet) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as stream:
        stream.write("[")
        for record in _records(model, queryset):
            stream.write(",\n" if count else "\n")
            record = _without_secrets(model, record)
            json.dump(record, stream, cls=_ExactEncoder, ensure_ascii=False, sort_keys=True)
            count += 1
        stream.write("\n]\n")
    return count


def _file_fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _safe_name(name: str) -> PurePosixPath:
    """A stored file's name as a relative path that stays inside the directory."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ExchangeError(f"The stored file name {name!r} is not a plain relative path.")
    return path


def _applied_migrations() -> list[list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def _copy_stored_file(name: str, target: Path) -> bool:
    """Copy one stored file; False when storage no longer has it."""
    if not default_storage.exists(name):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with default_storage.open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out)
    return True


def export_write(
    *, directory: Path, user: AnyUser | None = None, history: bool = False
) -> ExchangeSummary:
    """Write the export for `user` (None: everything) into `directory` (new or empty)."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise ExchangeError(f"{directory} is not empty; give a new directory for the export.")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # it names detainees, their relatives, their health

    counts: dict[str, int] = {}
    stored_names: set[str] = set()
    # Inside a transaction already begun (a test's), its own snapshot rules: PostgreSQL
    # takes the isolation level only as a transaction's first statement.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                # The first statement of the transaction: every table read at one moment.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        migrations = _applied_migrations()
        for model, queryset in export_selection(user=user, history=history).items():
            label = _label(model)
            counts[label] = _write_model(directory / f"{label}.json", model, queryset)
            for attname in _file_fields(model):
                stored_names.update(
                    queryset.exclude(**{attname: ""})
                    .exclude(**{f"{attname}__isnull": True})
                    .values_list(attname, flat=True)
                )

    missing = []
    for name in sorted(stored_names):
        if not _copy_stored_file(name, directory / FILES / _safe_name(name)):
            missing.append(name)

    files = {
        path.relative_to(directory).as_posix(): sha256_of(path) for path in files_under(directory)
    }
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "for_user": None if user is None else user.get_username(),
        "history": history,
        "migrations": migrations,
        "counts": counts,
        # Files the records name that storage no longer holds: said, never silently dropped.
        "missing_files": missing,
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return ExchangeSummary(
        directory=directory, counts=counts, files=len(files), missing_files=tuple(missing)
    )


# --- Import --------------------------------------------------------------------------------


def export_verify(*, directory: Path) -> dict:
    """The manifest, once every file it lists is present with its SHA-256 and no other is."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ExchangeError(f"{directory} has no {MANIFEST}; it is not an export.")
    try:
        manifest = json.loads(manifest_path.read_text())
        files: dict[str, str] = dict(manifest["files"])
        counts: dict[str, int] = dict(manifest["counts"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ExchangeError(f"{manifest_path} is unreadable: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise ExchangeError(f"{manifest_path} is of format {manifest.get('format')}, not {FORMAT}.")
    problems = []
    for name, expected in sorted(files.items()):
        path = directory / _safe_name(name)
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256_of(path) != expected:
            problems.append(f"{name} does not match its SHA-256")
    listed = {directory / name for name in files} | {manifest_path}
    problems += [
        f"{path.relative_to(directory)} is not in the manifest"
        for path in files_under(directory)
        if path not in listed
    ]
    problems += [
        f"{label}.json is not in the manifest" for label in counts if f"{label}.json" not in files
    ]
    if problems:
        raise ExchangeError("The export is damaged, nothing was imported: " + "; ".join(problems))
    return manifest


def _models_of(counts: dict[str, int]) -> list[type[models.Model]]:
    chosen = []
    for label in counts:
        try:
            chosen.append(apps.get_model(label))
        except (LookupError, ValueError) as exc:
            raise ExchangeError(
                f"The export holds {label}, which this version of Casefiles does not know. "
                "Nothing was imported."
            ) from exc
    return chosen


def _is_of_roles(model: type[models.Model]) -> bool:
    """Roles and their history: migrations make them, and an import replaces them."""
    return model is Group or getattr(model, "instance_type", None) in (
        Group,
        Group.permissions.through,
    )


def _records_held(chosen: Iterable[type[models.Model]]) -> dict[str, int]:
    """Rows already here in the tables the export fills, roles excepted."""
    return {
        _label(model): count
        for model in chosen
        if not _is_of_roles(model) and (count := model._base_manager.count())
    }


def _files_place(manifest: dict, directory: Path) -> list[tuple[Path, str]]:
    """(from, stored name) of each file, refusing a file stored with other content."""
    places = []
    for name in sorted(manifest["files"]):
        if not name.startswith(f"{FILES}/"):
            continue
        target = _safe_name(name).relative_to(FILES).as_posix()
        if default_storage.exists(target) and stored_sha256(target) != manifest["files"][name]:
            raise ExchangeError(
                f"{target} is already stored with other content; import into an empty "
                "file storage. Nothing was imported."
            )
        places.append((directory / name, target))
    return places


def export_import(*, directory: Path) -> ExchangeSummary:
    """Load an export into this empty database and the file storage, after checking it."""
    directory = Path(directory)
    manifest = export_verify(directory=directory)
    if sorted(map(list, manifest.get("migrations", []))) != _applied_migrations():
        raise ExchangeError(
            "The export was made by another version of Casefiles (its migrations differ from "
            "this database's); import it with the version that made it, after `migrate`. "
            "Nothing was imported."
        )
    chosen = _models_of(manifest["counts"])
    held = _records_held(chosen)
    if held:
        listed = ", ".join(f"{count} {label}" for label, count in sorted(held.items())[:5])
        raise ExchangeError(
            f"The database is not empty (it holds {listed}); import into an empty database "
            "(`migrate` on a new one). Nothing was imported."
        )
    places = _files_place(manifest, directory)

    copied: list[str] = []
    try:
        for source, target in places:
            if default_storage.exists(target):
                continue
            try:
                stored_put(target, source)
            except BackupError as exc:
                raise ExchangeError(str(exc)) from exc
            copied.append(target)
        fixtures = [
            str(directory / f"{_label(model)}.json")
            for model in chosen
            if manifest["counts"][_label(model)]
        ]
        with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
            # The roles made by migrations are replaced by the export's, ids and all.
            for model in reversed(exported_models(history=True)):
                if _is_of_roles(model):
                    model._base_manager.all().delete()
            # History rows come from the export: the load itself must not write new ones.
            call_command("loaddata", *fixtures, verbosity=0)
            statements = connection.ops.sequence_reset_sql(no_style(), chosen)
            if statements:
                with connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
    except Exception:
        for target in copied:
            default_storage.delete(target)
        raise
    for source, target in places:
        if stored_sha256(target) != sha256_of(source):
            raise ExchangeError(f"{target} was not stored intact; check the storage.")
    return ExchangeSummary(
        directory=directory, counts=dict(manifest["counts"]), files=len(manifest["files"])
    )


# --- Zip downloads -------------------------------------------------------------------------


def _zip_directory(directory: Path, out: IO[bytes], prefix: str) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files_under(directory):
            archive.write(path, f"{prefix}/{path.relative_to(directory).as_posix()}")


def export_zip(*, user: AnyUser, out: IO[bytes]) -> None:
    """The export for `user`, as a zip written into `out` (through a temporary directory)."""
    with tempfile.TemporaryDirectory(prefix="casefiles-export-") as scratch:
        export_write(directory=Path(scratch) / "export", user=user)
        _zip_directory(Path(scratch) / "export", out, "casefiles-export")


# What belongs to a case, for the per-case export: models and their path to the case.
# `letters` adds its own in its AppConfig.ready() (casefiles knows nothing of letters).
_case_parts: list[tuple[type[models.Model], str, bool]] = []


def case_part_register(model: type[models.Model], *, case_path: str, files: bool = False) -> None:
    """`files`: the model's stored files go into the case's zip (sources, letter PDFs)."""
    entry = (model, case_path, files)
    if entry not in _case_parts:
        _case_parts.append(entry)


def _casefiles_parts() -> list[tuple[type[models.Model], str, bool]]:
    from casefiles.models import (
        CaseParty,
        Charge,
        Detention,
        Event,
        EventParticipant,
        Hearing,
        SentenceStep,
    )

    return [
        (CaseParty, "case", False),
        (Charge, "case", False),
        (Detention, "case", False),
        (Hearing, "case", False),
        (Event, "case", False),
        (EventParticipant, "event__case", False),
        (SentenceStep, "case", False),
    ]


def case_export_records(*, case: models.Model, user: AnyUser) -> list[tuple[type, QuerySet, bool]]:
    """The case, its facts, and what they name (persons, positions, organisations, articles,
    sources), each through the visibility rule and the role's right to view it."""
    from casefiles.models import Article, Case, Source
    from people.models import Alias, HealthCondition, Organisation, Person, Position

    chosen: list[tuple[type, QuerySet, bool]] = [
        (Case, Case.objects.visible_to(user).filter(pk=case.pk), False)
    ]
    for model, path, files in _casefiles_parts() + _case_parts:
        if _may_view(user, model):
            chosen.append((model, _visible(model, user).filter(**{path: case.pk}), files))

    named: dict[type[models.Model], Q] = {
        m: Q(pk__in=[]) for m in (Position, Person, Organisation, Article, Source)
    }
    for model, queryset, _files in chosen[1:]:
        for target in named:
            for column in _relations_to(model, target):
                named[target] |= Q(pk__in=queryset.values(column))
    # A recipient's position names the person holding it and the organisation.
    positions = _visible(Position, user).filter(named[Position])
    named[Person] |= Q(pk__in=positions.values("person"))
    named[Organisation] |= Q(pk__in=positions.values("organisation"))
    for model, condition in named.items():
        if _may_view(user, model):
            chosen.append((model, _visible(model, user).filter(condition), model is Source))
    persons = _visible(Person, user).filter(named[Person])
    for model in (Alias, HealthCondition):
        if _may_view(user, model):
            chosen.append((model, _visible(model, user).filter(person__in=persons), False))
    return [(m, q.order_by("pk"), f) for m, q, f in chosen]


def case_export_zip(*, case: models.Model, user: AnyUser, out: IO[bytes]) -> None:
    """One case as a zip: case.json (the case, its facts and what they name, as Django's
    serializer writes them) and the files of its sources and its letters' PDFs."""
    records: list[dict] = []
    stored: set[str] = set()
    for model, queryset, files in case_export_records(case=case, user=user):
        records.extend(_records(model, queryset))
        if files:
            for attname in _file_fields(model):
                stored.update(n for n in queryset.values_list(attname, flat=True) if n)
    prefix = f"case-{case.pk}"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"{prefix}/case.json",
            json.dumps(records, cls=_ExactEncoder, ensure_ascii=False, indent=1, sort_keys=True),
        )
        for name in sorted(stored):
            if default_storage.exists(name):
                inside = f"{prefix}/{FILES}/{_safe_name(name)}"
                with default_storage.open(name, "rb") as source, archive.open(inside, "w") as to:
                    shutil.copyfileobj(source, to)
