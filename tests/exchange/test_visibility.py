"""What an export made for a user holds: what that user may see, and nothing else.

A restricted case and everything of it (its facts, its persons, its sources' files, its
letters and their PDFs, their history) is absent for staff outside it; health conditions
only with the Health data role; the zips on the staff pages follow the same rule.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from casefiles.exchange import export_write
from casefiles.models import Case, Event, Source
from letters.choices import RenderStatus
from letters.models import Letter, LetterVersion
from people.models import HealthCondition, Person
from people.roles import EDITOR, VIEWER
from tests.conftest import logged_in, make_user

pytestmark = pytest.mark.django_db

MARKER = "QX-EXPORT-HIDDEN-5519"


@pytest.fixture
def media(tmp_path, settings) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def restricted(demo, media):
    """The demo case restricted, marked in its texts and files, with an uploaded source and
    a letter PDF; and an open case beside it that everyone sees."""
    case = demo.case
    case.restricted = True
    case.title = f"{case.title} {MARKER}"
    case.save()
    Person.objects.filter(given_name="Bekizhan").update(notes=MARKER)
    source = Source(title=f"Interrogation record {MARKER}")
    source.file.save("record.txt", ContentFile(MARKER.encode()))
    Event.objects.filter(case=case).first().sources.add(source)
    letter = Letter.objects.get(case=case)
    version = LetterVersion.objects.create(
        letter=letter, number=1, content_hash="0" * 64, status=RenderStatus.DONE
    )
    version.file.save("letter.pdf", ContentFile(f"%PDF-1.4 {MARKER}".encode()))
    open_case = Case.objects.create(reference="KZ-OPEN-1", title="An open case", country="KZ")
    return case, open_case


def _everything(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file())


def _records(directory: Path, label: str) -> list[dict]:
    path = directory / f"{label}.json"
    return json.loads(path.read_text()) if path.exists() else []


def test_a_restricted_case_and_everything_of_it_is_absent_for_staff_outside_it(
    restricted, tmp_path
):
    case, open_case = restricted
    outside = make_user("olga_outside", VIEWER, EDITOR)

    export_write(directory=tmp_path / "out", user=outside, history=True)

    exported = tmp_path / "out"
    assert MARKER.encode() not in _everything(exported)
    assert [r["pk"] for r in _records(exported, "casefiles.case")] == [open_case.pk]
    assert not _records(exported, "letters.letter")
    assert not _records(exported, "casefiles.charge")
    assert not _records(exported, "casefiles.historicalcase") or all(
        r["fields"]["id"] == open_case.pk for r in _records(exported, "casefiles.historicalcase")
    )
    assert not (exported / "files").exists() or not any((exported / "files").rglob("*"))
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["for_user"] == "olga_outside"
    assert manifest["counts"]["casefiles.case"] == 1


def test_the_staff_assigned_to_a_restricted_case_export_it_with_its_files(restricted, tmp_path):
    case, _ = restricted
    assigned = make_user("asa_assigned", VIEWER)
    case.assigned_staff.add(assigned)

    export_write(directory=tmp_path / "out", user=assigned)

    exported = tmp_path / "out"
    assert case.pk in [r["pk"] for r in _records(exported, "casefiles.case")]
    assert _records(exported, "letters.letter")
    files = {p.name for p in (exported / "files").rglob("*") if p.is_file()}
    assert any(name.startswith("record") for name in files)
    assert any(name.endswith(".pdf") for name in files)


def test_health_conditions_are_exported_only_with_the_health_data_role(
    demo, media, viewer, health_editor, tmp_path
):
    assert HealthCondition.objects.exists()

    export_write(directory=tmp_path / "viewer", user=viewer)
    export_write(directory=tmp_path / "health", user=health_editor)

    assert not (tmp_path / "viewer" / "people.healthcondition.json").exists()
    assert (
        "people.healthcondition"
        not in json.loads((tmp_path / "viewer" / "manifest.json").read_text())["counts"]
    )
    assert len(_records(tmp_path / "health", "people.healthcondition")) == (
        HealthCondition.objects.count()
    )


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_case_export_holds_the_case_its_facts_sources_and_letter_pdfs(restricted, media):
    case, _ = restricted
    assigned = make_user("asa_assigned", VIEWER)
    case.assigned_staff.add(assigned)

    response = logged_in(assigned).get(reverse("staff:case_export", args=[case.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = _zip(response)
    records = json.loads(archive.read(f"case-{case.pk}/case.json"))
    models = {r["model"] for r in records}
    assert {"casefiles.case", "casefiles.charge", "casefiles.detention", "letters.letter"} <= (
        models
    )
    assert "people.healthcondition" not in models  # a Viewer has no Health data role
    assert "people.position" in models  # the recipients' positions
    assert [r["pk"] for r in records if r["model"] == "casefiles.case"] == [case.pk]
    names = archive.namelist()
    assert any(n.endswith(".pdf") and "/files/letters/" in n for n in names)
    source_file = next(n for n in names if "/files/sources/" in n)
    assert archive.read(source_file) == MARKER.encode()


def test_a_case_export_shows_health_conditions_to_the_health_data_role(demo, media, health_editor):
    response = logged_in(health_editor).get(reverse("staff:case_export", args=[demo.case.pk]))

    records = json.loads(_zip(response).read(f"case-{demo.case.pk}/case.json"))
    assert any(r["model"] == "people.healthcondition" for r in records)


def test_a_restricted_case_export_answers_404_to_staff_outside_it(restricted, viewer):
    case, _ = restricted
    response = logged_in(viewer).get(reverse("staff:case_export", args=[case.pk]))
    assert response.status_code == 404


def test_an_administrator_downloads_everything_as_a_zip_that_matches_its_manifest(
    restricted, administrator
):
    response = logged_in(administrator).get(reverse("staff:export_all"))

    assert response.status_code == 200
    archive = _zip(response)
    manifest = json.loads(archive.read("casefiles-export/manifest.json"))
    assert manifest["counts"]["casefiles.case"] == Case.objects.count()
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(f"casefiles-export/{name}")).hexdigest() == digest
    users = json.loads(archive.read("casefiles-export/auth.user.json"))
    assert all(u["fields"]["password"] == "!" for u in users)


def test_only_administrators_download_everything(demo, editor, viewer):
    for user in (editor, viewer):
        assert logged_in(user).get(reverse("staff:export_all")).status_code == 403


def test_an_export_reads_many_to_many_links_a_chunk_at_a_time(demo, media, tmp_path):
    """Query count does not grow with the rows: each model's links come in one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        export_write(directory=tmp_path / "few")
    for number in range(30):
        Case.objects.create(reference=f"KZ-MORE-{number}", title="More", country="KZ")
    with CaptureQueriesContext(connection) as many:
        export_write(directory=tmp_path / "many")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_command_exports_for_a_named_user_and_refuses_an_unknown_one(
    restricted, viewer, tmp_path
):
    from django.core.management import CommandError, call_command

    call_command("export_casefiles", str(tmp_path / "out"), "--user", viewer.username)
    assert MARKER.encode() not in _everything(tmp_path / "out")
    assert _records(tmp_path / "out", "casefiles.case")

    with pytest.raises(CommandError, match="no user 'nobody-such'"):
        call_command("export_casefiles", str(tmp_path / "other"), "--user", "nobody-such")
    assert not (tmp_path / "other").exists()


