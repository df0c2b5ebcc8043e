"""Matching reads through visible_to(user): a restricted case's person is never matched (nor
named) for someone outside it. And the import_records command, run as a named Editor."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from casefiles.models import Case, ImportRun
from casefiles.services.imports import import_apply, import_preview
from people.models import Person
from tests.imports.conftest import FIXTURES, fixture_bytes

pytestmark = pytest.mark.django_db


def test_a_restricted_case_person_is_not_matched_for_an_outsider_to_the_case(demo, editor):
    demo.case.restricted = True
    demo.case.save()
    hidden = Person.objects.get(given_name="Bekizhan")
    hidden.notes = "known only to the case's staff"
    hidden.save()
    run = import_preview(
        user=editor, kind="persons", content=fixture_bytes("persons.csv"), name="persons.csv"
    )
    row = next(row for row in run.report if row["row"] == 2)
    assert row["action"] == "created"
    # Row 5 (another spelling) matches the person row 2 creates, not the hidden one.
    assert next(row for row in run.report if row["row"] == 5)["action"] == "matched"
    import_apply(run=run, user=editor)
    namesakes = Person.objects.filter(family_name="Mendygazyev", given_name="Bekizhan")
    assert namesakes.count() == 2
    assert namesakes.get(notes="").pk != hidden.pk
    hidden.refresh_from_db()
    assert hidden.birth_date_precision == "day"  # untouched: the import never reached it


def test_the_case_staff_import_matches_the_restricted_person(demo):
    demo.case.restricted = True
    demo.case.save()
    staff = demo.user  # the demo's user, on the case's staff
    demo.case.assigned_staff.add(staff)
    run = import_preview(
        user=staff, kind="persons", content=fixture_bytes("persons.csv"), name="persons.csv"
    )
    row = next(row for row in run.report if row["row"] == 2)
    assert row["action"] in ("matched", "updated")
    assert row["lines"][0].startswith("Person Bekizhan Mendygazyev matched")


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("import_records", *args, stdout=out)
    return out.getvalue()


def test_the_command_with_dry_run_writes_nothing(editor):
    output = _command(
        str(FIXTURES / "cases.csv"), "--kind", "cases", "--user", editor.username, "--dry-run"
    )
    assert "row 4, country: “Atlantis” is not a country" in output
    assert "Would import 3 rows: 2 created, 0 updated, 0 already on file, 1 with errors" in output
    assert not Case.objects.exists()
    assert not Person.objects.exists()
    assert not ImportRun.objects.exists()


def test_the_command_imports_as_the_named_user_and_is_recorded(editor):
    output = _command(str(FIXTURES / "cases.csv"), "--kind", "cases", "--user", editor.username)
    assert "Imported 3 rows: 2 created" in output
    run = ImportRun.objects.get()
    assert (run.user, run.status, run.created, run.errors) == (editor, "applied", 2, 1)
    case = Case.objects.get(reference="KZ-2016-BOKAYEV")
    created = case.history.get(history_type="+")
    assert created.history_user == editor
    assert created.history_change_reason == f"Import {run.pk} (cases.csv)"


def test_the_command_refuses_a_viewer_and_a_missing_file(viewer, editor):
    with pytest.raises(CommandError, match="may add cases"):
        _command(str(FIXTURES / "cases.csv"), "--kind", "cases", "--user", viewer.username)
    with pytest.raises(CommandError, match="Cannot read"):
        _command(str(FIXTURES / "nope.csv"), "--kind", "cases", "--user", editor.username)
    assert not Case.objects.exists()
