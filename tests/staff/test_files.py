"""Uploaded sources and replies are downloads behind the login and the role, never public."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from letters.models import Reply
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scanned_source(db):
    return SourceFactory(
        url="",
        title="Court ruling (scan)",
        file=ContentFile(b"<script>alert(1)</script>", name="ruling.html"),
    )


def test_a_source_file_is_downloaded_through_our_page_not_the_media_url(
    client, viewer, scanned_source
):
    assert scanned_source.link == reverse("staff:source_file", args=[scanned_source.pk])
    client.force_login(viewer)
    response = client.get(scanned_source.link)
    assert response.status_code == 200
    # An attachment: an uploaded HTML file is never rendered in our origin.
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_a_source_file_needs_a_login_and_a_role(client, outsider, scanned_source):
    response = client.get(scanned_source.link)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(scanned_source.link).status_code == 403


def test_a_reply_scan_is_a_download_for_staff_who_may_read_letters(
    client, viewer, outsider, demo_letter_for_files
):
    reply = Reply.objects.create(
        letter=demo_letter_for_files,
        received_on=datetime.date(2021, 7, 20),
        summary="Acknowledgement",
    )
    reply.file.save("reply.pdf", ContentFile(b"%PDF-1.4 reply"))
    url = reverse("letters:reply_file", args=[reply.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(viewer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.fixture
def demo_letter_for_files(db):
    import io

    from django.core.management import call_command

    from letters.models import Letter

    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    return Letter.objects.get()
