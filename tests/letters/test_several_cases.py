"""Letters about several cases: a letter concerns one or more cases, appears on each case's
page and timeline and once in /letters/, and is seen only by a user who may see every case
it concerns — on every page, download, search and back-office page."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from casefiles.timeline import case_timeline
from letters.choices import LetterStatus, RenderStatus
from letters.models import (
    Letter,
    LetterCase,
    LetterRecipient,
    LetterSignatory,
    LetterVersion,
    Reply,
)
from letters.services_cases import letter_case_add, letter_case_remove
from letters.services_revisions import letter_send_for_signature
from people.roles import LETTERS
from tests.conftest import logged_in, make_user
from tests.factories import CaseFactory
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db

HIDDEN_TITLE = "Members of the Democratic Choice party"


def png_upload() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="signature.png")


@pytest.fixture
def public_case():
    return CaseFactory(reference="KZ-PUBLIC-1", title="Bekizhan Mendygazyev", restricted=False)


@pytest.fixture
def restricted_case():
    return CaseFactory(reference="KZ-RESTRICTED-2", title=HIDDEN_TITLE, restricted=True)


@pytest.fixture
def assigned(restricted_case):
    """The Letters role, assigned to the restricted case: sees both cases."""
    user = make_user("asel_assigned", LETTERS)
    restricted_case.assigned_staff.add(user)
    return user


@pytest.fixture
def shared(public_case, restricted_case, assigned):
    """A draft about the public case that also concerns the restricted case, with a
    recipient, a signatory with a scanned signature, a rendered version and a reply."""
    letter = make_letter(signed=False, reference="LTR-SHARED", case=public_case)
    letter_case_add(letter=letter, case=restricted_case, user=assigned)
    signatory = letter.signatories.first()
    signatory.signature_image.save("signature.png", png_upload())
    version = LetterVersion.objects.create(
        letter=letter, number=1, content_hash="0" * 64, status=RenderStatus.DONE
    )
    version.file.save("letter.pdf", ContentFile(b"%PDF-1.4 shared"))
    reply = Reply(letter=letter, received_on=datetime.date(2024, 4, 1), summary="A reply")
    reply.file.save("reply.txt", ContentFile(b"reply"))
    return letter


def test_the_main_case_is_always_one_of_the_letters_cases(public_case):
    letter = make_letter(case=public_case)
    assert list(letter.cases.all()) == [public_case]


# --- Seen only by who may see every case -----------------------------------------------


def test_a_letter_on_a_hidden_case_hides_it_and_everything_reached_through_it(
    shared, viewer, assigned
):
    assert Letter.objects.visible_to(assigned).filter(pk=shared.pk).exists()
    for model in (Letter, LetterRecipient, LetterSignatory, LetterVersion, Reply, LetterCase):
        assert model.objects.visible_to(assigned).exists(), model
        assert not model.objects.visible_to(viewer).exists(), model


def test_a_letter_is_seen_by_who_sees_every_case_it_concerns(
    shared, public_case, restricted_case, viewer, assigned
):
    make_letter(reference="LTR-PUBLIC", case=public_case)
    make_letter(reference="LTR-RESTRICTED", case=restricted_case)

    def seen(user):
        return set(Letter.objects.visible_to(user).values_list("reference", flat=True))

    assert seen(viewer) == {"LTR-PUBLIC"}
    assert seen(assigned) == {"LTR-PUBLIC", "LTR-RESTRICTED", "LTR-SHARED"}
    assert seen(make_user("no_role")) == set()


def test_every_letter_page_and_download_is_404_to_a_user_who_sees_only_one_case(
    shared, viewer, assigned
):
    version = shared.versions.get()
    urls = [
        reverse("letters:detail", args=[shared.pk]),
        reverse("letters:preview", args=[shared.pk]),
        reverse("letters:versions", args=[shared.pk]),
        reverse("letters:docx", args=[shared.pk]),
        reverse("letters:download", args=[version.pk]),
        reverse("letters:signature", args=[shared.signatories.first().pk]),
        reverse("letters:reply_file", args=[shared.replies.get().pk]),
    ]
    viewer_client, assigned_client = logged_in(viewer), logged_in(assigned)
    for url in urls:
        assert viewer_client.get(url).status_code == 404, url
        assert assigned_client.get(url).status_code == 200, url


def test_the_list_and_search_leave_it_out_for_one_who_sees_only_one_case(
    shared, public_case, viewer, assigned
):
    client = logged_in(viewer)
    page = reverse("letters:detail", args=[shared.pk])
    for params in ({}, {"case": public_case.pk}, {"q": "LTR-SHARED"}):
        assert page not in client.get(reverse("letters:list"), params).content.decode()
    search = client.get(reverse("staff:search"), {"q": "LTR-SHARED"}).content.decode()
    assert page not in search and "Test letter" not in search
    found = logged_in(assigned).get(reverse("staff:search"), {"q": "LTR-SHARED"})
    assert "LTR-SHARED" in found.content.decode()
    assert "KZ-RESTRICTED-2" in found.content.decode()


def test_the_public_case_page_and_timeline_leave_it_out(shared, public_case, viewer):
    client = logged_in(viewer)
    for name in ("staff:case_detail", "staff:case_timeline"):
        html = client.get(reverse(name, args=[public_case.pk])).content.decode()
        assert "LTR-SHARED" not in html and "Test letter" not in html
        assert reverse("letters:detail", args=[shared.pk]) not in html
    assert not [e for e in case_timeline(public_case, user=viewer) if e.kind.startswith("letter")]


def test_the_back_office_hides_it_and_its_parts(shared, viewer, assigned):
    client = logged_in(viewer)
    change = client.get(reverse("admin:letters_letter_change", args=[shared.pk]))
    assert change.status_code == 302  # the admin's answer for a record that does not exist
    for name in ("letter", "letterrecipient", "lettersignatory", "letterversion", "reply"):
        response = client.get(reverse(f"admin:letters_{name}_changelist"))
        assert response.status_code == 200, name
        assert response.context["cl"].result_count == 0, name
    history = client.get(reverse("admin:letters_letter_history", args=[shared.pk]))
    assert history.status_code == 404
    seen = logged_in(assigned).get(reverse("admin:letters_letter_change", args=[shared.pk]))
    assert seen.status_code == 200
    assert "KZ-PUBLIC-1, KZ-RESTRICTED-2" in seen.content.decode()


# --- On each case, once in the list ------------------------------------------------------


def test_it_appears_on_both_case_pages_with_its_status_and_once_in_the_list(
    shared, public_case, restricted_case, assigned
):
    client = logged_in(assigned)
    for case in (public_case, restricted_case):
        html = client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
        assert reverse("letters:detail", args=[shared.pk]) in html, case
        assert "Letter (draft): Test letter" in html, case
    listed = client.get(reverse("letters:list"))
    assert [letter.reference for letter in listed.context["page"].object_list] == ["LTR-SHARED"]
    html = listed.content.decode()
    assert "KZ-PUBLIC-1" in html and "KZ-RESTRICTED-2" in html
    for case in (public_case, restricted_case):
        by_case = client.get(reverse("letters:list"), {"case": case.pk})
        assert [row.pk for row in by_case.context["page"].object_list] == [shared.pk]


def test_a_sent_letter_is_on_each_cases_timeline_on_the_day_it_was_sent(
    public_case, restricted_case, assigned
):
    letter = make_letter(case=public_case, reference="LTR-BOTH")
    letter_case_add(letter=letter, case=restricted_case, user=assigned)
    Letter.objects.filter(pk=letter.pk).update(
        status=LetterStatus.SENT, sent_on=datetime.date(2024, 3, 5)
    )
    for case in (public_case, restricted_case):
        (entry,) = [e for e in case_timeline(case, user=assigned) if e.kind == "letter_sent"]
        assert entry.date == datetime.date(2024, 3, 5)


def test_the_list_filters_by_recipient_signatory_and_waiting_for_signatures(
    shared, public_case, assigned
):
    other = make_letter(case=public_case, reference="LTR-OTHER")  # signed by both already
    LetterRecipient.objects.filter(letter=other).update(
        title_line="The Prosecutor General", address_block="Astana"
    )
    client = logged_in(assigned)

    def listed(**params) -> list[str]:
        response = client.get(reverse("letters:list"), params)
        return [letter.reference for letter in response.context["page"].object_list]

    assert listed(recipient="Prosecutor") == ["LTR-OTHER"]
    assert listed(recipient="President") == ["LTR-SHARED"]
    assert sorted(listed(signatory="Thun")) == ["LTR-OTHER", "LTR-SHARED"]
    assert listed(signatory="Nobody Atall") == []
    assert listed(waiting="1") == ["LTR-SHARED"]


# --- Adding and removing cases -----------------------------------------------------------


def test_the_letters_role_adds_a_case_picked_by_name_and_removes_it(
    public_case, restricted_case, assigned
):
    letter = make_letter(signed=False, case=public_case, reference="LTR-PICK")
    client = logged_in(assigned)
    page = client.get(reverse("letters:detail", args=[letter.pk]), {"case_q": "Democratic"})
    assert [case.pk for case in page.context["case_choices"]] == [restricted_case.pk]
    response = client.post(
        reverse("letters:case_add", args=[letter.pk]), {"case": restricted_case.pk}
    )
    assert response.status_code == 302
    assert set(letter.cases.all()) == {public_case, restricted_case}
    assert LetterCase.history.filter(case=restricted_case, history_type="+").get().history_user == (
        assigned
    )
    client.post(reverse("letters:case_remove", args=[letter.pk, restricted_case.pk]))
    assert list(letter.cases.all()) == [public_case]


def test_a_case_one_may_not_see_is_neither_offered_nor_added(
    public_case, restricted_case, letters_user
):
    letter = make_letter(signed=False, case=public_case, reference="LTR-NOPE")
    client = logged_in(letters_user)
    page = client.get(reverse("letters:detail", args=[letter.pk]), {"case_q": "Democratic"})
    assert list(page.context["case_choices"]) == []
    assert HIDDEN_TITLE not in page.content.decode()
    client.post(reverse("letters:case_add", args=[letter.pk]), {"case": restricted_case.pk})
    assert list(letter.cases.all()) == [public_case]
    with pytest.raises(ValidationError):
        letter_case_add(letter=letter, case=restricted_case, user=letters_user)


def test_a_viewer_may_not_change_a_letters_cases(public_case, viewer):
    other = CaseFactory()
    letter = make_letter(signed=False, case=public_case)
    client = logged_in(viewer)
    assert (
        client.post(reverse("letters:case_add", args=[letter.pk]), {"case": other.pk}).status_code
        == 403
    )
    assert list(letter.cases.all()) == [public_case]


def test_the_last_case_stays_and_removing_the_main_case_makes_another_the_main(
    public_case, restricted_case, assigned
):
    letter = make_letter(signed=False, case=public_case)
    with pytest.raises(ValidationError, match="at least one case"):
        letter_case_remove(letter=letter, case=public_case)
    letter_case_add(letter=letter, case=restricted_case, user=assigned)
    letter = letter_case_remove(letter=letter, case=public_case)
    letter.refresh_from_db()
    assert letter.case == restricted_case
    assert list(letter.cases.all()) == [restricted_case]


def test_the_cases_are_frozen_with_the_text(public_case, restricted_case, assigned):
    letter = make_letter(signed=False, case=public_case)
    letter_send_for_signature(letter=letter, sent_by=assigned)
    with pytest.raises(ValidationError, match="can no longer change"):
        letter_case_add(letter=letter, case=restricted_case, user=assigned)
    # Nor around the service: the back office or a shell.
    with pytest.raises(ValidationError):
        LetterCase.objects.create(letter=letter, case=restricted_case)
    with pytest.raises(ValidationError):
        LetterCase.objects.get(letter=letter).delete()
    assert list(letter.cases.all()) == [public_case]
    page = logged_in(assigned).get(reverse("letters:detail", args=[letter.pk]))
    assert page.context["can_edit_cases"] is False


def test_the_create_page_takes_other_cases_by_reference(public_case, restricted_case, assigned):
    from letters.models import LetterTemplate

    template = LetterTemplate.objects.create(name="Plain", body="We write about a case.")
    client = logged_in(assigned)
    url = reverse("letters:create", args=[public_case.pk])
    data = {
        "template": template.pk,
        "reference": "LTR-NEW-TWO",
        "place": "Brussels",
        "dated_on": "2024-05-01",
        "other_cases": "KZ-RESTRICTED-2",
    }
    assert client.post(url, data).status_code == 302
    letter = Letter.objects.get(reference="LTR-NEW-TWO")
    assert letter.case == public_case
    assert set(letter.cases.all()) == {public_case, restricted_case}


def test_the_create_page_refuses_a_case_one_may_not_see_and_writes_nothing(
    public_case, restricted_case, letters_user
):
    from letters.models import LetterTemplate

    template = LetterTemplate.objects.create(name="Plain", body="We write about a case.")
    response = logged_in(letters_user).post(
        reverse("letters:create", args=[public_case.pk]),
        {
            "template": template.pk,
            "reference": "LTR-NEW-HIDDEN",
            "place": "Brussels",
            "dated_on": "2024-05-01",
            "other_cases": "KZ-RESTRICTED-2",
        },
    )
    assert response.status_code == 200
    assert "No such case: KZ-RESTRICTED-2." in response.content.decode()
    assert not Letter.objects.filter(reference="LTR-NEW-HIDDEN").exists()


def test_a_deleted_draft_comes_back_with_all_its_cases(
    public_case, restricted_case, assigned, administrator
):
    from people.deletion import record_restore

    letter = make_letter(signed=False, case=public_case, reference="LTR-GONE")
    letter_case_add(letter=letter, case=restricted_case, user=assigned)
    pk = letter.pk
    letter.delete()
    assert not LetterCase.objects.filter(letter_id=pk).exists()
    record_restore(history_row=Letter.history.get(id=pk, history_type="-"), user=administrator)
    restored = Letter.objects.get(pk=pk)
    assert restored.case == public_case
    assert set(restored.cases.all()) == {public_case, restricted_case}


def test_each_case_page_has_a_letters_card_with_the_letter_and_its_status(
    shared, public_case, restricted_case, assigned, viewer
):
    client = logged_in(assigned)
    for case in (public_case, restricted_case):
        response = client.get(reverse("staff:case_detail", args=[case.pk]))
        (letters,) = [card for template, card in response.context["case_cards"]]
        assert [letter.pk for letter in letters["letters"]] == [shared.pk], case
        card = response.content.decode().split('id="letters"')[1].split("</section>")[0]
        assert "LTR-SHARED" in card and "Draft" in card
    # Someone who may see only the public case sees no trace of it there.
    response = logged_in(viewer).get(reverse("staff:case_detail", args=[public_case.pk]))
    (letters,) = [card for template, card in response.context["case_cards"]]
    assert letters["letters"] == []
    assert "LTR-SHARED" not in response.content.decode()
