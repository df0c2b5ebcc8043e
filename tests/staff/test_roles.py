"""Every staff page needs a login and the right role; a Viewer sees no edit buttons and
cannot post; health data only with people.view_healthcondition."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from casefiles.models import Detention, Hearing
from tests.factories import HealthConditionFactory
from tests.staff.conftest import logged_in

pytestmark = pytest.mark.django_db


def _pages(demo) -> list[str]:
    case, person = demo.case.pk, demo.persons["bekizhan"].pk
    return [
        reverse("staff:dashboard"),
        reverse("staff:case_list"),
        reverse("staff:case_list") + "?format=csv",
        reverse("staff:case_detail", args=[case]),
        reverse("staff:case_brief", args=[case]),
        reverse("staff:person_detail", args=[person]),
        reverse("staff:search") + "?q=Mendygazyev",
        reverse("staff:person_picker") + "?q=Mendygazyev",
        reverse("staff:calendar"),
    ]


def _forms(demo) -> list[str]:
    return [
        reverse("staff:detention_log", args=[demo.case.pk]),
        reverse("staff:hearing_log", args=[demo.case.pk]),
    ]


def test_anonymous_users_are_sent_to_the_login_page_from_every_page(demo):
    client = Client()
    for url in _pages(demo) + _forms(demo):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_anonymous_posts_to_the_forms_change_nothing(demo):
    hearings = Hearing.objects.count()
    for url in _forms(demo):
        response = Client().post(url, {"held_on": "2021-07-30", "kind": "trial"})
        assert response.status_code == 302
    assert Hearing.objects.count() == hearings


def test_a_user_in_no_role_is_refused_every_page(demo, outsider_client):
    for url in _pages(demo) + _forms(demo):
        assert outsider_client.get(url).status_code == 403, url


def test_a_viewer_reads_every_page(demo, viewer_client):
    for url in _pages(demo):
        assert viewer_client.get(url).status_code == 200, url


def test_a_viewer_sees_no_edit_buttons(demo, viewer_client):
    for url in [u for u in _pages(demo) if "format=csv" not in u and "picker" not in u]:
        page = viewer_client.get(url).content.decode()
        assert "/detentions/new/" not in page, url
        assert "/hearings/new/" not in page, url


def test_an_editor_sees_the_log_buttons_on_the_case_page(demo, editor_client):
    page = editor_client.get(reverse("staff:case_detail", args=[demo.case.pk])).content.decode()
    assert "Log hearing" in page and "Log detention" in page


def test_a_viewer_cannot_open_or_post_the_logging_forms(demo, viewer_client):
    before = Detention.objects.count()
    hearings = Hearing.objects.count()
    for url in _forms(demo):
        assert viewer_client.get(url).status_code == 403
        response = viewer_client.post(
            url,
            {
                "person": demo.persons["bekizhan"].pk,
                "measure": "pretrial",
                "started_on": "2021-06-05",
                "held_on": "2021-07-30",
                "kind": "trial",
            },
        )
        assert response.status_code == 403
    assert Detention.objects.count() == before
    assert Hearing.objects.count() == hearings


def test_an_editor_can_open_both_forms(demo, editor_client):
    for url in _forms(demo):
        assert editor_client.get(url).status_code == 200


def test_health_conditions_show_only_to_users_with_the_health_permission(
    demo, viewer, editor, health_editor
):
    url = reverse("staff:person_detail", args=[demo.persons["bekizhan"].pk])
    for user in (viewer, editor):
        page = logged_in(user).get(url).content.decode()
        assert "hepatitis" not in page.lower(), user
        assert "Health" not in page
    page = logged_in(health_editor).get(url).content.decode()
    assert "hepatitis" in page.lower()


def test_names_and_notes_are_escaped(demo, health_editor):
    person = demo.persons["bekizhan"]
    HealthConditionFactory(person=person, condition="<script>alert(1)</script>")
    person.notes = '<img src=x onerror="alert(1)">'
    person.save()
    page = logged_in(health_editor).get(reverse("staff:person_detail", args=[person.pk]))
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_the_picker_refuses_users_without_person_access(demo, outsider_client):
    assert outsider_client.get(reverse("staff:person_picker"), {"q": "Men"}).status_code == 403


def test_the_person_page_shows_the_circle_once_per_tie_and_marks_the_targeted(demo, viewer_client):
    response = viewer_client.get(reverse("staff:person_detail", args=[demo.persons["barlyk"].pk]))
    ties = [(tie.person.name, tie.kind, tie.targeted) for tie in response.context["ties"]]
    assert ties.count(("Bekizhan Mendygazyev", "brother", True)) == 1
    assert len(ties) == len(set(ties))


def test_a_source_with_a_javascript_url_is_shown_unlinked(viewer_client):
    from casefiles.models import Source
    from tests.factories import EventFactory

    event = EventFactory()
    Source.objects.bulk_create([Source(url="javascript:alert(1)", title="Hostile source")])
    event.sources.add(Source.objects.get(title="Hostile source"))
    page = viewer_client.get(reverse("staff:case_detail", args=[event.case.pk])).content.decode()
    assert "Hostile source" in page
    assert "javascript:alert" not in page
