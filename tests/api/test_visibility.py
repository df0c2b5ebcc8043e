"""The API shows a user what the pages show them: a restricted case and its facts do not
exist for anyone outside it, and health conditions only with the Health data role."""

from __future__ import annotations

import pytest

from casefiles.models import Charge, Detention
from people.models import HealthCondition, Person
from people.roles import EDITOR
from tests.api.conftest import token_client
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(demo):
    demo.case.restricted = True
    demo.case.save()
    return demo.case


def test_an_outsiders_token_gets_404_for_a_restricted_cases_records(restricted, viewer):
    client = token_client(viewer)
    charge = Charge.objects.filter(case=restricted).first()
    detention = Detention.objects.filter(case=restricted).first()
    for url in (
        f"/api/cases/{restricted.pk}/",
        f"/api/charges/{charge.pk}/",
        f"/api/detentions/{detention.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    # And a missing record answers the same.
    assert client.get("/api/cases/999999/").status_code == 404


def test_lists_leave_out_a_restricted_cases_records(restricted, viewer):
    client = token_client(viewer)
    assert client.get("/api/cases/").json()["count"] == 0
    assert client.get("/api/charges/").json()["count"] == 0
    assert client.get(f"/api/detentions/?case={restricted.pk}").json()["count"] == 0
    names = [p["family_name"] for p in client.get("/api/persons/?page_size=200").json()["results"]]
    assert "Mendygazyev" not in names


def test_the_assigned_staff_see_the_restricted_case(restricted):
    assigned = make_user("asa_assigned", EDITOR)
    restricted.assigned_staff.add(assigned)
    client = token_client(assigned)
    assert client.get(f"/api/cases/{restricted.pk}/").json()["reference"] == restricted.reference
    charges = client.get(f"/api/charges/?case={restricted.pk}").json()
    assert charges["count"] == Charge.objects.filter(case=restricted).count() > 0


def _bekizhan(client) -> dict:
    person = Person.objects.get(given_name="Bekizhan")
    response = client.get(f"/api/persons/{person.pk}/")
    assert response.status_code == 200
    return response.json()


def test_health_conditions_are_absent_without_the_health_data_role(demo, editor):
    body = _bekizhan(token_client(editor))
    assert "health_conditions" not in body
    listed = token_client(editor).get("/api/persons/?q=Мендыгазиев").json()["results"]
    assert listed and all("health_conditions" not in person for person in listed)


def test_health_conditions_are_shown_with_the_health_data_role(demo, health_editor):
    body = _bekizhan(token_client(health_editor))
    stored = set(
        HealthCondition.objects.filter(person_id=body["id"]).values_list("condition", flat=True)
    )
    assert stored
    assert {c["condition"] for c in body["health_conditions"]} == stored


def test_person_search_finds_a_name_in_another_script(demo, viewer):
    client = token_client(viewer)
    for query in ("Мендыгазиев", "Mendygaziev", "mendygazyev"):
        results = client.get("/api/persons/", {"q": query}).json()["results"]
        assert results[0]["family_name"] == "Mendygazyev", query


def test_no_role_means_403_and_no_credentials_401(demo, outsider, client):
    assert token_client(outsider).get("/api/cases/").status_code == 403
    response = client.get("/api/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_session_still_owing_its_second_factor_is_not_signed_in(demo, health_editor, client):
    client.force_login(health_editor)  # password only: no second factor given
    assert client.get("/api/persons/").status_code == 401


def test_page_size_is_bounded(demo, viewer):
    body = token_client(viewer).get("/api/persons/?page_size=100000").json()
    assert len(body["results"]) <= 200


def test_the_docs_page_loads_its_code_from_our_own_origin(demo, viewer, client):
    client.force_login(viewer)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and "cdn" not in html.lower()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/persons/" in schema.json()["paths"]


def test_anonymous_visitors_of_the_docs_are_sent_to_log_in(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_rendered_letters_pdf_comes_through_the_checked_download(demo, viewer):
    from django.core.files.base import ContentFile

    from letters.choices import RenderStatus
    from letters.models import Letter, LetterVersion

    letter = Letter.objects.get(case=demo.case)
    version = LetterVersion.objects.create(
        letter=letter, number=1, content_hash="0" * 64, status=RenderStatus.DONE
    )
    version.file.save("letter.pdf", ContentFile(b"%PDF-1.4 test"))
    client = token_client(viewer)
    listed = client.get(f"/api/letter-versions/?letter={letter.pk}").json()["results"]
    assert listed[0]["pdf_url"] == f"/api/letter-versions/{version.pk}/pdf/"
    pdf = client.get(listed[0]["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == b"%PDF-1.4 test"
    demo.case.restricted = True
    demo.case.save()
    assert client.get(listed[0]["pdf_url"]).status_code == 404
