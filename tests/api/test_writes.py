"""Writes go through the staff pages' services: the same refusals, as 400 with messages
per field and nothing written; the Editor role writes, a Viewer does not."""

from __future__ import annotations

import pytest

from casefiles.models import CaseParty, Detention, Hearing
from people.models import Person
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def _prisoner(demo) -> Person:
    return Person.objects.get(given_name="Bekizhan")


def test_an_editor_logs_a_detention_with_its_planned_end_computed(demo, editor):
    response = token_client(editor).post(
        "/api/detentions/",
        {
            "case": demo.case.pk,
            "person": _prisoner(demo).pk,
            "measure": "pretrial",
            "started_on": "2022-03-01",
            "term_length": 2,
            "term_unit": "months",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["planned_end"] == "2022-05-01"
    detention = Detention.objects.get(pk=response.json()["id"])
    assert detention.history.get().history_user == editor


def test_a_detention_ending_before_it_starts_is_refused_with_a_field_error(demo, editor):
    before = Detention.objects.count()
    response = token_client(editor).post(
        "/api/detentions/",
        {
            "case": demo.case.pk,
            "person": _prisoner(demo).pk,
            "measure": "pretrial",
            "started_on": "2022-03-01",
            "actual_end": "2022-02-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "cannot end" in response.json()["actual_end"][0]
    assert Detention.objects.count() == before


def test_a_hearing_of_someone_not_party_to_the_case_is_refused(demo, editor):
    stranger = Person.objects.create(family_name="Stranger")
    response = token_client(editor).post(
        "/api/hearings/",
        {
            "case": demo.case.pk,
            "held_on": "2022-03-01",
            "kind": "extension",
            "defendants": [stranger.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "not a party" in response.json()["defendants"][0]
    assert not Hearing.objects.filter(held_on="2022-03-01").exists()


def test_malformed_input_is_a_400_never_a_500(demo, editor):
    client = token_client(editor)
    for body in (
        {"case": "x", "started_on": "31.02.2021"},
        {"case": 10**30, "person": -1, "started_on": "0001-01-01", "measure": "nope"},
        {
            "case": demo.case.pk,
            "person": _prisoner(demo).pk,
            "measure": "pretrial",
            "started_on": "2021-01-01",
            "term_length": 10**9,
            "term_unit": "years",
        },
        [],
    ):
        response = client.post("/api/detentions/", body, format="json")
        assert response.status_code == 400, (body, response.content)
    response = client.post("/api/detentions/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_namesake_person_is_refused_unless_create_anyway(demo, editor):
    client = token_client(editor)
    typed = {"given_name": "Bekizhan", "family_name": "Mendygaziev"}
    refused = client.post("/api/persons/", typed, format="json")
    assert refused.status_code == 400
    assert "Already known" in refused.json()["family_name"][0]
    created = client.post("/api/persons/", {**typed, "create_anyway": True}, format="json")
    assert created.status_code == 201
    assert created.json()["name"] == "Bekizhan Mendygaziev"


def test_a_viewer_may_not_write(demo, viewer):
    client = token_client(viewer)
    before = CaseParty.objects.count()
    response = client.post(
        "/api/parties/",
        {"case": demo.case.pk, "person": _prisoner(demo).pk, "role": "defendant"},
        format="json",
    )
    assert response.status_code == 403
    assert CaseParty.objects.count() == before
    # A read-only endpoint refuses the method, to those who may read it.
    assert client.post("/api/cases/", {}, format="json").status_code == 405


def test_an_editor_cannot_write_into_a_case_they_may_not_see(demo, editor):
    demo.case.restricted = True
    demo.case.save()
    response = token_client(editor).post(
        "/api/parties/",
        {"case": demo.case.pk, "organisation": None, "role": "defendant"},
        format="json",
    )
    assert response.status_code == 400
    # The same message as for a case that does not exist.
    missing = token_client(editor).post(
        "/api/parties/", {"case": 999999, "role": "defendant"}, format="json"
    )
    assert response.json()["case"] == [
        m.replace("999999", str(demo.case.pk)) for m in missing.json()["case"]
    ]
