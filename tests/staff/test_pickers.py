"""Court and authority pickers offer the case's own country first; so do the places of detention
suggested under a detention's facility."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from people.choices import OrganisationKind
from tests.factories import CaseFactory, DetentionFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _optgroups(html: str) -> list[tuple[str, list[str]]]:
    # The sentence chain page's first row is named steps-0-court.
    select = re.search(r'<select name="(?:steps-0-)?court".*?</select>', html, re.S).group(0)
    return [
        (label, re.findall(r"<option[^>]*>([^<]*)</option>", body))
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    ]


@pytest.mark.parametrize("page", ["staff:hearing_log", "staff:sentence_step_log"])
def test_the_courts_of_the_cases_country_come_first(editor_client, page):
    case = CaseFactory(country="UZ")
    OrganisationFactory(name="Almaty City Court", kind=OrganisationKind.COURT, country="KZ")
    OrganisationFactory(name="Tashkent City Court", kind=OrganisationKind.COURT, country="UZ")
    OrganisationFactory(name="Ministry of Culture", kind=OrganisationKind.MINISTRY, country="UZ")

    response = editor_client.get(reverse(page, args=[case.pk]))

    groups = _optgroups(response.content.decode())
    assert [label for label, _ in groups] == ["Uzbekistan", "Elsewhere"]
    assert any("Tashkent City Court" in name for name in groups[0][1])
    assert any("Almaty City Court" in name for name in groups[1][1])
    assert "Ministry of Culture" not in response.content.decode()


def test_a_court_of_another_country_may_still_be_chosen(editor_client):
    case = CaseFactory(country="UZ")
    court = OrganisationFactory(name="Almaty City Court", kind=OrganisationKind.COURT, country="KZ")

    response = editor_client.post(
        reverse("staff:hearing_log", args=[case.pk]),
        {"held_on": "2021-06-05", "kind": "trial", "court": court.pk},
    )

    assert response.status_code == 302
    assert case.hearings.get().court == court


def _suggestions(html: str) -> list[str]:
    datalist = re.search(r'<datalist id="facility-suggestions">(.*?)</datalist>', html, re.S)
    return re.findall(r'<option value="([^"]*)">', datalist.group(1)) if datalist else []


@pytest.mark.parametrize("page", ["staff:detention_log", "staff:detention_edit"])
def test_places_of_detention_already_recorded_are_suggested_the_cases_country_first(
    editor_client, page
):
    case = CaseFactory(country="UZ")
    DetentionFactory(case=CaseFactory(country="KZ"), facility="SIZO-1, Almaty")
    DetentionFactory(case=CaseFactory(country="UZ"), facility="Prison colony 64/49, Navoi")
    DetentionFactory(case=CaseFactory(country="UZ", restricted=True), facility="Jaslyk prison")
    own = DetentionFactory(case=case, facility="")

    target = case.pk if page == "staff:detention_log" else own.pk
    response = editor_client.get(reverse(page, args=[target]))

    html = response.content.decode()
    assert 'list="facility-suggestions"' in html
    # The case's country first; a place recorded only in a case the user may not see is
    # not suggested (its name alone says where a restricted case's prisoner is held).
    assert _suggestions(html) == ["Prison colony 64/49, Navoi", "SIZO-1, Almaty"]
