"""The Django admin is the back office: it loads for every model, asks for a login, and
respects each role, the health-data permission and the change history."""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from casefiles.models import ApiToken, CalendarFeed, ImportRun
from casefiles.services import calendar_feed_issue
from casefiles.services.api_tokens import api_token_create
from letters.models import Letter, LetterVersion, Reply
from people.models import HealthCondition, Organisation, Person
from tests.conftest import login_verified
from tests.letters.invitation_records import invitation_on

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (
        model
        for model in admin.site._registry
        if model._meta.app_label in {"people", "casefiles", "letters"}
    ),
    key=lambda m: m._meta.label,
)


@pytest.fixture
def demo(db):
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    letter = Letter.objects.get()
    LetterVersion.objects.create(letter=letter, number=1, content_hash="0" * 64)
    Reply.objects.create(
        letter=letter,
        received_on=datetime.date(2021, 7, 20),
        summary="Acknowledgement of receipt from the Presidential Administration.",
    )
    invitation_on(letter)  # an invitation to sign and its first event


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict:
    """The POST a browser would send back from an admin change page, unchanged."""
    data: dict = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_every_model_of_the_three_apps_is_in_the_admin():
    ours = {
        m
        for m in apps.get_models()
        if m._meta.app_label in {"people", "casefiles", "letters"}
        and not m.__name__.startswith("Historical")
    }
    assert ours == set(REGISTERED)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_an_editor_can_open_the_list_and_a_change_page(client, editor, health_editor, demo, model):
    # Health conditions need their own permission (tested below).
    if model is HealthCondition:
        login_verified(client, health_editor)
    else:
        client.force_login(editor)
    listing = client.get(admin_url(model, "changelist"))
    assert listing.status_code == 200
    obj = model._default_manager.first()
    if model is CalendarFeed:  # a feed is its user's own (tests/security/test_limits.py)
        obj, _ = calendar_feed_issue(user=editor)
    if model is ApiToken:  # a token is its user's own too
        obj, _ = api_token_create(user=editor, name="website list")
    if model is ImportRun:  # a run is its uploader's own
        obj = ImportRun.objects.create(
            user=editor, username=editor.username, kind="persons", file_name="prisoners.csv"
        )
    assert obj is not None, f"the demo has no {model._meta.verbose_name}"
    detail = client.get(admin_url(model, "change", obj.pk))
    assert detail.status_code == 200
    assert escape(str(obj))[:20] in detail.content.decode()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, model):
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_site_root_asks_for_a_login(client):
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert 'name="password"' in response.content.decode()


def test_a_viewer_sees_records_but_cannot_change_them(client, viewer, demo):
    client.force_login(viewer)
    person = Person.objects.get(given_name="Bekizhan")
    url = admin_url(Person, "change", person.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(url, {"given_name": "Changed", "family_name": "Changed"})
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.given_name == "Bekizhan"
    assert client.post(admin_url(Person, "delete", person.pk), {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()
    assert client.get(admin_url(Organisation, "add")).status_code == 403


def test_an_editor_cannot_change_letters_but_the_letters_role_can(
    client, editor, letters_user, demo
):
    letter = Letter.objects.get()
    client.force_login(editor)
    assert client.get(admin_url(Letter, "add")).status_code == 403
    assert client.post(admin_url(Letter, "delete", letter.pk), {"post": "yes"}).status_code == 403
    client.force_login(letters_user)
    assert client.get(admin_url(Letter, "add")).status_code == 200


def test_health_conditions_are_hidden_without_their_permission(client, editor, health_editor, demo):
    person = Person.objects.get(given_name="Bekizhan")
    url = admin_url(Person, "change", person.pk)
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "hepatitis" not in page.lower()
    assert client.get(admin_url(HealthCondition, "changelist")).status_code == 403
    login_verified(client, health_editor)
    page = client.get(url).content.decode()
    assert "Chronic hepatitis C" in page
    assert client.get(admin_url(HealthCondition, "changelist")).status_code == 200


def test_a_change_made_in_the_admin_is_in_the_history_with_its_author(client, editor, demo):
    client.force_login(editor)
    person = Person.objects.get(given_name="Bekizhan")
    url = admin_url(Person, "change", person.pk)
    data = form_data(client.get(url))
    data["residence"] = "Pretrial detention centre, Uralsk"
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    person.refresh_from_db()
    assert person.residence == "Pretrial detention centre, Uralsk"
    latest = person.history.first()
    assert latest.history_user == editor
    assert latest.history_type == "~"
    assert latest.diff_against(latest.prev_record).changed_fields == ["residence"]
    history_page = client.get(admin_url(Person, "history", person.pk)).content.decode()
    assert editor.username in history_page


def test_an_editors_change_to_health_data_via_the_person_page_is_impossible(client, editor, demo):
    """The hidden health inline must not be writable by posting its fields anyway."""
    client.force_login(editor)
    person = Person.objects.get(given_name="Kalyk")
    url = admin_url(Person, "change", person.pk)
    data = form_data(client.get(url))
    data.update(
        {
            "health_conditions-TOTAL_FORMS": "1",
            "health_conditions-INITIAL_FORMS": "0",
            "health_conditions-0-condition": "Injected",
            "health_conditions-0-person": str(person.pk),
        }
    )
    client.post(url, data)
    assert not HealthCondition.objects.filter(condition="Injected").exists()


def test_a_detention_entered_in_the_admin_gets_its_planned_end_from_the_term(client, editor, demo):
    from casefiles.models import Case, Detention

    client.force_login(editor)
    case = Case.objects.get()
    kalyk = Person.objects.get(given_name="Kalyk")
    response = client.post(
        admin_url(Detention, "add"),
        {
            "case": case.pk,
            "person": kalyk.pk,
            "measure": "house_arrest",
            "started_on": "2021-01-31",
            "term_length": "1",
            "term_unit": "months",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    detention = Detention.objects.get(person=kalyk)
    assert detention.planned_end == datetime.date(2021, 2, 28)
    assert detention.history.first().history_user == editor