def test_a_file_missing_from_storage_is_reported_not_silently_dropped(demo, media, tmp_path):
    from django.core.management import call_command

    source = Source(title="A scan whose file was lost")
    source.file.save("lost.pdf", ContentFile(b"%PDF-1.4 lost"))
    (media / source.file.name).unlink()
    errors = io.StringIO()

    call_command("export_casefiles", str(tmp_path / "out"), stderr=errors)

    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["missing_files"] == [source.file.name]
    assert f"{source.file.name} is named by a record but missing" in errors.getvalue()


def test_a_case_export_holds_how_its_letters_were_signed_and_sent(restricted):
    from letters.models import LetterCase
    from tests.letters.invitation_records import invitation_on

    case, open_case = restricted
    letter = Letter.objects.get(case=case)
    invitation, _ = invitation_on(letter)  # an invitation, its first step, a delivery
    assigned = make_user("asa_assigned", VIEWER)
    case.assigned_staff.add(assigned)

    response = logged_in(assigned).get(reverse("staff:case_export", args=[case.pk]))

    records = json.loads(_zip(response).read(f"case-{case.pk}/case.json"))
    by_model: dict[str, list[int]] = {}
    for record in records:
        by_model.setdefault(record["model"], []).append(record["pk"])
    assert by_model["letters.signatureinvitation"] == [invitation.pk]
    assert by_model["letters.signatoryevent"] == list(
        invitation.events.order_by("pk").values_list("pk", flat=True)
    )
    assert by_model["letters.delivery"] == list(letter.deliveries.values_list("pk", flat=True))
    assert by_model["letters.lettercase"] == list(
        LetterCase.objects.filter(letter=letter).order_by("pk").values_list("pk", flat=True)
    )
    # The open case's own zip holds none of the restricted case's letter.
    response = logged_in(assigned).get(reverse("staff:case_export", args=[open_case.pk]))
    records = json.loads(_zip(response).read(f"case-{open_case.pk}/case.json"))
    assert not {"letters.signatureinvitation", "letters.delivery"} & {r["model"] for r in records}
