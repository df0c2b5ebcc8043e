"""Backups: the whole database and every uploaded or rendered file, checkable and restorable.

A backup directory holds
  database.exactjson  every row of every table, as Django's `dumpdata` writes it, with the
                 primary keys as they are (contenttypes and permissions included), read
                 in one REPEATABLE READ transaction so it is one moment of the database;
  media/         every stored file (sources, signatures, replies, letter PDFs), from
                 MEDIA_ROOT or the object storage bucket, under its stored name;
  manifest.json  the SHA-256 of every file above and the migrations the data fits.

JSON through Django rather than pg_dump: it needs no client binary matching the server's
version, loads into PostgreSQL or SQLite alike, and `restore` can check it before writing.
Rows keep their ids, so restoring into an empty database reproduces them exactly.

Files are copied after the database is read: stored files are never changed or removed
(a final PDF is kept for good), so every file the dump names is there to copy.

Logins (django_session) are not kept: a restored system asks everyone to log in again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.serializers import json as json_serializer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings
from django.utils import timezone

DUMP = "database.exactjson"
DUMP_FORMAT = "exactjson"
MEDIA = "media"
MANIFEST = "manifest.json"
FORMAT = 1
NOT_KEPT = ("sessions",)


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's JSON encoder cuts times to milliseconds; a backup keeps the microseconds."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class Serializer(json_serializer.Serializer):
    """Django's JSON serializer with exact times, registered as the "exactjson" format."""

    def start_serialization(self) -> None:
        # json_kwargs is set up here and first used when the first object is written, so
        # this public hook replaces the encoder in time (the private _init_options is not
        # part of Django's typed API).
        super().start_serialization()
        self.json_kwargs["cls"] = ExactJSONEncoder


Deserializer = json_serializer.Deserializer


def _register_format() -> None:
    serializers.register_serializer(DUMP_FORMAT, "casefiles.backup")


class BackupError(Exception):
    """The backup cannot be written or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    files: int
    rows: int


def sha256_of(path: Path) -> str:
    """A file's SHA-256, read a megabyte at a time (backups and exports share it)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.is_dir() else []


def stored_names() -> list[str]:
    """Every stored file's name (MEDIA_ROOT or the object storage bucket), sorted."""

    def walk(directory: str) -> Iterator[str]:
        try:
            subdirectories, files = default_storage.listdir(directory)
        except FileNotFoundError:  # MEDIA_ROOT not made yet: nothing stored
            return
        prefix = f"{directory}/" if directory else ""
        for name in files:
            yield prefix + name
        for subdirectory in subdirectories:
            yield from walk(prefix + subdirectory)

    return sorted(walk(""))


def stored_sha256(name: str) -> str:
    """A stored file's SHA-256, read through the storage a megabyte at a time."""
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stored_copy_out(name: str, target: Path) -> None:
    """Copy a stored file to `target` on this machine."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with default_storage.open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out)


def stored_put(name: str, source: Path) -> None:
    """Store the file at `source` under exactly `name`, replacing a file stored there."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with source.open("rb") as stream:
        saved = default_storage.save(name, File(stream, name=name))
    if saved != name:
        default_storage.delete(saved)
        raise BackupError(
            f"{name} could not be stored under its own name (the storage chose {saved}); "
            "another process is writing files. Stop it and run again."
        )


def _code_migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationLoader(None).graph.nodes)


def backup_write(*, directory: Path) -> BackupSummary:
    """Write a backup of the database and the stored files into `directory` (new or empty)."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; give a new directory for the backup.")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # it holds everything, password hashes included
    dump = directory / DUMP
    _register_format()

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Must be the transaction's first statement: every table read at one moment.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        applied = sorted(
            [app, name] for app, name in MigrationRecorder(connection).applied_migrations()
        )
        call_command(
            "dumpdata",
            all=True,  # base managers: rows a default manager hides are kept too
            exclude=list(NOT_KEPT),
            format=DUMP_FORMAT,
            output=str(dump),
            verbosity=0,
        )

    files = {DUMP: sha256_of(dump)}
    for name in stored_names():
        relative = f"{MEDIA}/{name}"
        target = directory / relative
        stored_copy_out(name, target)
        files[relative] = sha256_of(target)

    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": applied,
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    rows = len(json.loads(dump.read_text()))
    return BackupSummary(directory=directory, files=len(files), rows=rows)


def backup_verify(*, directory: Path) -> dict:
    """The manifest, once every file it lists is present with its SHA-256 and no other is."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{directory} has no {MANIFEST}; it is not a backup made by `backup`.")
    try:
        manifest = json.loads(manifest_path.read_text())
        files: dict[str, str] = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{manifest_path} is unreadable: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{manifest_path} is of format {manifest.get('format')}, not {FORMAT}.")
    problems = []
    for name, expected in sorted(files.items()):
        path = directory / name
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
    if problems:
        raise BackupError("The backup is damaged, nothing was restored: " + "; ".join(problems))
    return manifest


def _records_held() -> dict[str, int]:
    """Rows in the tables that hold what people entered: our apps' records and accounts."""
    tables = set(connection.introspection.table_names())
    held = {}
    for model in apps.get_models():
        label = model._meta.app_label
        if (label in ("people", "casefiles", "letters") or model._meta.label == "auth.User") and (
            model._meta.db_table in tables
        ):
            count = model._base_manager.count()
            if count:
                held[str(model._meta.verbose_name_plural)] = count
    return held


def backup_restore(*, directory: Path, force: bool = False) -> BackupSummary:
    """Load a backup into this database and the file storage, after checking it.

    Refuses, writing nothing, when a file does not match the manifest, when the backup was
    made at other migrations than this code has, or when the database already holds
    records (unless `force`: then everything in it is replaced by the backup).
    """
    directory = Path(directory)
    manifest = backup_verify(directory=directory)

    code = _code_migrations()
    if sorted(manifest["migrations"]) != code:
        backed_up = {tuple(m) for m in manifest["migrations"]}
        ours = {tuple(m) for m in code}
        differ = sorted(backed_up ^ ours)[:5]
        raise BackupError(
            "The backup was made by another version of Casefiles (migrations differ: "
            + ", ".join(f"{app}.{name}" for app, name in differ)
            + "); restore it with the version that made it. Nothing was restored."
        )

    held = _records_held()
    if held and not force:
        listed = ", ".join(f"{count} {name}" for name, count in sorted(held.items())[:5])
        raise BackupError(
            f"The database is not empty (it holds {listed}); restore into an empty database, "
            "or pass --force to replace everything in it with the backup. Nothing was restored."
        )

    _register_format()
    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        # The migrations' own rows (roles, permissions) are replaced by the backup's, ids
        # and all, so the flush must not put them back.
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        # The history rows come from the backup: loading many-to-many links must not
        # write new ones (simple-history records m2m changes even on a raw load).
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            call_command("loaddata", str(directory / DUMP), verbosity=0)
    ContentType.objects.clear_cache()

    media_files = [name for name in manifest["files"] if name.startswith(f"{MEDIA}/")]
    for name in media_files:
        stored = name.removeprefix(f"{MEDIA}/")
        stored_put(stored, directory / name)
        if stored_sha256(stored) != manifest["files"][name]:
            raise BackupError(f"{stored} was not stored intact; check the storage and run again.")
    rows = len(json.loads((directory / DUMP).read_text()))
    return BackupSummary(directory=directory, files=len(manifest["files"]), rows=rows)
