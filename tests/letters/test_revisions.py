"""The text freezes when it goes out: sending for signature freezes a revision, signatures
belong to it, an edit afterwards (confirmed) makes the next revision and the signatures given
read "signed an earlier text" and do not count; a final or sent letter is never edited — not
on the staff pages, not in the back office."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from letters.choices import LetterStatus, SignedVia, SigningStatus
from letters.models import Letter, LetterRevision
from letters.selectors import letters_for_list
from letters.services import letter_finalise, signatory_sign
from letters.services_revisions import letter_send_for_signature, letter_text_update
from tests.conftest import login_verified, password_login
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(db) -> Letter:
    return make_letter(signed=False)


def text(letter: Letter, **changes) -> dict:
    """The edit form's fields, as the letter holds them, with ``changes``."""
    fields = {
        "subject": letter.subject,
        "place": letter.place,
        "dated_on": letter.dated_on.isoformat(),
        "salutation": letter.salutation,
        "body": letter.body,
        "closing": letter.closing,
    }
    return {**fields, **changes}


def service_text(letter: Letter, **changes) -> dict:
    return {**text(letter, **changes), "dated_on": letter.dated_on}


def out_for_signature_with_one_signature(letter: Letter):
    revision = letter_send_for_signature(letter=letter)
    petras, roza = letter.signatories.order_by("order")
    signatory_sign(signatory=petras, via=SignedVia.EMAIL)
    return revision, petras, roza


def signed_count(letter: Letter) -> tuple[int, int]:
    row = letters_for_list(Letter.objects.filter(pk=letter.pk)).get()
    return row.signed_count, row.signatory_count


# --- Freezing -----------------------------------------------------------------------------


