"""The /import/ page: upload, a preview that writes nothing, a confirmation that writes the
rows in one go, and a second import of the same file that changes nothing."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casefiles.models import ImportRun
from people.models import Person
from tests.conftest import logged_in
from tests.imports.conftest import fixture_bytes

pytestmark = pytest.mark.django_db

PERSONS_ERRORS = [
    "row 4, birth date (Дата рождения): 31.02.1964 is not a date",
    "row 7, citizenship (Гражданство): “Atlantis” is not a country",
    "row 8, name (Имя): Give the person's name.",
]


def _upload(client, name: str, content: bytes, kind: str = "persons"):
    return client.post(
        reverse("staff:import_upload"),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def _history_rows() -> int:
    return Person.history.count()


def _preview(client, content: bytes, name: str = "persons.csv"):
    response = _upload(client, name, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ImportRun.objects.latest("pk")
    return run, client.get(reverse("staff:import_preview", args=[run.pk]))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_preview_lists_each_row_and_the_three_errors_and_writes_nothing(
    editor, fmt, persons_xlsx
):
    client = logged_in(editor)
    content = fixture_bytes("persons.csv") if fmt == "csv" else persons_xlsx
    run, page = _preview(client, content, f"persons.{fmt}")
    body = html.unescape(page.content.decode())
    for error in PERSONS_ERRORS:
        assert error in body, [r for r in run.report if r["row"] == 8]
    assert (run.created, run.updated, run.matched, run.errors) == (3, 0, 1, 3)
    matched = next(row for row in run.report if row["row"] == 5)
    assert matched["action"] == "matched"
    assert matched["lines"] == ["Person Bekizhan Mendygazyev matched (another spelling)"]
    assert Person.objects.count() == 0
    assert _history_rows() == 0
    assert run.status == "previewed"


def test_confirming_creates_the_people_and_importing_again_changes_nothing(editor):
    client = logged_in(editor)
    run, _ = _preview(client, fixture_bytes("persons.csv"))
    response = client.post(reverse("staff:import_confirm", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "applied"
    bekizhan = Person.objects.get(family_name="Mendygazyev")
    assert bekizhan.name_original == "Бекжан Мендыгазиев"
    assert bekizhan.original_script == "cyrl"
    assert (str(bekizhan.birth_date), bekizhan.birth_date_precision) == ("1975-03-01", "month")
    assert bekizhan.citizenship == "KZ"
    bilash = Person.objects.get(name_original="Серикжан Билаш")
    assert (bilash.given_name, bilash.family_name) == ("Серикжан", "Билаш")
    assert Person.objects.get(family_name="Utepova").birth_date_precision == "year"
    assert Person.objects.count() == 3  # row 5 is Bekizhan; rows 4, 7 and 8 are refused
    created = Person.history.filter(history_type="+")
    assert {row.history_user_id for row in created} == {editor.pk}
    assert {row.history_change_reason for row in created} == {f"Import {run.pk} (persons.csv)"}

    before = (Person.objects.count(), _history_rows())
    again, _ = _preview(client, fixture_bytes("persons.csv"))
    assert (again.created, again.updated, again.matched, again.errors) == (0, 0, 4, 3)
    client.post(reverse("staff:import_confirm", args=[again.pk]))
    assert (Person.objects.count(), _history_rows()) == before


def test_the_same_rows_from_an_xlsx_match_those_imported_from_the_csv(editor, persons_xlsx):
    client = logged_in(editor)
    run, _ = _preview(client, fixture_bytes("persons.csv"))
    client.post(reverse("staff:import_confirm", args=[run.pk]))
    again, _ = _preview(client, persons_xlsx, "persons.xlsx")
    assert (again.created, again.updated, again.matched, again.errors) == (0, 0, 4, 3)


def test_a_viewer_may_not_import(viewer):
    client = logged_in(viewer)
    assert client.get(reverse("staff:import_upload")).status_code == 403
    assert _upload(client, "persons.csv", fixture_bytes("persons.csv")).status_code == 403
    assert not ImportRun.objects.exists()


def test_the_import_link_is_in_the_navigation_for_editors_only(editor, viewer):
    url = reverse("staff:import_upload")
    assert url in logged_in(editor).get(reverse("staff:dashboard")).content.decode()
    assert url not in logged_in(viewer).get(reverse("staff:dashboard")).content.decode()


def test_a_run_is_seen_and_confirmed_only_by_who_uploaded_it(editor, health_editor):
    run, _ = _preview(logged_in(editor), fixture_bytes("persons.csv"))
    other = logged_in(health_editor)
    assert other.get(reverse("staff:import_preview", args=[run.pk])).status_code == 404
    assert other.post(reverse("staff:import_confirm", args=[run.pk])).status_code == 404
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "not a readable XLSX workbook"),
        ("persons.pdf", b"%PDF-1.4", "is not a CSV or XLSX file"),
        ("empty.csv", b"", "The submitted file is empty."),
        ("nothing.csv", b"Colour,Shape\nred,round\n", "no column for"),
        ("binary.csv", b"Name\n\x00\x01\x02", "not a text CSV file"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message(editor, name, content, message):
    response = _upload(logged_in(editor), name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_with_too_many_rows_is_refused(editor, monkeypatch):
    from casefiles import importing

    monkeypatch.setattr(importing, "IMPORT_MAX_ROWS", 3)
    response = _upload(logged_in(editor), "persons.csv", fixture_bytes("persons.csv"))
    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_too_large_is_refused_before_it_is_read(editor, monkeypatch):
    from casefiles.forms import imports as forms

    monkeypatch.setattr(forms, "IMPORT_MAX_BYTES", 100)
    response = _upload(logged_in(editor), "persons.csv", fixture_bytes("persons.csv"))
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
