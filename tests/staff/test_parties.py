"""Parties from the case page: add a known person, a new one or an organisation; change a
role; remove a party the case records nothing more about."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casefiles.models import CaseParty, Detention
from casefiles.services.parties import party_add, party_remove
from people.choices import OrganisationKind
from people.deletion import RecordKept
from people.models import Organisation, Person
from tests.conftest import logged_in
from tests.factories import (
    CaseFactory,
    CasePartyFactory,
    DetentionFactory,
    OrganisationFactory,
    PersonFactory,
)
from tests.foundation.test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory(reference="KZ-2021-MENDYGAZIEV", country="KZ")


@pytest.fixture
def hidden_person():
    """Someone who appears only in a restricted case the Editor is not assigned to."""
    return CasePartyFactory(case=CaseFactory(restricted=True), person__family_name="Hidden").person


def _add_url(case) -> str:
    return reverse("staff:party_add", args=[case.pk])


def _party(**changes) -> dict:
    data = {
        "person": "",
        "person_given_name": "",
        "person_family_name": "",
        "person_name_original": "",
        "person_original_script": "",
        "person_occupation": "",
        "organisation": "",
        "role": "lawyer",
        "notes": "",
    }
    data.update(changes)
    return data


def _rows() -> tuple[int, int]:
    return Person.objects.count(), CaseParty.objects.count()


def test_the_urls_are_under_cases_and_parties():
    assert reverse("staff:party_add", args=[7]) == "/cases/7/parties/new/"
    assert reverse("staff:party_edit", args=[7]) == "/parties/7/edit/"
    assert reverse("staff:party_remove", args=[7]) == "/parties/7/remove/"


def test_the_parties_card_offers_add_edit_and_remove_to_an_editor_only(
    case, editor_client, viewer_client
):
    party = CasePartyFactory(case=case, person__occupation="journalist")
    page = editor_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert _add_url(case) in page
    assert reverse("staff:party_edit", args=[party.pk]) in page
    assert "(journalist)" in page
    viewer_page = viewer_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert _add_url(case) not in viewer_page
    assert reverse("staff:party_edit", args=[party.pk]) not in viewer_page


def test_the_add_party_page_has_the_picker_the_new_person_fields_and_organisations(
    case, editor_client
):
    OrganisationFactory(name="Karachaganak Support Services", country="KZ")
    response = editor_client.get(_add_url(case))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("staff:person_picker") in page
    for name in ("person_given_name", "person_occupation", "person_create_anyway", "role"):
        assert f'name="{name}"' in page
    assert "Karachaganak Support Services" in page
    assert ">Add party</button>" in page


def test_an_editor_adds_a_known_person_as_a_lawyer(case, editor_client):
    lawyer = PersonFactory(given_name="Aiman", family_name="Umarova")
    response = editor_client.post(_add_url(case), _party(person=str(lawyer.pk)))
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/#parties"
    assert case.parties.get().person == lawyer
    assert case.parties.get().role == "lawyer"


def test_the_person_asked_for_in_the_address_is_offered_already_chosen(case, editor_client):
    lawyer = PersonFactory(given_name="Aiman", family_name="Umarova")
    page = editor_client.get(f"{_add_url(case)}?person={lawyer.pk}").content.decode()
    assert f'<option value="{lawyer.pk}" selected>Aiman Umarova</option>' in page


def test_an_editor_adds_a_new_person_typed_with_an_occupation(case, editor_client):
    response = editor_client.post(
        _add_url(case),
        _party(
            person_given_name="Barlyk",
            person_family_name="Mendygazyev",
            person_name_original="Барлык Мендыгазиев",
            person_original_script="cyrl",
            person_occupation="philanthropist",
            role="targeted_relative",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = case.parties.get(role="targeted_relative").person
    assert (person.name, person.occupation) == ("Barlyk Mendygazyev", "philanthropist")


def test_a_known_name_typed_again_is_refused_naming_them_and_nothing_is_written(
    case, editor_client
):
    PersonFactory(given_name="Barlyk", family_name="Mendygazyev")
    before = _rows()
    response = editor_client.post(
        _add_url(case), _party(person_given_name="Barlyk", person_family_name="Mendygazyev")
    )
    assert response.status_code == 400
    assert "Already known: Barlyk Mendygazyev" in response.content.decode()
    assert _rows() == before


def test_a_namesake_is_added_when_create_anyway_is_ticked(case, editor_client):
    PersonFactory(given_name="Barlyk", family_name="Mendygazyev")
    response = editor_client.post(
        _add_url(case),
        _party(
            person_given_name="Barlyk",
            person_family_name="Mendygazyev",
            person_create_anyway="on",
        ),
    )
    assert response.status_code == 302
    assert Person.objects.filter(family_name="Mendygazyev").count() == 2


def test_a_namesake_the_editor_may_not_see_is_not_named(case, editor_client, hidden_person):
    response = editor_client.post(
        _add_url(case), _party(person_family_name=hidden_person.family_name)
    )
    assert response.status_code == 302
    assert "Already known" not in editor_client.get(response["Location"]).content.decode()


def test_an_editor_adds_an_organisation_as_employer(case, editor_client):
    company = OrganisationFactory(name="KSS", kind=OrganisationKind.COMPANY, country="KZ")
    response = editor_client.post(
        _add_url(case), _party(organisation=str(company.pk), role="employer")
    )
    assert response.status_code == 302
    assert case.parties.get().organisation == company


def test_a_person_the_editor_may_not_see_is_refused_and_nothing_is_written(
    case, editor_client, hidden_person
):
    before = _rows()
    response = editor_client.post(_add_url(case), _party(person=str(hidden_person.pk)))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "Hidden" not in response.content.decode()
    assert _rows() == before


def test_the_service_refuses_a_hidden_person_too(case, editor, hidden_person):
    with pytest.raises(ValidationError) as refused:
        party_add(case=case, user=editor, role="lawyer", person=hidden_person)
    assert "person" in refused.value.message_dict
    assert not case.parties.exists()


def test_a_person_and_an_organisation_together_are_refused(case, editor_client):
    person, company = PersonFactory(), OrganisationFactory()
    before = _rows()
    response = editor_client.post(
        _add_url(case), _party(person=str(person.pk), organisation=str(company.pk))
    )
    assert response.status_code == 400
    assert "Only one of them" in response.content.decode()
    assert _rows() == before


def test_nothing_chosen_is_refused(case, editor_client):
    response = editor_client.post(_add_url(case), _party())
    assert response.status_code == 400
    assert "Pick a known person" in response.content.decode()


def test_the_same_person_in_the_same_role_twice_is_refused(case, editor_client):
    party = CasePartyFactory(case=case, role="lawyer")
    response = editor_client.post(_add_url(case), _party(person=str(party.person.pk)))
    assert response.status_code == 400
    assert "already has this role" in response.content.decode()
    assert case.parties.count() == 1


def test_a_viewer_may_not_add_edit_or_remove(case, viewer_client):
    party = CasePartyFactory(case=case)
    assert viewer_client.get(_add_url(case)).status_code == 403
    assert (
        viewer_client.post(_add_url(case), _party(person=str(party.person.pk))).status_code == 403
    )
    assert (
        viewer_client.post(
            reverse("staff:party_edit", args=[party.pk]), {"role": "witness"}
        ).status_code
        == 403
    )
    assert (
        viewer_client.post(
            reverse("staff:party_remove", args=[party.pk]), {"confirm": "yes"}
        ).status_code
        == 403
    )
    assert CaseParty.objects.get().role == party.role


def test_an_editor_not_on_a_restricted_case_gets_404(editor_client, hidden_person):
    party = CaseParty.objects.get(person=hidden_person)
    assert editor_client.get(_add_url(party.case)).status_code == 404
    assert editor_client.get(reverse("staff:party_edit", args=[party.pk])).status_code == 404
    response = editor_client.post(
        reverse("staff:party_remove", args=[party.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 404
    assert CaseParty.objects.filter(pk=party.pk).exists()


def test_the_staff_of_a_restricted_case_add_parties_to_it(editor, hidden_person):
    party = CaseParty.objects.get(person=hidden_person)
    party.case.assigned_staff.add(editor)
    response = logged_in(editor).post(
        _add_url(party.case), _party(person_family_name="Dauletiyarova")
    )
    assert response.status_code == 302


def test_an_editor_changes_a_party_role(case, editor_client):
    party = CasePartyFactory(case=case, role="witness")
    url = reverse("staff:party_edit", args=[party.pk])
    assert 'value="witness" selected' in editor_client.get(url).content.decode()
    response = editor_client.post(url, {"role": "defendant", "notes": "Charged in June"})
    assert response.status_code == 302
    party.refresh_from_db()
    assert (party.role, party.notes) == ("defendant", "Charged in June")


def test_removing_needs_the_confirm_box(case, editor_client):
    party = CasePartyFactory(case=case)
    response = editor_client.post(reverse("staff:party_remove", args=[party.pk]))
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert CaseParty.objects.filter(pk=party.pk).exists()


def test_removing_is_a_post(case, editor_client):
    party = CasePartyFactory(case=case)
    assert editor_client.get(reverse("staff:party_remove", args=[party.pk])).status_code == 405


def test_a_party_the_case_records_nothing_about_is_removed(case, editor_client):
    party = CasePartyFactory(case=case)
    response = editor_client.post(
        reverse("staff:party_remove", args=[party.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 302
    assert not CaseParty.objects.filter(pk=party.pk).exists()
    assert Person.objects.filter(pk=party.person.pk).exists()


def test_a_party_with_a_detention_in_the_case_is_not_removed(case, editor_client):
    detention = DetentionFactory(case=case)
    party = CaseParty.objects.get(case=case, person=detention.person)
    response = editor_client.post(
        reverse("staff:party_remove", args=[party.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 400
    assert "still records 1 detention about them" in response.content.decode()
    assert CaseParty.objects.filter(pk=party.pk).exists()
    assert Detention.objects.filter(pk=detention.pk).exists()


def test_a_second_role_of_a_detained_person_may_be_removed(case):
    detention = DetentionFactory(case=case)
    second = CasePartyFactory(case=case, person=detention.person, role="witness")
    party_remove(party=second)
    assert case.parties.get().role == "political_prisoner"


def test_the_back_office_obeys_the_same_refusal(case):
    detention = DetentionFactory(case=case)
    party = CaseParty.objects.get(case=case, person=detention.person)
    with pytest.raises(RecordKept, match="cannot be removed from the case"):
        party.delete()


def test_the_back_office_delete_page_refuses_with_the_reason(editor_client, case):
    detention = DetentionFactory(case=case)
    party = CaseParty.objects.get(case=case, person=detention.person)
    response = editor_client.post(
        reverse("admin:casefiles_caseparty_delete", args=[party.pk]), {"post": "yes"}, follow=True
    )
    assert "cannot be removed from the case" in response.content.decode()
    assert CaseParty.objects.filter(pk=party.pk).exists()


def test_organisations_offered_are_only_those_the_editor_may_see(
    case, editor_client, hidden_person
):
    secret = Organisation.objects.create(name="Secret court", kind=OrganisationKind.COURT)
    CasePartyFactory(
        case=CaseParty.objects.get(person=hidden_person).case, person=None, organisation=secret
    )
    assert "Secret court" not in editor_client.get(_add_url(case)).content.decode()


def test_the_case_page_of_the_back_office_refuses_deleting_the_party_inline(editor_client, case):
    detention = DetentionFactory(case=case)
    party = CaseParty.objects.get(case=case, person=detention.person)
    url = reverse("admin:casefiles_case_change", args=[case.pk])
    data = form_data(editor_client.get(url))
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("parties-") and key.endswith("-id") and value == str(party.pk)
    )
    data[f"parties-{index}-DELETE"] = "on"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "cannot be removed from the case" in response.content.decode()
    assert CaseParty.objects.filter(pk=party.pk).exists()
