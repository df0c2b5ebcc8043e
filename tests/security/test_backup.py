"""Backups: every row and file comes back exactly, a damaged backup restores nothing, and a
database that holds records is not written over by mistake."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from casefiles.backup import BackupError, backup_restore, backup_write
from casefiles.demo import load_demo_case
from casefiles.models import Source
from letters.demo import load_demo_letter
from letters.models import LetterVersion
from letters.services import letter_render_now
from people.models import Person
from tests.conftest import PASSWORD, require_service

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SKIPPED_TABLES = {"django_migrations", "django_session"}


def link_tables() -> dict[str, list[str]]:
    """Django's own many-to-many tables and their columns but the row id.

    A dump carries each link as the pair it joins, not the link row's own surrogate id,
    so these are compared by the pairs.
    """
    tables = {}
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                tables[through._meta.db_table] = [
                    f.column for f in through._meta.local_fields if not f.primary_key
                ]
    return tables


def snapshot(cursor, tables: list[str]) -> dict[str, list[tuple]]:
    """Every row of every table, in a comparable order."""
    links = link_tables()
    rows = {}
    for table in tables:
        columns = ", ".join(f'"{c}"' for c in links[table]) if table in links else "*"
        cursor.execute(f'SELECT {columns} FROM "{table}"')
        rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def our_tables() -> list[str]:
    return sorted(set(connection.introspection.table_names()) - SKIPPED_TABLES)


def media_sums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def media(tmp_path, settings) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def records(media) -> LetterVersion:
    """The demo case and letter, an uploaded source file and the letter rendered to PDF."""
    case = load_demo_case(password=PASSWORD)
    letter = load_demo_letter(case)
    Source.objects.create(
        title="Court decision (scan)",
        file=SimpleUploadedFile("decision.pdf", b"%PDF-1.4 court decision scan"),
    )
    version = letter_render_now(letter=letter)
    assert version.file and (media / version.file.name).is_file()
    return version


def test_a_backup_restored_with_force_brings_back_every_row_and_file(records, media, tmp_path):
    backup = tmp_path / "backup"
    backup_write(directory=backup)
    with connection.cursor() as cursor:
        before = snapshot(cursor, our_tables())
    files_before = media_sums(media)
    assert any(name.startswith("letters/") for name in files_before)
    assert any(name.startswith("sources/") for name in files_before)

    # Things change after the backup: a record is added, a file is lost.
    Person.objects.create(family_name="Added-after-backup")
    (media / records.file.name).unlink()

    with pytest.raises(BackupError, match="not empty.*--force"):
        backup_restore(directory=backup)
    assert Person.objects.filter(family_name="Added-after-backup").exists()

    backup_restore(directory=backup, force=True)

    with connection.cursor() as cursor:
        assert snapshot(cursor, our_tables()) == before
    assert media_sums(media) == files_before


def test_a_damaged_backup_restores_nothing(records, media, tmp_path):
    backup = tmp_path / "backup"
    backup_write(directory=backup)
    pdf = next((backup / "media" / "letters").rglob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"tampered")
    Person.objects.create(family_name="Still-here")

    with pytest.raises(BackupError, match=r"media/letters/.*\.pdf does not match its SHA-256"):
        backup_restore(directory=backup, force=True)

    assert Person.objects.filter(family_name="Still-here").exists()


def test_a_backup_is_not_written_into_a_directory_that_holds_files(tmp_path, media):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("keep me")
    with pytest.raises(BackupError, match="is not empty"):
        backup_write(directory=tmp_path / "old")


def test_a_backup_restores_exactly_into_an_empty_postgresql_database(records, media, tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL is needed (DATABASE_URL)")
    import psycopg

    backup = tmp_path / "backup"
    result = subprocess.run(
        [sys.executable, "manage.py", "backup", str(backup)],
        env=_env(connection.settings_dict["NAME"], media),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr

    source = connection.settings_dict
    target_name = f"{source['NAME']}_restore"
    server = _conninfo(source, "postgres")
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
        admin.execute(f'CREATE DATABASE "{target_name}"')
    try:
        restored_media = tmp_path / "restored-media"
        result = subprocess.run(
            [sys.executable, "manage.py", "restore", str(backup)],
            env=_env(target_name, restored_media),
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr

        tables = our_tables()
        with connection.cursor() as cursor:
            before = snapshot(cursor, tables)
        with psycopg.connect(_conninfo(source, target_name)) as restored:
            after = snapshot(restored.cursor(), tables)
        assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
        assert after == before
        assert media_sums(restored_media) == media_sums(media)

        # A second restore into the now filled database is refused without --force.
        again = subprocess.run(
            [sys.executable, "manage.py", "restore", str(backup)],
            env=_env(target_name, restored_media),
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
        )
        assert again.returncode != 0
        assert "not empty" in again.stderr
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target_name}"')


def _conninfo(source: dict, name: str) -> str:
    password = f":{source['PASSWORD']}" if source.get("PASSWORD") else ""
    return (
        f"postgresql://{source['USER']}{password}@{source['HOST'] or '127.0.0.1'}:"
        f"{source['PORT'] or 5432}/{name}"
    )


def _env(database: str, media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casefiles.settings",
        "DATABASE_URL": _conninfo(connection.settings_dict, database),
        "MEDIA_ROOT": str(media),
        "SECRET_KEY": "tests-only-not-secret",
        "DEBUG": "1",
    }
