"""A restricted case is seen only by its assigned staff and by Administrators: on the staff
pages, in search, on letter pages and in the back office alike."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from casefiles.models import Case, Charge
from casefiles.selectors import cases_visible_to
from letters.models import Letter
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted_case(db) -> Case:
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    case = Case.objects.get()
    case.restricted = True
    case.save()
    return case


def test_an_editor_not_assigned_sees_nothing_of_a_restricted_case(client, editor, restricted_case):
    client.force_login(editor)
    case_page = reverse("staff:case_detail", args=[restricted_case.pk])
    assert client.get(case_page).status_code == 404
    assert restricted_case.reference not in client.get(reverse("staff:case_list")).content.decode()
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    assert "Bekizhan Mendygazyev" not in dashboard
    search = client.get(reverse("staff:search"), {"q": "Mendygazyev"}).content.decode()
    assert restricted_case.reference not in search
    letter = Letter.objects.get()
    assert client.get(reverse("letters:detail", args=[letter.pk])).status_code == 404
    # The back office hides it too, with its facts and their history.
    changelist = client.get(reverse("admin:casefiles_case_changelist")).content.decode()
    assert restricted_case.reference not in changelist
    assert client.get(reverse("admin:casefiles_charge_changelist")).context["cl"].result_count == 0
    charge = Charge.objects.filter(case=restricted_case).first()
    change = client.get(reverse("admin:casefiles_charge_change", args=[charge.pk]))
    assert change.status_code == 302  # "doesn't exist. Perhaps it was deleted?"
    history = client.get(reverse("admin:casefiles_charge_history", args=[charge.pk]))
    assert history.status_code == 404


def test_assigned_staff_see_the_restricted_case(client, editor, restricted_case):
    restricted_case.assigned_staff.add(editor)
    client.force_login(editor)
    assert client.get(reverse("staff:case_detail", args=[restricted_case.pk])).status_code == 200
    assert list(cases_visible_to(editor)) == [restricted_case]
    assert client.get(reverse("admin:casefiles_charge_changelist")).context["cl"].result_count


def test_administrators_see_every_case(client, administrator, restricted_case):
    login_verified(client, administrator)
    page = client.get(reverse("staff:case_detail", args=[restricted_case.pk]))
    assert page.status_code == 200
    assert "Restricted" in page.content.decode()


def test_unrestricted_cases_stay_visible_to_every_role(viewer, editor, letters_user):
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    for user in (viewer, editor, letters_user):
        assert cases_visible_to(user).count() == 1


def test_a_hidden_case_cannot_be_chosen_in_the_back_office(client, editor, restricted_case):
    from people.models import Person

    client.force_login(editor)
    response = client.post(
        reverse("admin:casefiles_detention_add"),
        {
            "case": restricted_case.pk,
            "person": Person.objects.get(given_name="Kalyk").pk,
            "measure": "house_arrest",
            "started_on": "2021-07-01",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not restricted_case.detentions.filter(person__given_name="Kalyk").exists()
