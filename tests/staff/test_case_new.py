"""New case from the news: one page opens the case with its person, detention and source."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casefiles.models import Case, CaseParty, Detention, SearchName, Source
from casefiles.services import FirstDetention, NewPerson, case_open
from people.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

URL = "/cases/new/"


def _news(**changes) -> dict:
    """The form as an Editor fills it from a news item about a lawyer arrested in Tashkent."""
    data = {
        "person": "",
        "person_given_name": "Rustam",
        "person_family_name": "Tursunov",
        "person_name_original": "Рустам Турсунов",
        "person_original_script": "cyrl",
        "country": "UZ",
        "title": "Lawyer held for defending protesters",
        "reference": "UZ-2024-TURSUNOV",
        "summary": "Arrested after representing protesters in Nukus.",
        "detention_measure": "pretrial",
        "detention_started_on": "2024-03-05",
        "detention_term": "2 months",
        "source_url": "https://news.example.org/tursunov-arrested",
        "source_title": "Lawyer Tursunov arrested in Tashkent",
        "source_publisher": "Example News",
        "source_published_on": "2024-03-06",
    }
    data.update(changes)
    return data


def _rows() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Person, Case, CaseParty, Detention, Source, SearchName)
    )


def test_the_url_is_cases_new():
    assert reverse("staff:case_new") == URL


def test_an_editor_opens_a_case_for_a_new_person_with_a_detention_and_a_source(
    editor, editor_client
):
    response = editor_client.post(URL, _news())
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(reference="UZ-2024-TURSUNOV")
    detention = case.detentions.get()
    assert response["Location"] == (
        f"/cases/{case.pk}/?new=detention-{detention.pk}#detention-{detention.pk}"
    )
    person = Person.objects.get(family_name="Tursunov")
    assert person.name_original == "Рустам Турсунов"
    assert case.country == "UZ"
    assert case.parties.get().person == person
    assert list(case.assigned_staff.all()) == [editor]
    assert str(detention.planned_end) == "2024-05-05"
    source = Source.objects.get(url="https://news.example.org/tursunov-arrested")
    assert list(detention.sources.all()) == [source]
    page = editor_client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rustam Tursunov" in text
    assert "Lawyer Tursunov arrested in Tashkent" in text
    assert f'id="detention-{detention.pk}"' in text
    assert "just logged" in text


def test_the_case_list_offers_new_case_to_an_editor_and_not_to_a_viewer(
    editor_client, viewer_client
):
    assert URL in editor_client.get("/cases/").content.decode()
    assert URL not in viewer_client.get("/cases/").content.decode()


def test_a_restricted_case_stays_visible_to_the_editor_who_opened_it(editor, editor_client):
    response = editor_client.post(URL, _news(restricted="on"))
    assert response.status_code == 302
    case = Case.objects.get(reference="UZ-2024-TURSUNOV")
    assert case.restricted
    assert editor in case.assigned_staff.all()
    assert editor_client.get(response["Location"]).status_code == 200


def test_a_known_person_typed_again_is_refused_naming_them_and_nothing_is_written(
    editor_client,
):
    PersonFactory(given_name="Rustam", family_name="Tursunov", name_original="Рустам Турсунов")
    before = _rows()
    # Typed the way another outlet spells it; the search folds both to one key.
    response = editor_client.post(
        URL, _news(person_name_original="", person_family_name="Tursunov")
    )
    assert response.status_code == 400
    assert "Already known: Rustam Tursunov (Рустам Турсунов)" in response.content.decode()
    assert _rows() == before


def test_a_namesake_is_created_when_create_anyway_is_ticked(editor_client):
    PersonFactory(given_name="Rustam", family_name="Tursunov")
    response = editor_client.post(URL, _news(person_create_anyway="on"))
    assert response.status_code == 302
    assert Person.objects.filter(family_name="Tursunov").count() == 2


def test_a_known_person_picked_becomes_the_political_prisoner_of_the_new_case(editor_client):
    known = PersonFactory(given_name="Rustam", family_name="Tursunov")
    data = _news(person=str(known.pk), person_given_name="", person_family_name="")
    data["person_name_original"] = ""
    data["reference"] = ""  # suggested from the country, the year and the family name
    response = editor_client.post(URL, data)
    assert response.status_code == 302
    case = Case.objects.get(parties__person=known)
    assert case.reference.startswith("UZ-") and case.reference.endswith("-TURSUNOV")
    assert case.parties.get().role == "political_prisoner"
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("source_url", "javascript:alert(1)", "starting with http:// or https://"),
        ("source_url", "ftp://news.example.org/x", "starting with http:// or https://"),
        ("detention_term", "9999 years", "The term is too long"),
    ],
)
def test_a_bad_source_address_or_term_is_refused_writing_nothing(
    editor_client, field, value, message
):
    before = _rows()
    response = editor_client.post(URL, _news(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _rows() == before


def test_a_refusal_from_the_detention_service_rolls_back_the_person_and_case_written(editor):
    """The detention is checked last, after the person and the case were saved."""
    before = _rows()
    with pytest.raises(ValidationError) as refused:
        case_open(
            created_by=editor,
            new_person=NewPerson(given_name="Rustam", family_name="Tursunov"),
            country="UZ",
            title="Lawyer held",
            reference="UZ-2024-TURSUNOV",
            detention=FirstDetention(
                measure="pretrial",
                started_on=datetime.date(2024, 3, 5),
                term_length=99999,
                term_unit="days",
            ),
        )
    assert "detention_term_length" in refused.value.message_dict
    assert _rows() == before


def test_a_reference_already_used_is_refused_with_its_message(editor_client):
    assert editor_client.post(URL, _news()).status_code == 302
    before = _rows()
    response = editor_client.post(
        URL, _news(person_given_name="Aziz", person_family_name="Karimov", person_name_original="")
    )
    assert response.status_code == 400
    assert "A case with this reference exists." in response.content.decode()
    assert _rows() == before


def test_a_viewer_may_not_open_a_case(viewer_client):
    assert viewer_client.get(URL).status_code == 403
    before = _rows()
    assert viewer_client.post(URL, _news()).status_code == 403
    assert _rows() == before
