"""Persons from the staff pages: add one (names in every script, occupation, other names,
ties), correct one; only persons the user may see can be changed or named."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casefiles.models import CaseParty
from people.models import Alias, HealthCondition, Person, Relationship
from tests.conftest import logged_in
from tests.factories import AliasFactory, CaseFactory, CasePartyFactory, PersonFactory

pytestmark = pytest.mark.django_db

ADD = "/people/new/"


@pytest.fixture
def hidden_person():
    """Someone who appears only in a restricted case the Editor is not assigned to."""
    return CasePartyFactory(case=CaseFactory(restricted=True), person__family_name="Hidden").person


def _formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def _person(aliases=(), relationships=(), initial=(0, 0), **changes) -> dict:
    data = {
        "title": "Mr",
        "given_name": "Barlyk",
        "family_name": "Mendygazyev",
        "name_original": "Барлык Мендыгазиев",
        "original_script": "cyrl",
        "occupation": "philanthropist",
    }
    data.update(changes)
    data |= _formset("aliases", list(aliases), initial[0])
    data |= _formset("relationships", list(relationships), initial[1])
    return data


def _rows() -> tuple[int, int, int]:
    return Person.objects.count(), Alias.objects.count(), Relationship.objects.count()


def test_the_urls_are_under_people():
    assert reverse("staff:person_add") == ADD
    assert reverse("staff:person_edit", args=[7]) == "/people/7/edit/"


def test_the_new_person_page_has_the_names_and_both_formsets(editor_client):
    response = editor_client.get(ADD)
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("given_name", "family_name", "name_original", "original_script", "occupation"):
        assert f'name="{name}"' in page
    assert 'name="aliases-TOTAL_FORMS"' in page
    assert 'name="relationships-0-other"' in page
    assert reverse("staff:person_picker") in page


def test_health_conditions_are_not_on_the_form_even_for_health_staff(health_editor):
    form = logged_in(health_editor).get(ADD).context["form"]
    assert not [name for name in form.fields if "health" in name or "condition" in name]


def test_an_editor_adds_a_person_with_other_names_and_a_brother(editor_client):
    brother = PersonFactory(given_name="Bekizhan", family_name="Mendygazyev")
    response = editor_client.post(
        ADD,
        _person(
            given_name="Barlyk",
            family_name="Mendygaziev",
            name_original="",
            original_script="",
            aliases=[{"name": "Barlyk Mendygazyev", "script": "latn", "kind": "spelling"}],
            relationships=[{"other": str(brother.pk), "kind": "brother", "notes": "Elder"}],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(family_name="Mendygaziev")
    assert response["Location"] == f"/people/{person.pk}/"
    assert person.occupation == "philanthropist"
    assert [alias.name for alias in person.aliases.all()] == ["Barlyk Mendygazyev"]
    tie = person.relationships.get()
    assert (tie.other, tie.kind, tie.notes) == (brother, "brother", "Elder")
    page = editor_client.get(response["Location"]).content.decode()
    assert "philanthropist" in page
    assert reverse("staff:person_edit", args=[person.pk]) in page


def test_the_blank_rows_left_on_the_page_are_not_taken_as_filled_in(editor_client):
    response = editor_client.post(
        ADD,
        _person(
            aliases=[{"name": "", "script": "latn", "kind": "spelling"}],
            relationships=[{"other": "", "kind": "relative", "notes": ""}],
        ),
    )
    assert response.status_code == 302
    assert _rows() == (1, 0, 0)


def test_a_known_name_is_refused_naming_them_and_nothing_is_written(editor_client):
    PersonFactory(given_name="Barlyk", family_name="Mendygazyev", name_original="")
    before = _rows()
    response = editor_client.post(
        ADD, _person(aliases=[{"name": "B. Mendygazyev", "script": "latn", "kind": "spelling"}])
    )
    assert response.status_code == 400
    assert "Already known: Barlyk Mendygazyev" in response.content.decode()
    assert _rows() == before


def test_a_namesake_is_added_when_create_anyway_is_ticked(editor_client):
    PersonFactory(given_name="Barlyk", family_name="Mendygazyev")
    response = editor_client.post(ADD, _person(create_anyway="on"))
    assert response.status_code == 302
    assert Person.objects.filter(family_name="Mendygazyev").count() == 2


def test_a_tie_to_a_person_the_editor_may_not_see_is_refused_and_nothing_is_written(
    editor_client, hidden_person
):
    before = _rows()
    response = editor_client.post(
        ADD, _person(relationships=[{"other": str(hidden_person.pk), "kind": "brother"}])
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "Hidden" not in response.content.decode()
    assert _rows() == before


def test_a_script_without_a_name_in_it_is_refused(editor_client):
    before = _rows()
    response = editor_client.post(ADD, _person(name_original="", original_script="cyrl"))
    assert response.status_code == 400
    assert "Give the name in its original script" in response.content.decode()
    assert _rows() == before


def test_the_back_office_refuses_a_script_without_a_name_too(editor_client):
    response = editor_client.post(
        reverse("admin:people_person_add"),
        {
            "family_name": "Batkayev",
            "original_script": "cyrl",
            "birth_date_precision": "day",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Give the name in its original script" in response.content.decode()
    assert not Person.objects.filter(family_name="Batkayev").exists()


def test_adding_for_a_case_goes_on_to_add_them_as_a_party(editor_client):
    case = CaseFactory()
    response = editor_client.post(f"{ADD}?case={case.pk}", _person())
    assert response.status_code == 302
    person = Person.objects.get(family_name="Mendygazyev")
    assert response["Location"] == f"/cases/{case.pk}/parties/new/?person={person.pk}"


def test_adding_for_a_case_the_editor_may_not_see_is_404(editor_client, hidden_person):
    case = CaseParty.objects.get(person=hidden_person).case
    before = _rows()
    assert editor_client.post(f"{ADD}?case={case.pk}", _person()).status_code == 404
    assert _rows() == before


def test_an_editor_corrects_names_occupation_and_other_names(editor_client):
    person = PersonFactory(given_name="Barlyk", family_name="Mendygaziev")
    AliasFactory(person=person, name="Old spelling")
    AliasFactory(person=person, name="Kept spelling")
    url = reverse("staff:person_edit", args=[person.pk])
    page = editor_client.get(url).content.decode()
    assert 'value="Old spelling"' in page
    assert 'name="create_anyway"' not in page
    response = editor_client.post(
        url,
        _person(
            family_name="Mendygazyev",
            occupation="businessman",
            aliases=[
                {"name": "Old spelling", "script": "latn", "kind": "spelling", "DELETE": "on"},
                {"name": "Kept spelling", "script": "latn", "kind": "former"},
                {"name": "Барлык", "script": "cyrl", "kind": "original"},
            ],
            initial=(2, 0),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert (person.family_name, person.occupation) == ("Mendygazyev", "businessman")
    assert sorted(person.aliases.values_list("name", "kind")) == [
        ("Kept spelling", "former"),
        ("Барлык", "original"),
    ]


def test_editing_keeps_ties_to_persons_the_editor_may_not_see(editor_client, hidden_person):
    person = PersonFactory()
    known = PersonFactory(family_name="Known")
    Relationship.objects.create(person=person, other=hidden_person, kind="brother")
    Relationship.objects.create(person=person, other=known, kind="associate")
    url = reverse("staff:person_edit", args=[person.pk])
    page = editor_client.get(url).content.decode()
    assert "Hidden" not in page
    response = editor_client.post(
        url,
        _person(
            family_name=person.family_name,
            name_original="",
            original_script="",
            relationships=[{"other": str(known.pk), "kind": "associate", "DELETE": "on"}],
            initial=(0, 1),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(person.relationships.values_list("other", flat=True)) == [hidden_person.pk]


def test_a_person_cannot_be_their_own_relative(editor_client):
    person = PersonFactory()
    before = _rows()
    response = editor_client.post(
        reverse("staff:person_edit", args=[person.pk]),
        _person(relationships=[{"other": str(person.pk), "kind": "brother"}]),
    )
    assert response.status_code == 400
    assert "cannot be related to themselves" in response.content.decode()
    assert _rows() == before


def test_a_person_the_editor_may_not_see_is_404(editor_client, hidden_person):
    url = reverse("staff:person_edit", args=[hidden_person.pk])
    assert editor_client.get(url).status_code == 404
    assert editor_client.post(url, _person()).status_code == 404
    hidden_person.refresh_from_db()
    assert hidden_person.family_name == "Hidden"


def test_a_viewer_may_not_add_or_edit(viewer_client):
    person = PersonFactory(family_name="Unchanged")
    assert viewer_client.get(ADD).status_code == 403
    assert viewer_client.post(ADD, _person()).status_code == 403
    url = reverse("staff:person_edit", args=[person.pk])
    assert viewer_client.post(url, _person()).status_code == 403
    assert Person.objects.get().family_name == "Unchanged"
    assert "Edit</a>" not in viewer_client.get(f"/people/{person.pk}/").content.decode()


def test_editing_leaves_health_conditions_alone(health_editor):
    person = PersonFactory()
    HealthCondition.objects.create(person=person, condition="Hepatitis C")
    response = logged_in(health_editor).post(
        reverse("staff:person_edit", args=[person.pk]),
        _person(family_name=person.family_name, name_original="", original_script=""),
    )
    assert response.status_code == 302
    assert person.health_conditions.count() == 1
