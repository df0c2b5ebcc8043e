"""The letter page and the admin action: who may see, who may render, what they see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from letters.choices import RenderStatus
from letters.models import LetterVersion
from letters.services import letter_render_now
from tests.conftest import password_login

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    return password_login(client, user)


def test_the_letter_page_needs_a_login(client, letter):
    response = client.get(reverse("letters:detail", args=[letter.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_user_without_a_role_may_not_see_a_letter(client, outsider, letter):
    response = logged_in(client, outsider).get(reverse("letters:detail", args=[letter.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_viewers_and_editors_see_the_letter_but_cannot_render_it(client, letter, role, request):
    client = logged_in(client, request.getfixturevalue(role))
    page = client.get(reverse("letters:detail", args=[letter.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Petras AUŠTREVIČIUS" in html and "Signed" in html and "No PDF yet." in html
    assert "Generate PDF" not in html
    for action in ("letters:render", "letters:finalise"):
        assert client.post(reverse(action, args=[letter.pk])).status_code == 403
    assert not LetterVersion.objects.exists()


def test_the_letters_role_generates_a_pdf_and_the_page_shows_it_done(
    client, letters_user, letter, django_capture_on_commit_callbacks
):
    client = logged_in(client, letters_user)
    assert (
        "Generate PDF" in client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:render", args=[letter.pk]))
    assert response.status_code == 302
    version = LetterVersion.objects.get(letter=letter)
    assert version.status == RenderStatus.DONE and version.requested_by == letters_user

    versions = client.get(reverse("letters:versions", args=[letter.pk])).content.decode()
    assert "Done" in versions and version.sha256[:14] in versions and "data-pending" not in versions
    download = client.get(reverse("letters:download", args=[version.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_pending_version_makes_the_versions_table_poll(client, viewer, letter):
    LetterVersion.objects.create(letter=letter, number=1, content_hash="x" * 64)
    html = logged_in(client, viewer).get(reverse("letters:versions", args=[letter.pk])).content
    assert b'data-pending="1"' in html and b"Queued" in html


def test_a_viewer_may_download_a_done_version(client, viewer, letter):
    version = letter_render_now(letter=letter)
    response = logged_in(client, viewer).get(reverse("letters:download", args=[version.pk]))
    assert response.status_code == 200


def test_the_preview_shows_the_letter_with_its_footnote_urls(client, viewer, letter):
    response = logged_in(client, viewer).get(reverse("letters:preview", args=[letter.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and response["X-Frame-Options"] == "SAMEORIGIN"
    assert "<strong>Mr Test</strong>" in html and "https://news.example.org/kz/1" in html
    assert "The President" in html and "Róża THUN" in html


def test_finalising_with_a_signatory_still_invited_shows_who_is_missing(client, letters_user):
    from tests.letters.conftest import make_letter

    letter = make_letter(signed=False)
    response = logged_in(client, letters_user).post(
        reverse("letters:finalise", args=[letter.pk]), follow=True
    )
    assert "still waiting for Petras AUŠTREVIČIUS" in response.content.decode()
    assert not LetterVersion.objects.exists()


def test_the_admin_action_renders_the_selected_letters(
    client, letters_user, letter, django_capture_on_commit_callbacks
):
    client = logged_in(client, letters_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:letters_letter_changelist"),
            {"action": "render_pdf", "_selected_action": [letter.pk]},
            follow=True,
        )
    assert "1 letter(s) sent for rendering" in response.content.decode()
    assert LetterVersion.objects.get(letter=letter).status == RenderStatus.DONE


def test_the_admin_change_page_links_to_the_letter_page(client, letters_user, letter):
    html = (
        logged_in(client, letters_user)
        .get(reverse("admin:letters_letter_change", args=[letter.pk]))
        .content.decode()
    )
    assert reverse("letters:detail", args=[letter.pk]) in html
