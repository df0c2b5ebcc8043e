"""One visibility rule everywhere: a restricted case, its facts, its letters, the sources only
its facts cite and the persons who appear only in it are hidden from staff not assigned to it
— on the staff pages, in the back office (history included) and in downloads — and a hidden
record answers exactly like a missing one."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse

from casefiles.models import Case, CaseParty, Charge, Detention, Source
from casefiles.selectors import cases_visible_to
from letters.models import Letter, LetterSignatory
from people.models import HealthCondition, Organisation, Person
from tests.conftest import logged_in
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(demo) -> Case:
    """The demo case, restricted, with an uploaded source cited only by its facts."""
    case = demo.case
    case.restricted = True
    case.save()
    source = Source(title="Leaked interrogation record")
    source.file.save("record.txt", ContentFile(b"interrogation notes"))  # saves the row too
    Charge.objects.filter(case=case).first().sources.add(source)
    return case


@pytest.fixture
def open_case(db) -> Case:
    return CaseFactory(reference="KZ-OPEN-1", restricted=False)


def _bekizhan() -> Person:
    return Person.objects.get(given_name="Bekizhan")


def test_the_rule_hides_the_restricted_cases_persons_sources_and_letters(
    restricted, editor, administrator
):
    source = Source.objects.get(title="Leaked interrogation record")
    assert not Case.objects.visible_to(editor).filter(pk=restricted.pk).exists()
    assert not Person.objects.visible_to(editor).filter(pk=_bekizhan().pk).exists()
    assert not Source.objects.visible_to(editor).filter(pk=source.pk).exists()
    assert not Letter.objects.visible_to(editor).exists()
    assert not LetterSignatory.objects.visible_to(editor).exists()
    assert not Detention.objects.visible_to(editor).exists()
    # Administrators see everything; assigned staff see their case and what is in it.
    assert Person.objects.visible_to(administrator).filter(pk=_bekizhan().pk).exists()
    restricted.assigned_staff.add(editor)
    assert Source.objects.visible_to(editor).filter(pk=source.pk).exists()
    assert Person.objects.visible_to(editor).filter(pk=_bekizhan().pk).exists()


def test_a_person_or_source_also_in_an_open_case_stays_visible(restricted, open_case, editor):
    bekizhan = _bekizhan()
    CaseParty.objects.create(case=open_case, person=bekizhan, role="activist")
    assert Person.objects.visible_to(editor).filter(pk=bekizhan.pk).exists()
    # Persons and organisations in no case at all (MEPs, ministries) are visible to all.
    mep = PersonFactory(family_name="Auštrevičius")
    assert Person.objects.visible_to(editor).filter(pk=mep.pk).exists()
    ministry = Organisation.objects.create(name="Ministry of Foreign Affairs", kind="ministry")
    assert Organisation.objects.visible_to(editor).filter(pk=ministry.pk).exists()
    # ...while one that appears only in the restricted case is hidden with it.
    assert not Organisation.objects.visible_to(editor).filter(name="European Parliament").exists()
    source = Source.objects.get(title="Leaked interrogation record")
    open_detention = Detention.objects.create(
        case=open_case,
        person=bekizhan,
        measure="house_arrest",
        started_on=datetime.date(2022, 1, 1),
    )
    open_detention.sources.add(source)
    assert Source.objects.visible_to(editor).filter(pk=source.pk).exists()


def test_staff_pages_answer_404_for_hidden_persons_and_sources(restricted, editor):
    client = logged_in(editor)
    bekizhan = _bekizhan()
    source = Source.objects.get(title="Leaked interrogation record")
    assert client.get(reverse("staff:person_detail", args=[bekizhan.pk])).status_code == 404
    missing = Person.objects.order_by("-pk").first().pk + 1000
    assert client.get(reverse("staff:person_detail", args=[missing])).status_code == 404
    assert client.get(reverse("staff:source_file", args=[source.pk])).status_code == 404
    search = client.get(reverse("staff:search"), {"q": "Mendygazyev"}).content.decode()
    assert "Bekizhan" not in search
    picker = client.get(reverse("staff:person_picker"), {"q": "Mendygazyev"}).json()
    assert picker["results"] == []


def test_a_health_data_user_not_assigned_sees_no_health_of_hidden_persons(
    restricted, health_editor
):
    assert HealthCondition.objects.exists()
    assert not HealthCondition.objects.visible_to(health_editor).exists()
    client = logged_in(health_editor)
    changelist = client.get(reverse("admin:people_healthcondition_changelist"))
    assert changelist.context["cl"].result_count == 0
    assert "hepatitis" not in changelist.content.decode().lower()


def test_back_office_lists_and_autocomplete_hide_restricted_sources_and_persons(restricted, editor):
    client = logged_in(editor)
    sources = client.get(reverse("admin:casefiles_source_changelist")).content.decode()
    assert "Leaked interrogation record" not in sources
    persons = client.get(reverse("admin:people_person_changelist"), {"q": "Mendygazyev"})
    assert persons.context["cl"].result_count == 0
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "casefiles",
            "model_name": "charge",
            "field_name": "sources",
            "term": "Leaked",
        },
    )
    assert autocomplete.status_code == 200
    assert autocomplete.json()["results"] == []


def test_a_viewer_gets_404_on_history_pages_of_a_restricted_case(restricted, viewer):
    client = logged_in(viewer)
    row = restricted.history.first()
    history = reverse("admin:casefiles_case_history", args=[restricted.pk])
    version = reverse("admin:casefiles_case_simple_history", args=[restricted.pk, row.history_id])
    assert client.get(history).status_code == 404
    assert client.get(version).status_code == 404
    response = client.post(version, {"restricted": "", "reference": "X", "title": "X"})
    assert response.status_code == 404
    restricted.refresh_from_db()
    assert (
        restricted.restricted
        and restricted.reference == "KZ-2021-MENDYGAZYEV"
        or (restricted.restricted)
    )


def test_no_post_to_a_history_page_changes_anything_even_for_an_administrator(
    demo, viewer, administrator
):
    case = demo.case
    row = case.history.first()
    version = reverse("admin:casefiles_case_simple_history", args=[case.pk, row.history_id])
    before = (Case.history.count(), Case.objects.values().get(pk=case.pk))
    for user in (viewer, administrator):
        client = logged_in(user)
        response = client.post(
            version, {"reference": "HIJACKED", "title": "x", "country": "KZ", "restricted": "on"}
        )
        assert response.status_code == 405
    assert (Case.history.count(), Case.objects.values().get(pk=case.pk)) == before
    # Reading history stays possible for those who may see the case.
    assert logged_in(viewer).get(version).status_code == 200


def test_history_of_a_deleted_record_is_shown_only_to_those_who_see_everything(
    open_case, viewer, administrator
):
    pk = open_case.pk
    open_case.delete()
    history = reverse("admin:casefiles_case_history", args=[pk])
    assert logged_in(viewer).get(history).status_code == 404
    assert logged_in(administrator).get(history).status_code == 200


def test_the_view_on_site_shortcut_answers_404_for_a_hidden_record_as_for_a_missing_one(
    restricted, editor, administrator
):
    client = logged_in(editor)
    content_type = ContentType.objects.get_for_model(Case)
    hidden = client.get(f"/admin/r/{content_type.pk}/{restricted.pk}/")
    missing = client.get(f"/admin/r/{content_type.pk}/{restricted.pk + 999}/")
    assert hidden.status_code == missing.status_code == 404
    assert (
        logged_in(administrator).get(f"/admin/r/{content_type.pk}/{restricted.pk}/").status_code
        == 302
    )


def test_media_is_never_served_and_downloads_cannot_run_in_our_origin(restricted, administrator):
    source = Source.objects.get(title="Leaked interrogation record")
    client = logged_in(administrator)
    assert client.get(f"/media/{source.file.name}").status_code == 404
    response = client.get(reverse("staff:source_file", args=[source.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"interrogation notes"


def test_a_hidden_person_cannot_be_posted_into_an_open_cases_form(restricted, open_case, editor):
    bekizhan = _bekizhan()
    client = logged_in(editor)
    response = client.post(
        reverse("staff:detention_log", args=[open_case.pk]),
        {"person": bekizhan.pk, "measure": "pretrial", "started_on": "2022-01-01"},
    )
    assert response.status_code == 400
    assert "Bekizhan" not in response.content.decode()
    assert not Detention.objects.filter(case=open_case).exists()


def test_the_back_office_refuses_a_detention_of_a_non_party_and_one_starting_in_the_future(
    open_case, administrator
):
    client = logged_in(administrator)
    outsider = PersonFactory(family_name="Outsider")
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    for person, started_on, message in (
        (outsider, "2022-01-01", "not a party to case KZ-OPEN-1"),
        (None, future, "has not started yet"),
    ):
        if person is None:
            person = PersonFactory(family_name="Party")
            CaseParty.objects.create(case=open_case, person=person, role="defendant")
        response = client.post(
            reverse("admin:casefiles_detention_add"),
            {
                "case": open_case.pk,
                "person": person.pk,
                "measure": "house_arrest",
                "started_on": started_on,
            },
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not Detention.objects.filter(case=open_case).exists()


def test_the_back_office_adds_no_signatory_to_a_sent_letter(demo, administrator):
    letter = Letter.objects.get()
    client = logged_in(administrator)
    before = letter.signatories.count()
    response = client.post(
        reverse("admin:letters_lettersignatory_add"),
        {"letter": letter.pk, "person": PersonFactory().pk, "order": 9, "signs_as": "MEP"},
    )
    assert response.status_code == 200
    assert "is sent; its signatories can no longer change" in response.content.decode()
    assert letter.signatories.count() == before


def test_the_selector_and_the_model_rule_agree(restricted, editor):
    assert list(cases_visible_to(editor)) == list(Case.objects.visible_to(editor))


def test_an_editor_who_opens_a_restricted_case_is_assigned_and_still_sees_it(editor):
    client = logged_in(editor)
    url = reverse("admin:casefiles_case_add")
    data = {
        "reference": "UZ-2024-NEW",
        "title": "A lawyer arrested in Tashkent",
        "country": "UZ",
        "status": "active",
        "opened_on": "2024-03-01",
        "restricted": "on",
    }
    for inline in client.get(url).context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = client.post(url, data)
    assert response.status_code == 302
    case = Case.objects.get(reference="UZ-2024-NEW")
    assert case.restricted
    assert list(case.assigned_staff.all()) == [editor]
    assert logged_in(editor).get(reverse("staff:case_detail", args=[case.pk])).status_code == 200
