"""New case from the news: one page opens the case with its person, detention, charges,
first hearing, colleagues and source."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casefiles.models import (
    Article,
    Case,
    CaseParty,
    Charge,
    Detention,
    Hearing,
    SearchName,
    Source,
)
from casefiles.services import FirstDetention, NewPerson, case_open
from casefiles.services.charges import ChargeDraft
from people.models import Person
from people.roles import EDITOR, VIEWER
from tests.conftest import make_user
from tests.factories import ArticleFactory, PersonFactory

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


# --- Charges, the first hearing and colleagues -----------------------------------------------


def _charged(**changes) -> dict:
    """The news also reports two charges, one under an article not on file, and a hearing."""
    return _news(
        **{
            "charges-0-article_number": "244",
            "charges-0-article_part": "1",
            "charges-0-article_title": "Creation of an extremist organisation",
            "charges-0-brought_on": "2024-03-06",
            "charges-0-brought_on_precision": "day",
            "charges-0-status": "charged",
            "charges-1-description": "Mass riots (article not stated)",
            "charges-1-brought_on": "2024-03-01",
            "charges-1-brought_on_precision": "month",
            "charges-1-status": "charged",
            "hearing_kind": "extension",
            "hearing_held_on": "2024-04-30",
            **changes,
        }
    )


def _all_rows() -> tuple[int, ...]:
    return _rows() + tuple(model.objects.count() for model in (Charge, Article, Hearing))


def test_the_page_offers_six_charge_rows_a_hearing_and_colleagues(editor, editor_client):
    colleague = make_user("olga_editor", EDITOR)
    make_user("vera_viewer", VIEWER)
    page = editor_client.get(URL).content.decode()
    for row in range(6):
        assert f'name="charges-{row}-article_number"' in page
    # Without the script every row shows; rows 2-6 carry the mark the script folds away.
    assert page.count("data-unused") == 5
    assert "data-another-charge" in page
    assert 'name="hearing_kind"' in page
    assert f'value="{colleague.pk}"' in page
    assert "vera_viewer" not in page


def test_an_editor_opens_a_case_with_its_charges_hearing_and_a_colleague(editor, editor_client):
    colleague = make_user("olga_editor", EDITOR)
    response = editor_client.post(URL, _charged(colleagues=[str(colleague.pk)]))
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(reference="UZ-2024-TURSUNOV")
    person = case.parties.get().person
    first, second = case.charges.order_by("pk")
    assert (first.person, first.article.jurisdiction, first.article.citation) == (
        person,
        "UZ",
        "Art. 244, Part 1 of the CC",
    )
    assert second.description == "Mass riots (article not stated)"
    assert second.brought_on_display == "March 2024"
    hearing = case.hearings.get()
    assert list(hearing.defendants.all()) == [person]
    assert set(case.assigned_staff.all()) == {editor, colleague}
    detention = case.detentions.get()
    anchors = [
        f"detention-{detention.pk}",
        f"charge-{first.pk}",
        f"charge-{second.pk}",
        f"hearing-{hearing.pk}",
    ]
    query = "&".join(f"new={anchor}" for anchor in anchors)
    assert response["Location"] == f"/cases/{case.pk}/?{query}#{anchors[0]}"
    page = editor_client.get(response["Location"])
    assert page.context["new_entries"] == anchors
    assert page.content.decode().count("just logged") == 4


def test_a_bad_charge_row_is_refused_on_its_own_fields_writing_nothing(editor_client):
    before = _all_rows()
    response = editor_client.post(
        URL,
        _charged(
            **{
                "charges-0-article_title": "",  # a new article needs its wording
                "charges-1-status": "convicted",  # a decided charge needs its date
            }
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["charges-0-article_title"]
    assert "Give the date on which the charge was convicted." in errors["charges-1-status"]
    assert _all_rows() == before


def test_another_countrys_article_is_refused_in_its_row(editor_client):
    kazakh = ArticleFactory(jurisdiction="KZ", number="274", part="2")
    before = _all_rows()
    response = editor_client.post(
        URL,
        _charged(
            **{
                "charges-2-article": str(kazakh.pk),
                "charges-2-status": "charged",
            }
        ),
    )
    assert response.status_code == 400
    assert (
        "belongs to the code of Kazakhstan"
        in response.context["form"].errors["charges-2-article"][0]
    )
    assert _all_rows() == before


def test_a_hearing_without_a_date_and_a_viewer_as_colleague_are_refused(editor_client):
    viewer = make_user("vera_viewer", VIEWER)
    before = _all_rows()
    response = editor_client.post(URL, _charged(hearing_held_on="", colleagues=[str(viewer.pk)]))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["hearing_held_on"] and errors["colleagues"]
    assert _all_rows() == before


def test_a_charge_refused_by_the_service_rolls_back_the_person_and_case_written(editor):
    before = _all_rows()
    with pytest.raises(ValidationError) as refused:
        case_open(
            created_by=editor,
            new_person=NewPerson(given_name="Rustam", family_name="Tursunov"),
            country="UZ",
            title="Lawyer held",
            reference="UZ-2024-TURSUNOV",
            charges=[ChargeDraft(description="Riots", row=3), ChargeDraft(row=4)],
        )
    assert refused.value.message_dict == {
        "charges-4-article": ["Give the article of the code or describe the charge."]
    }
    assert _all_rows() == before
