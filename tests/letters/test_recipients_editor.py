"""The letter page as the editor of its recipients and signatories: find them across scripts,
add them with their address or signature line, reorder, edit, remove — never on a final or
sent letter, never on a letter one may not see, never by a Viewer."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from letters.choices import LetterStatus, RecipientKind, SigningStatus
from letters.models import LetterRecipient, LetterSignatory
from letters.services_recipients import (
    recipient_add,
    recipient_move,
    recipient_update,
    signatory_add,
    signatory_move,
)
from people.models import Organisation, Person, Position
from people.roles import EDITOR, LETTERS
from tests.conftest import make_user, password_login
from tests.factories import (
    CaseFactory,
    CasePartyFactory,
    OrganisationFactory,
    PersonFactory,
    PositionFactory,
)
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(db):
    return make_letter(signed=False)


@pytest.fixture
def prosecutor(db) -> Position:
    person = PersonFactory(
        title="Mr",
        given_name="Berik",
        family_name="Asylov",
        name_original="Берік Асылов",
    )
    return PositionFactory(
        person=person,
        organisation=OrganisationFactory(name="General Prosecutor's Office"),
        title="Prosecutor General of the Republic of Kazakhstan",
        honorific="H.E.",
        postal_address="14 Mangilik El Avenue\nAstana 010000",
        emails="office@prokuror.example.kz",
    )


@pytest.fixture
def mep(db) -> Person:
    person = PersonFactory(given_name="Petras", family_name="Auštrevičius")
    group = OrganisationFactory(name="Renew Europe Group", abbreviation="Renew", country="")
    PositionFactory(
        person=person,
        organisation=group,
        title="Member of the European Parliament",
        title_abbreviation="MEP",
        represents_country="LT",
        started_on=datetime.date(2014, 7, 1),
        ended_on=datetime.date(2019, 7, 1),
    )
    PositionFactory(
        person=person,
        organisation=group,
        title="Member of the European Parliament",
        title_abbreviation="MEP",
        represents_country="LT",
        honorific="Vice-Chair",
        started_on=datetime.date(2019, 7, 2),
    )
    return person


def as_user(client, user):
    return password_login(client, user)


def page(client, letter) -> str:
    return client.get(reverse("letters:detail", args=[letter.pk])).content.decode()


def cc_titles(letter) -> list[str]:
    return list(
        letter.recipients.filter(kind=RecipientKind.CC)
        .order_by("order")
        .values_list("title_line", flat=True)
    )


# --- Recipients ---------------------------------------------------------------------------


def test_the_picker_finds_a_position_by_a_name_in_another_script(
    client, letters_user, draft, prosecutor
):
    client = as_user(client, letters_user)
    url = reverse("letters:picker", args=[draft.pk])
    for typed in ("Асылов", "Asylov", "prosecutor general"):
        html = client.get(url, {"q": typed, "for": "recipient"}).content.decode()
        assert "Prosecutor General of the Republic of Kazakhstan" in html, typed
        assert f'name="position" value="{prosecutor.pk}"' in html


def test_the_picker_fragment_is_served_to_the_page_script(client, letters_user, draft, prosecutor):
    client = as_user(client, letters_user)
    response = client.get(
        reverse("letters:picker", args=[draft.pk]),
        {"q": "Asylov"},
        headers={"X-Requested-With": "fetch"},
    )
    html = response.content.decode()
    assert "Add as addressee" in html and "<html" not in html


def test_a_recipient_added_from_a_position_shows_on_the_page_with_its_address(
    client, letters_user, draft, prosecutor
):
    client = as_user(client, letters_user)
    response = client.post(
        reverse("letters:recipient_add", args=[draft.pk]),
        {"position": prosecutor.pk, "kind": RecipientKind.CC},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#recipients")
    html = page(client, draft)
    assert "Prosecutor General of the Republic of Kazakhstan" in html
    for line in ("H.E. Berik Asylov", "14 Mangilik El Avenue", "office@prokuror.example.kz"):
        assert line in html
    recipient = draft.recipients.get(position=prosecutor)
    assert recipient.order == 2  # after the two already there


def test_the_address_copied_from_a_position_can_be_edited_for_this_letter(
    client, letters_user, draft, prosecutor
):
    recipient = recipient_add(letter=draft, kind=RecipientKind.CC, position=prosecutor)
    client = as_user(client, letters_user)
    response = client.post(
        reverse("letters:recipient_edit", args=[recipient.pk]),
        {
            "kind": RecipientKind.CC,
            "title_line": "The Prosecutor General",
            "address_block": "H.E. Berik Asylov\nBy email only",
        },
    )
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.address_lines == ["H.E. Berik Asylov", "By email only"]
    prosecutor.refresh_from_db()
    assert prosecutor.postal_address.startswith("14 Mangilik")  # the position is untouched


def test_a_second_addressee_is_refused_with_the_reason(client, letters_user, draft, prosecutor):
    client = as_user(client, letters_user)
    response = client.post(
        reverse("letters:recipient_add", args=[draft.pk]),
        {"position": prosecutor.pk, "kind": RecipientKind.ADDRESSEE},
        follow=True,
    )
    assert "A letter has one addressee" in response.content.decode()
    assert draft.recipients.filter(kind=RecipientKind.ADDRESSEE).count() == 1


def test_copies_move_up_and_down_and_the_page_prints_them_in_that_order(
    client, letters_user, draft, prosecutor
):
    recipient_add(letter=draft, kind=RecipientKind.CC, position=prosecutor)
    assert cc_titles(draft) == ["The Minister", prosecutor.title]
    client = as_user(client, letters_user)
    moved = draft.recipients.get(position=prosecutor)
    client.post(reverse("letters:recipient_move", args=[moved.pk]), {"direction": "up"})
    assert cc_titles(draft) == [prosecutor.title, "The Minister"]
    html = page(client, draft)
    assert html.index(prosecutor.title) < html.index("The Minister")
    client.post(reverse("letters:recipient_move", args=[moved.pk]), {"direction": "down"})
    assert cc_titles(draft) == ["The Minister", prosecutor.title]


def test_moving_the_last_copy_down_leaves_the_order_as_it_was(draft):
    last = draft.recipients.get(title_line="The Minister")
    recipient_move(recipient=last, direction="down")
    assert cc_titles(draft) == ["The Minister"]


def test_a_recipient_is_removed_and_the_rest_close_ranks(client, letters_user, draft, prosecutor):
    recipient_add(letter=draft, kind=RecipientKind.CC, position=prosecutor)
    client = as_user(client, letters_user)
    minister = draft.recipients.get(title_line="The Minister")
    client.post(reverse("letters:recipient_remove", args=[minister.pk]))
    assert cc_titles(draft) == [prosecutor.title]
    assert draft.recipients.get(position=prosecutor).order == 0


def test_a_new_recipient_is_recorded_with_person_organisation_and_position(client, draft):
    user = make_user("ella_editor_letters", EDITOR, LETTERS)
    client = as_user(client, user)
    url = reverse("letters:recipient_new", args=[draft.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": RecipientKind.CC,
            "person_title": "Ms",
            "given_name": "Aigerim",
            "family_name": "Tleuzhan",
            "name_original": "Айгерім Тлеужан",
            "organisation_name": "Ministry of Foreign Affairs",
            "organisation_kind": "ministry",
            "organisation_country": "KZ",
            "position_title": "Deputy Minister of Foreign Affairs",
            "honorific": "H.E.",
            "postal_address": "31 Kunayev Street\nAstana",
            "emails": "mfa@example.kz",
        },
    )
    assert response.status_code == 302
    position = Position.objects.get(title="Deputy Minister of Foreign Affairs")
    assert position.person.name_original == "Айгерім Тлеужан"
    assert position.organisation.name == "Ministry of Foreign Affairs"
    recipient = draft.recipients.get(position=position)
    assert recipient.address_lines == [
        "H.E. Aigerim Tleuzhan",
        "31 Kunayev Street",
        "Astana",
        "mfa@example.kz",
    ]
    # Recorded for later letters too: the cross-script search knows her.
    html = client.get(reverse("letters:picker", args=[draft.pk]), {"q": "Тлеужан"}).content.decode()
    assert "Deputy Minister of Foreign Affairs" in html


def test_a_new_recipient_with_a_bad_email_is_refused_field_by_field_and_nothing_is_kept(
    client, draft
):
    client = as_user(client, make_user("ella_editor_letters", EDITOR, LETTERS))
    response = client.post(
        reverse("letters:recipient_new", args=[draft.pk]),
        {
            "kind": RecipientKind.CC,
            "family_name": "Tleuzhan",
            "organisation_name": "Ministry of Foreign Affairs",
            "organisation_kind": "ministry",
            "position_title": "Deputy Minister",
            "emails": "not an address",
        },
    )
    assert response.status_code == 200
    assert "is not a valid email address" in response.content.decode()
    assert not Person.objects.filter(family_name="Tleuzhan").exists()
    assert not Organisation.objects.filter(name="Ministry of Foreign Affairs").exists()


# --- Signatories --------------------------------------------------------------------------


def test_a_signatory_signs_as_the_position_valid_on_the_letters_date(
    client, letters_user, draft, mep
):
    client = as_user(client, letters_user)
    html = client.get(
        reverse("letters:picker", args=[draft.pk]), {"q": "Austrevicius", "for": "signatory"}
    ).content.decode()
    assert "Petras AUŠTREVIČIUS" in html and "MEP (Renew; Lithuania)" in html
    client.post(reverse("letters:signatory_add", args=[draft.pk]), {"person": mep.pk})
    signatory = draft.signatories.get(person=mep)
    assert signatory.signs_as == "MEP (Renew; Lithuania)"
    assert signatory.position.started_on == datetime.date(2019, 7, 2)  # not the 2014 term
    assert signatory.status == SigningStatus.INVITED and signatory.order == 2
    assert "MEP (Renew; Lithuania)" in page(client, draft)


def test_a_letter_dated_in_an_earlier_term_takes_that_terms_position(mep):
    letter = make_letter(signed=False)
    letter.dated_on = datetime.date(2018, 5, 1)
    letter.save()
    signatory = signatory_add(letter=letter, person=mep)
    assert signatory.position.started_on == datetime.date(2014, 7, 1)


def test_a_signatory_line_is_edited_and_signatories_reorder(client, letters_user, draft):
    client = as_user(client, letters_user)
    first, second = draft.signatories.order_by("order")
    client.post(
        reverse("letters:signatory_edit", args=[second.pk]),
        {"signs_as": "MEP (EPP Group; Poland)"},
    )
    client.post(reverse("letters:signatory_move", args=[second.pk]), {"direction": "up"})
    assert list(draft.signatories.order_by("order").values_list("pk", "signs_as")) == [
        (second.pk, "MEP (EPP Group; Poland)"),
        (first.pk, "MEP (Group; Country)"),
    ]


def test_the_line_of_a_signatory_who_has_signed_stays_as_signed(letter):
    signed = letter.signatories.first()
    letter.status = LetterStatus.COLLECTING
    letter.save()
    with pytest.raises(ValidationError) as refusal:
        from letters.services_recipients import signatory_update

        signatory_update(signatory=signed, signs_as="Somebody else")
    assert "has signed" in str(refusal.value)


def test_a_signatory_is_removed(client, letters_user, draft):
    client = as_user(client, letters_user)
    first = draft.signatories.order_by("order").first()
    client.post(reverse("letters:signatory_remove", args=[first.pk]))
    assert list(draft.signatories.values_list("order", flat=True)) == [0]
    assert not LetterSignatory.objects.filter(pk=first.pk).exists()


# --- Refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [LetterStatus.FINAL, LetterStatus.SENT])
def test_a_final_or_sent_letter_refuses_every_change_and_writes_nothing(
    client, letters_user, prosecutor, mep, status
):
    letter = make_letter(status=status)
    recipient = letter.recipients.get(kind=RecipientKind.CC)
    signatory = letter.signatories.first()
    before = (
        list(letter.recipients.values()),
        list(letter.signatories.values()),
        LetterRecipient.history.count(),
        LetterSignatory.history.count(),
    )
    client = as_user(client, letters_user)
    posts = [
        ("letters:recipient_add", letter.pk, {"position": prosecutor.pk, "kind": "cc"}),
        ("letters:recipient_move", recipient.pk, {"direction": "up"}),
        ("letters:recipient_remove", recipient.pk, {}),
        ("letters:signatory_add", letter.pk, {"person": mep.pk}),
        ("letters:signatory_move", signatory.pk, {"direction": "down"}),
        ("letters:signatory_remove", signatory.pk, {}),
    ]
    for name, pk, data in posts:
        response = client.post(reverse(name, args=[pk]), data, follow=True)
        assert "can no longer change" in response.content.decode(), name
    edit = client.post(
        reverse("letters:recipient_edit", args=[recipient.pk]),
        {"kind": "cc", "title_line": "Changed", "address_block": "Changed"},
    )
    assert "can no longer change" in edit.content.decode()
    after = (
        list(letter.recipients.values()),
        list(letter.signatories.values()),
        LetterRecipient.history.count(),
        LetterSignatory.history.count(),
    )
    assert after == before
    html = page(client, letter)
    assert "its recipients and signatories stay as sent" in html
    assert reverse("letters:recipient_remove", args=[recipient.pk]) not in html


def test_the_services_refuse_a_frozen_letter_too(prosecutor):
    letter = make_letter(status=LetterStatus.SENT)
    recipient = letter.recipients.first()
    with pytest.raises(ValidationError, match="is sent"):
        recipient_update(recipient=recipient, title_line="x", address_block="y")
    with pytest.raises(ValidationError, match="is sent"):
        signatory_move(signatory=letter.signatories.first(), direction="down")


def test_a_viewer_sees_the_recipients_but_cannot_change_them(client, viewer, draft, prosecutor):
    client = as_user(client, viewer)
    html = page(client, draft)
    assert "The Minister" in html and "minister@example.kz" in html
    assert reverse("letters:recipient_add", args=[draft.pk]) not in html
    minister = draft.recipients.get(title_line="The Minister")
    responses = [
        client.post(reverse("letters:recipient_add", args=[draft.pk]), {"position": prosecutor.pk}),
        client.post(reverse("letters:recipient_remove", args=[minister.pk])),
        client.get(reverse("letters:picker", args=[draft.pk]), {"q": "Asylov"}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert draft.recipients.count() == 2


def test_a_letter_of_a_restricted_case_is_404_to_staff_not_assigned(
    client, letters_user, prosecutor
):
    letter = make_letter(signed=False)
    letter.case.restricted = True
    letter.case.save()
    minister = letter.recipients.get(title_line="The Minister")
    client = as_user(client, letters_user)
    responses = [
        client.get(reverse("letters:picker", args=[letter.pk]), {"q": "Asylov"}),
        client.post(
            reverse("letters:recipient_add", args=[letter.pk]),
            {"position": prosecutor.pk, "kind": "cc"},
        ),
        client.post(reverse("letters:recipient_move", args=[minister.pk]), {"direction": "up"}),
        client.get(reverse("letters:recipient_edit", args=[minister.pk])),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert letter.recipients.count() == 2


def test_the_picker_does_not_offer_persons_who_appear_only_in_hidden_cases(
    client, letters_user, draft
):
    hidden = PersonFactory(given_name="Secret", family_name="Witnessov")
    CasePartyFactory(case=CaseFactory(restricted=True), person=hidden)
    PositionFactory(person=hidden, title="Witness coordinator")
    client = as_user(client, letters_user)
    url = reverse("letters:picker", args=[draft.pk])
    for picking in ("recipient", "signatory"):
        html = client.get(
            url, {"q": "Witnessov", "for": picking}, headers={"X-Requested-With": "fetch"}
        ).content.decode()
        assert "Nobody" in html and "Secret" not in html and "Witness coordinator" not in html
    position = hidden.positions.get()
    client.post(
        reverse("letters:recipient_add", args=[draft.pk]), {"position": position.pk, "kind": "cc"}
    )
    client.post(reverse("letters:signatory_add", args=[draft.pk]), {"person": hidden.pk})
    assert not draft.recipients.filter(position=position).exists()
    assert not draft.signatories.filter(person=hidden).exists()


# --- The back office ----------------------------------------------------------------------


def test_the_back_office_shows_a_sent_letters_recipients_and_signatories_read_only(
    client, administrator
):
    from tests.conftest import login_verified

    sent = make_letter(status=LetterStatus.SENT)
    draft = make_letter(signed=False)
    client = login_verified(client, administrator)
    sent_page = client.get(reverse("admin:letters_letter_change", args=[sent.pk]))
    html = sent_page.content.decode()
    assert "The Minister" in html
    assert 'name="recipients-0-title_line"' not in html
    assert 'name="signatories-0-signs_as"' not in html
    draft_html = client.get(reverse("admin:letters_letter_change", args=[draft.pk])).content
    assert b'name="recipients-0-title_line"' in draft_html
    recipient = sent.recipients.first()
    delete = client.post(
        reverse("admin:letters_letterrecipient_delete", args=[recipient.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert sent.recipients.filter(pk=recipient.pk).exists()