def test_sending_for_signature_freezes_the_text_as_revision_one(client, letters_user, draft):
    client = password_login(client, letters_user)
    response = client.post(reverse("letters:send_for_signature", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == LetterStatus.COLLECTING
    revision = draft.revisions.get()
    assert (revision.number, revision.body, revision.subject) == (1, draft.body, draft.subject)
    assert revision.frozen_by == letters_user and len(revision.content_hash) == 64
    # Asking twice freezes nothing more.
    client.post(reverse("letters:send_for_signature", args=[draft.pk]))
    assert draft.revisions.count() == 1


def test_a_signature_belongs_to_the_revision_out_for_signature(draft):
    revision, petras, _ = out_for_signature_with_one_signature(draft)
    petras.refresh_from_db()
    assert petras.revision == revision and petras.status == SigningStatus.SIGNED


def test_a_frozen_revision_never_changes(draft):
    revision = letter_send_for_signature(letter=draft)
    revision.body = "Something else"
    with pytest.raises(ValidationError):
        revision.save()
    assert LetterRevision.objects.get(pk=revision.pk).body == draft.body


# --- Editing a text out for signature -----------------------------------------------------


def test_the_edit_page_names_who_signed_and_asks_for_the_confirmation(client, letters_user, draft):
    out_for_signature_with_one_signature(draft)
    client = password_login(client, letters_user)
    html = client.get(reverse("letters:edit", args=[draft.pk])).content.decode()
    assert "Revision 1" in html and "Signed this revision" in html
    assert (
        "Petras" in html and "Róża" not in html.split("Signed this revision")[1].split("</ul>")[0]
    )
    assert 'name="asking_signatories_again"' in html
    assert "they will be asked to sign again" in html


def test_an_edit_without_the_confirmation_is_refused_and_writes_nothing(
    client, letters_user, draft
):
    _, petras, _ = out_for_signature_with_one_signature(draft)
    client = password_login(client, letters_user)
    history = draft.history.count()
    response = client.post(reverse("letters:edit", args=[draft.pk]), text(draft, body="New."))
    assert response.status_code == 200
    assert "Confirm that they will be asked to sign again" in response.content.decode()
    draft.refresh_from_db()
    petras.refresh_from_db()
    assert draft.body != "New." and draft.status == LetterStatus.COLLECTING
    assert petras.status == SigningStatus.SIGNED
    assert draft.revisions.count() == 1 and draft.history.count() == history


def test_a_confirmed_edit_starts_a_new_draft_and_the_signatures_read_earlier_text(
    client, letters_user, draft
):
    first, petras, _ = out_for_signature_with_one_signature(draft)
    assert signed_count(draft) == (1, 2)
    client = password_login(client, letters_user)
    response = client.post(
        reverse("letters:edit", args=[draft.pk]),
        text(draft, body="A corrected text.", asking_signatories_again="on"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    petras.refresh_from_db()
    assert draft.body == "A corrected text." and draft.status == LetterStatus.DRAFT
    assert petras.status == SigningStatus.EARLIER and petras.revision == first
    assert signed_count(draft) == (0, 2)
    page = client.get(reverse("letters:detail", args=[draft.pk])).content.decode()
    assert "Signed an earlier text" in page
    # Sending again freezes revision 2; the earlier signature still does not count.
    second = letter_send_for_signature(letter=draft)
    assert second.number == 2 and second.body == "A corrected text."
    assert first.body != second.body


def test_signatures_on_an_earlier_text_do_not_let_the_letter_be_final(draft):
    _, petras, roza = out_for_signature_with_one_signature(draft)
    signatory_sign(signatory=roza, via=SignedVia.EMAIL)
    letter_text_update(
        letter=draft, **service_text(draft, body="New."), asking_signatories_again=True
    )
    letter_send_for_signature(letter=draft)
    roza.refresh_from_db()
    signatory_sign(signatory=roza, via=SignedVia.EMAIL)
    with pytest.raises(ValidationError, match="still waiting for Petras"):
        letter_finalise(letter=draft)
    roza.refresh_from_db()
    assert roza.revision.number == 2
    draft.refresh_from_db()
    assert draft.status == LetterStatus.COLLECTING


def test_an_unchanged_text_changes_nothing(draft):
    _, petras, _ = out_for_signature_with_one_signature(draft)
    assert letter_text_update(letter=draft, **service_text(draft)) == []
    petras.refresh_from_db()
    assert petras.status == SigningStatus.SIGNED


# --- Final and sent letters ---------------------------------------------------------------


@pytest.mark.parametrize("status", [LetterStatus.FINAL, LetterStatus.SENT])
def test_a_final_or_sent_letter_refuses_any_edit_on_the_staff_page(client, letters_user, status):
    letter = make_letter(status=status)
    client = password_login(client, letters_user)
    page = client.get(reverse("letters:edit", args=[letter.pk])).content.decode()
    assert "can no longer be edited" in page and "a new letter referring to this one" in page
    assert 'name="body"' not in page
    response = client.post(reverse("letters:edit", args=[letter.pk]), text(letter, body="X"))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.body != "X"
    with pytest.raises(ValidationError, match="can no longer be edited"):
        letter_text_update(letter=letter, **service_text(letter, body="X"))
    with pytest.raises(ValidationError):
        letter_send_for_signature(letter=letter)


def _admin_form_data(response) -> dict:
    """What the back office's change form would post back unchanged."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, datetime.date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = value
    return data


@pytest.mark.parametrize("status", [LetterStatus.FINAL, LetterStatus.SENT])
def test_the_back_office_cannot_edit_a_final_or_sent_letter(client, administrator, status):
    letter = make_letter(status=status, sent_on=datetime.date(2024, 3, 2))
    client = login_verified(client, administrator)
    url = reverse("admin:letters_letter_change", args=[letter.pk])
    data = _admin_form_data(client.get(url))
    data.update(body="Rewritten after it was sent.", subject="Rewritten")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "can no longer be edited" in response.content.decode()
    letter.refresh_from_db()
    assert letter.body != "Rewritten after it was sent." and letter.subject == "Test letter"
    assert letter.status == status


def test_the_back_office_cannot_change_a_text_out_for_signature(client, administrator, draft):
    _, petras, _ = out_for_signature_with_one_signature(draft)
    client = login_verified(client, administrator)
    url = reverse("admin:letters_letter_change", args=[draft.pk])
    data = _admin_form_data(client.get(url))
    data.update(body="Quietly changed.")
    response = client.post(url, data)
    assert "its text is frozen" in response.content.decode()
    draft.refresh_from_db()
    petras.refresh_from_db()
    assert draft.body != "Quietly changed." and petras.status == SigningStatus.SIGNED


def test_saving_a_frozen_letter_in_code_is_refused_too(draft):
    letter_send_for_signature(letter=draft)
    draft.refresh_from_db()
    draft.body = "Changed in a shell."
    with pytest.raises(ValidationError, match="frozen"):
        draft.save()


# --- Who may ------------------------------------------------------------------------------


def test_a_letter_of_a_restricted_case_is_404_to_letters_staff_not_assigned(
    client, letters_user, draft
):
    draft.case.restricted = True
    draft.case.save()
    client = password_login(client, letters_user)
    responses = [
        client.get(reverse("letters:edit", args=[draft.pk])),
        client.post(reverse("letters:edit", args=[draft.pk]), text(draft, body="X")),
        client.post(reverse("letters:send_for_signature", args=[draft.pk])),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    draft.refresh_from_db()
    assert draft.status == LetterStatus.DRAFT and draft.body != "X"


def test_a_viewer_may_neither_edit_nor_send_for_signature(client, viewer, draft):
    client = password_login(client, viewer)
    responses = [
        client.get(reverse("letters:edit", args=[draft.pk])),
        client.post(reverse("letters:edit", args=[draft.pk]), text(draft, body="X")),
        client.post(reverse("letters:send_for_signature", args=[draft.pk])),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    draft.refresh_from_db()
    assert draft.status == LetterStatus.DRAFT and not draft.revisions.exists()


# --- Letters from before revisions --------------------------------------------------------


def test_the_migration_gives_letters_already_out_their_first_revision():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("letters.migrations.0009_letter_revisions_frozen_text")
    collecting = make_letter(status=LetterStatus.COLLECTING)
    sent = make_letter(status=LetterStatus.SENT)
    draft = make_letter(signed=False)
    migration.first_revisions(apps, None)
    for letter in (collecting, sent):
        revision = letter.revisions.get()
        assert (revision.number, revision.body) == (1, letter.body)
        assert set(letter.signatories.values_list("revision", flat=True)) == {revision.pk}
    assert not draft.revisions.exists()
    migration.first_revisions(apps, None)  # run twice: nothing more
    assert LetterRevision.objects.count() == 2


def test_a_final_letter_is_not_moved_back_to_draft_in_code(draft):
    draft.status = LetterStatus.FINAL
    Letter.objects.filter(pk=draft.pk).update(status=LetterStatus.FINAL)
    draft.status = LetterStatus.DRAFT
    with pytest.raises(ValidationError, match="can no longer be edited"):
        draft.save()
    assert Letter.objects.get(pk=draft.pk).status == LetterStatus.FINAL


def test_the_letter_page_offers_sending_and_editing_to_the_letters_role_only(
    client, letters_user, viewer, draft
):
    send = reverse("letters:send_for_signature", args=[draft.pk])
    edit = reverse("letters:edit", args=[draft.pk])
    detail = reverse("letters:detail", args=[draft.pk])
    html = password_login(client, letters_user).get(detail).content.decode()
    assert send in html and edit in html
    letter_send_for_signature(letter=draft)
    html = client.get(detail).content.decode()
    assert "revision 1" in html and send not in html and edit in html
    client.logout()
    html = password_login(client, viewer).get(detail).content.decode()
    assert send not in html and edit not in html
