"""export_casefiles then import_casefiles into an empty database: every row and every file
comes back, byte for byte; a damaged export or a database that holds records is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import models

from casefiles.demo import load_demo_case
from casefiles.exchange import ExchangeError, export_import, export_write, exported_models
from casefiles.models import Case, Source
from letters.demo import load_demo_letter
from letters.models import LetterVersion
from letters.services import letter_render_now
from people.models import Person
from tests.conftest import PASSWORD, roles_ensure

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Never exported (docs/export.md): a restored account has no usable password.
NOT_COMPARED = {("auth.user", "password")}


def _key(value):
    return repr(value)


def snapshot() -> dict[str, list]:
    """Every row of every exported model, and every many-to-many link, in a fixed order.

    Permissions are named by (app, codename): a fresh database numbers them its own way.
    """
    rows: dict[str, list] = {}
    for model in exported_models(history=True):
        label = model._meta.label_lower
        columns = [
            f.attname for f in model._meta.concrete_fields if (label, f.attname) not in NOT_COMPARED
        ]
        rows[label] = list(model._base_manager.order_by("pk").values_list(*columns))
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            target = field.related_model
            source_column = field.m2m_field_name()
            target_column = field.m2m_reverse_field_name()
            if target._meta.label_lower == "auth.permission":
                pairs = through.objects.values_list(
                    f"{source_column}_id",
                    f"{target_column}__content_type__app_label",
                    f"{target_column}__codename",
                )
            else:
                pairs = through.objects.values_list(f"{source_column}_id", f"{target_column}_id")
            rows[f"{label}.{field.name}"] = sorted(pairs, key=_key)
    return rows


def stored_files() -> dict[str, bytes]:
    """The bytes of every file a row names, by stored name."""
    contents = {}
    for model in exported_models(history=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                for name in model._base_manager.exclude(**{field.attname: ""}).values_list(
                    field.attname, flat=True
                ):
                    if name:
                        contents[name] = field.storage.open(name, "rb").read()
    return contents


@pytest.fixture
def media(tmp_path, settings) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def records(media) -> LetterVersion:
    """The demo case and letter, an uploaded source file and the letter rendered to PDF."""
    demo = load_demo_case(password=PASSWORD)
    letter = load_demo_letter(demo)
    source = Source.objects.create(
        title="Court decision (scan)",
        file=SimpleUploadedFile("decision.pdf", b"%PDF-1.4 court decision scan \xd0\x96"),
    )
    demo.case.events.first().sources.add(source)
    demo.case.assigned_staff.add(demo.user)
    version = letter_render_now(letter=letter)
    assert version.file and version.file.read(5) == b"%PDF-"
    return version


def empty_the_database(settings, tmp_path) -> None:
    """As a freshly migrated database: no records, no accounts, the roles migrations make."""
    call_command("flush", interactive=False, verbosity=0)
    roles_ensure()
    settings.MEDIA_ROOT = tmp_path / "fresh-media"
    assert not Case.objects.exists() and not User.objects.exists()


def test_an_export_imported_into_an_empty_database_reproduces_every_row_and_file(
    records, settings, tmp_path
):
    before = snapshot()
    files_before = stored_files()
    assert any(name.startswith("letters/") and name.endswith(".pdf") for name in files_before)
    assert any(name.startswith("sources/") for name in files_before)
    assert before["casefiles.historicalcase"], "the demo leaves history to carry over"
    highest_person = max(pk for pk, *_ in before["people.person"])

    export = tmp_path / "export"
    call_command("export_casefiles", str(export), "--history", verbosity=0)
    manifest = json.loads((export / "manifest.json").read_text())
    assert manifest["counts"]["people.person"] == len(before["people.person"])
    assert manifest["counts"]["letters.letterversion"] == len(before["letters.letterversion"])
    assert f"files/{records.file.name}" in manifest["files"]
    assert not manifest["missing_files"]

    empty_the_database(settings, tmp_path)
    call_command("import_casefiles", str(export), verbosity=0)

    after = snapshot()
    for label in before:  # one model at a time, so a failure names it
        assert after[label] == before[label], label
    assert stored_files() == files_before
    assert (Path(settings.MEDIA_ROOT) / records.file.name).read_bytes() == files_before[
        records.file.name
    ]

    # New rows get fresh ids, and restored accounts need a new password before logging in.
    assert Person.objects.create(family_name="Added-after-import").pk > highest_person
    assert not any(user.has_usable_password() for user in User.objects.all())


def test_an_export_carries_no_password_hash_and_no_second_factor(records, tmp_path):
    export_write(directory=tmp_path / "export")
    users = json.loads((tmp_path / "export" / "auth.user.json").read_text())
    hashes = {user.password for user in User.objects.all()}
    assert users and all(record["fields"]["password"] == "!" for record in users)
    everything = b"".join(path.read_bytes() for path in (tmp_path / "export").rglob("*.json"))
    assert not any(hashed.encode() in everything for hashed in hashes)
    assert not list((tmp_path / "export").glob("otp_*"))


def test_a_damaged_export_imports_nothing(records, settings, tmp_path):
    export = tmp_path / "export"
    export_write(directory=export)
    pdf = next((export / "files" / "letters").rglob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"tampered")
    empty_the_database(settings, tmp_path)

    with pytest.raises(CommandError, match=r"files/letters/.*\.pdf does not match its SHA-256"):
        call_command("import_casefiles", str(export), verbosity=0)

    assert not User.objects.exists() and not Person.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).iterdir())


def test_an_export_is_not_imported_into_a_database_that_holds_records(records, tmp_path):
    export = tmp_path / "export"
    export_write(directory=export)
    persons = Person.objects.count()

    with pytest.raises(ExchangeError, match="not empty"):
        export_import(directory=export)

    assert Person.objects.count() == persons


def test_an_export_is_not_written_into_a_directory_that_holds_files(tmp_path, media):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("keep me")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("export_casefiles", str(tmp_path / "old"), verbosity=0)
    assert (tmp_path / "old" / "notes.txt").read_text() == "keep me"
