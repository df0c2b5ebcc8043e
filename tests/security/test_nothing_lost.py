"""Nothing is lost: kept records refuse deletion everywhere, history keeps its authors,
staff accounts and roles are recorded, and a deleted record comes back with its links."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from casefiles.models import Case, Charge, Event, EventParticipant, Source
from letters.choices import RenderStatus
from letters.models import Letter, LetterVersion
from people.deletion import RecordKept, RestoreError, deletion_refusal, record_restore
from people.models import Alias, Person
from people.roles import ADMINISTRATOR
from tests.conftest import logged_in
from tests.factories import (
    ChargeFactory,
    EventFactory,
    PersonFactory,
    SourceFactory,
)
from tests.foundation.test_admin import admin_url

pytestmark = pytest.mark.django_db

SENT_REFUSAL = "LTR-2021-06-29 was sent on 29 June 2021; a sent letter is kept for good."


@pytest.fixture
def sent_letter(demo) -> Letter:  # noqa: F811
    return Letter.objects.get(reference="LTR-2021-06-29")


@pytest.fixture
def final_version(sent_letter) -> LetterVersion:
    return LetterVersion.objects.create(
        letter=sent_letter,
        number=1,
        content_hash="a" * 64,
        status=RenderStatus.DONE,
        sha256="b" * 64,
        is_final=True,
    )


@pytest.fixture
def superuser(db) -> User:
    from tests.conftest import PASSWORD

    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


# --- A sent letter and its final PDF -------------------------------------------------------


@pytest.mark.parametrize("who", ["letters_user", "administrator", "superuser"])
def test_nobody_can_delete_a_sent_letter_in_the_admin(request, who, sent_letter, final_version):
    client = logged_in(request.getfixturevalue(who))
    change = client.get(admin_url(Letter, "change", sent_letter.pk))
    assert admin_url(Letter, "delete", sent_letter.pk) not in change.content.decode()

    response = client.post(
        admin_url(Letter, "delete", sent_letter.pk), {"post": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert SENT_REFUSAL in response.content.decode()
    assert Letter.objects.filter(pk=sent_letter.pk).exists()


@pytest.mark.parametrize("who", ["letters_user", "administrator"])
def test_nobody_can_delete_a_final_version_in_the_admin(request, who, final_version):
    client = logged_in(request.getfixturevalue(who))
    url = admin_url(LetterVersion, "delete", final_version.pk)
    response = client.post(url, {"post": "yes"}, follow=True)
    assert "Version 1 of LTR-2021-06-29 is a final version" in response.content.decode()
    assert LetterVersion.objects.filter(pk=final_version.pk).exists()


def test_delete_selected_in_the_admin_lists_the_sent_letter_as_kept(administrator, sent_letter):
    client = logged_in(administrator)
    response = client.post(
        admin_url(Letter, "changelist"),
        {"action": "delete_selected", "_selected_action": [sent_letter.pk], "post": "yes"},
    )
    assert SENT_REFUSAL in response.content.decode()
    assert Letter.objects.filter(pk=sent_letter.pk).exists()


def test_the_shell_cannot_delete_a_sent_letter_or_its_final_version(sent_letter):
    # Each refused delete in its own savepoint: the test itself runs in a transaction,
    # which a refusal inside Django's delete would otherwise leave unusable.
    with pytest.raises(RecordKept, match="a sent letter is kept for good"), transaction.atomic():
        Letter.objects.filter(pk=sent_letter.pk).delete()
    with pytest.raises(ProtectedError, match="a sent letter is kept"), transaction.atomic():
        sent_letter.delete()
    assert Letter.objects.filter(pk=sent_letter.pk).exists()


def test_the_shell_cannot_delete_a_final_version(final_version):
    with pytest.raises(ProtectedError, match="is a final version"), transaction.atomic():
        final_version.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        LetterVersion.objects.filter(pk=final_version.pk).delete()
    assert LetterVersion.objects.filter(pk=final_version.pk).exists()


def test_a_letter_once_sent_stays_kept_when_its_status_is_changed_back(sent_letter):
    # No page or service moves a sent letter back (letters.models.refuse_frozen_letter_change
    # refuses it); a row changed in the database directly is kept all the same.
    Letter.objects.filter(pk=sent_letter.pk).update(status="draft")
    sent_letter.refresh_from_db()
    assert deletion_refusal(sent_letter) == SENT_REFUSAL


def test_a_draft_letter_without_versions_can_be_deleted(letters_user):
    from tests.letters.conftest import make_letter

    letter = make_letter()
    letter.delete()
    assert not Letter.objects.filter(pk=letter.pk).exists()


# --- Cited sources ---------------------------------------------------------------------------


def test_a_source_cited_by_facts_and_a_letter_cannot_be_deleted(sent_letter):
    source = Source.objects.get(pk=int(sent_letter.body.split("[^src:")[1].split("]")[0]))
    facts = sum(
        getattr(source, name).count() for name in ("charges", "detentions", "hearings", "events")
    )

    with pytest.raises(RecordKept) as refused, transaction.atomic():
        source.delete()

    assert str(refused.value).endswith(
        f"is cited by {facts} fact{'s' if facts != 1 else ''} and letter LTR-2021-06-29; "
        "remove the citations first."
    ) or str(refused.value).endswith(
        "is cited by letter LTR-2021-06-29; remove the citations first."
    )
    assert Source.objects.filter(pk=source.pk).exists()


def test_a_source_cited_by_three_facts_says_so_in_the_admin(editor):
    source = SourceFactory(title="Azattyq report")
    for _ in range(3):
        ChargeFactory().sources.add(source)
    client = logged_in(editor)

    response = client.post(admin_url(Source, "delete", source.pk), {"post": "yes"}, follow=True)

    assert "“Azattyq report” is cited by 3 facts; remove the citations first." in (
        response.content.decode()
    )
    assert Source.objects.filter(pk=source.pk).exists()
    with pytest.raises(ProtectedError), transaction.atomic():
        Source.objects.filter(pk=source.pk).delete()


def test_a_source_nobody_cites_can_be_deleted():
    source = SourceFactory()
    source.delete()
    assert not Source.objects.filter(pk=source.pk).exists()


# --- Records that facts depend on ------------------------------------------------------------


def test_a_case_with_charges_cannot_be_deleted_and_takes_nothing_with_it():
    charge = ChargeFactory()
    with (
        pytest.raises(RecordKept, match="1 charge.*; delete or move those first"),
        transaction.atomic(),
    ):
        charge.case.delete()
    assert Charge.objects.filter(pk=charge.pk).exists()


def test_a_case_with_facts_is_refused_in_the_admin_with_what_hangs_on_it(editor):
    charge = ChargeFactory()
    client = logged_in(editor)
    response = client.post(admin_url(Case, "delete", charge.case_id), {"post": "yes"}, follow=True)
    assert "1 charge" in response.content.decode()
    assert "delete or move those first" in response.content.decode()
    assert Case.objects.filter(pk=charge.case_id).exists()


def test_a_person_who_is_a_defendant_cannot_be_deleted():
    from tests.factories import HearingFactory

    person = PersonFactory()
    HearingFactory().defendants.add(person)
    with pytest.raises(RecordKept, match="1 hearing"), transaction.atomic():
        person.delete()


# --- Restore ------------------------------------------------------------------------------


def test_an_event_goes_with_its_participants_and_comes_back_with_them(administrator):
    event = EventFactory()
    EventParticipant.objects.create(event=event, person=PersonFactory(), role="victim")
    pk = event.pk
    event.delete()
    assert not EventParticipant.objects.filter(event_id=pk).exists()

    record_restore(history_row=Event.history.get(id=pk, history_type="-"), user=administrator)

    assert EventParticipant.objects.filter(event_id=pk, role="victim").count() == 1


def test_an_administrator_restores_a_deleted_charge_with_its_sources(administrator):
    charge = ChargeFactory()
    sources = [SourceFactory(), SourceFactory()]
    charge.sources.set(sources)
    pk = charge.pk
    charge.delete()
    deletion = Charge.history.get(id=pk, history_type="-")

    restored = record_restore(history_row=deletion, user=administrator)

    assert Charge.objects.get(pk=pk).person_id == restored.person_id
    assert set(Charge.objects.get(pk=pk).sources.all()) == set(sources)
    assert Charge.history.filter(id=pk).first().history_user == administrator


def test_restoring_a_person_brings_back_the_aliases_deleted_with_them(administrator):
    person = PersonFactory(family_name="Mendygazyev")
    Alias.objects.create(person=person, name="Мендыгазиев")
    pk = person.pk
    person.delete()
    assert not Alias.objects.filter(person_id=pk).exists()

    record_restore(history_row=Person.history.get(id=pk, history_type="-"), user=administrator)

    assert list(Alias.objects.filter(person_id=pk).values_list("name", flat=True)) == [
        "Мендыгазиев"
    ]


def test_only_an_administrator_may_restore(editor):
    person = PersonFactory()
    pk = person.pk
    person.delete()
    with pytest.raises(PermissionDenied):
        record_restore(history_row=Person.history.get(id=pk, history_type="-"), user=editor)
    assert not Person.objects.filter(pk=pk).exists()


def test_a_record_whose_case_is_gone_is_not_restored_before_the_case(administrator):
    event = EventFactory()
    case, event_pk = event.case, event.pk
    event.delete()
    case.delete()
    with pytest.raises(RestoreError, match="restore that first"):
        record_restore(
            history_row=Event.history.get(id=event_pk, history_type="-"), user=administrator
        )


def test_the_deleted_records_page_restores_for_administrators_only(administrator, editor):
    charge = ChargeFactory()
    source = SourceFactory()
    charge.sources.add(source)
    pk = charge.pk
    charge.delete()
    url = reverse("deleted_records")
    deletion = Charge.history.get(id=pk, history_type="-")

    assert logged_in(editor).get(url).status_code == 403
    client = logged_in(administrator)
    assert str(deletion.instance) in client.get(url).content.decode()
    response = client.post(
        url, {"model": "casefiles.charge", "history_id": deletion.history_id}, follow=True
    )

    assert "is restored, with its links" in response.content.decode()
    assert list(Charge.objects.get(pk=pk).sources.all()) == [source]


# --- History keeps who did it ------------------------------------------------------------


def test_deleting_a_user_keeps_their_name_in_history(editor, administrator):
    client = logged_in(editor)
    person = PersonFactory()
    response = client.post(
        admin_url(Person, "change", person.pk),
        {
            "given_name": "Bekizhan",
            "family_name": "Mendygazyev",
            "birth_date_precision": "day",
            "aliases-TOTAL_FORMS": 0,
            "aliases-INITIAL_FORMS": 0,
            "positions-TOTAL_FORMS": 0,
            "positions-INITIAL_FORMS": 0,
            "relationships-TOTAL_FORMS": 0,
            "relationships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    editor.delete()

    row = Person.history.filter(id=person.pk).first()
    assert row.history_user is None
    assert row.history_username == "eddie_editor"
    page = logged_in(administrator).get(admin_url(Person, "history", person.pk))
    assert "eddie_editor (account deleted)" in page.content.decode()


def test_every_history_table_keeps_the_authors_name():
    from django.apps import apps

    historical = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    missing = [
        m._meta.label
        for m in historical
        if "_" not in m.__name__ and not any(f.name == "history_username" for f in m._meta.fields)
    ]
    assert historical and missing == []


# --- Staff accounts and roles are recorded ----------------------------------------------


def test_adding_a_user_to_the_administrators_through_the_admin_is_recorded(administrator):
    newcomer = User.objects.create_user("nina_new", password="x-long-password-1")
    client = logged_in(administrator)
    page = client.get(admin_url(User, "change", newcomer.pk))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name not in ("password", "groups", "user_permissions", "last_login", "date_joined")
        and value is not None
    }
    data.update(
        {
            "groups": [Group.objects.get(name=ADMINISTRATOR).pk],
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "10:00:00",
        }
    )

    response = client.post(admin_url(User, "change", newcomer.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = User.history.filter(id=newcomer.pk).first()
    assert [g.group_id for g in latest.groups.all()] == [Group.objects.get(name=ADMINISTRATOR).pk]
    assert latest.history_user == administrator
    assert latest.history_username == "ada_admin"
    history_page = client.get(admin_url(User, "history", newcomer.pk))
    assert history_page.status_code == 200


def test_user_history_never_holds_the_password_hash():
    user = User.objects.create_user("pat", password="first-password-123")
    user.set_password("second-password-456")
    user.save()
    history_fields = {f.name for f in User.history.model._meta.fields}
    assert "password" not in history_fields
    assert User.history.filter(id=user.pk).count() == 2


def test_a_roles_permissions_changes_are_recorded():
    group = Group.objects.create(name="Interns")
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="view_case"))
    latest = Group.history.filter(id=group.pk).first()
    assert [p.permission.codename for p in latest.permissions.all()] == ["view_case"]
