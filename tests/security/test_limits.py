"""Input limits: free text has a stated length, URLs are web addresses only, uploads have a
size and a type, dates and terms stay on the calendar, verify_letter's trust is explicit and
calendar feeds are their user's own. Bad input is a message, never a 500, and writes nothing."""

from __future__ import annotations

import datetime
import io
from io import BytesIO

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casefiles.models import CalendarFeed, Detention, Hearing, Source
from casefiles.services import calendar_feed_issue, detention_log
from letters.choices import SigningStatus
from letters.models import Letter, LetterTemplate, Reply
from letters.rendering import letter_html
from letters.services import letter_render_now
from people.fields import BoundedTextField
from people.models import Organisation
from tests.conftest import make_user
from tests.factories import (
    CaseFactory,
    CasePartyFactory,
    DetentionFactory,
    HearingFactory,
    PersonFactory,
)
from tests.letters.conftest import make_letter
from tests.staff.conftest import logged_in

pytestmark = pytest.mark.django_db

D = datetime.date

# Written by the application itself, never typed by staff: rendered HTML and error texts.
SYSTEM_TEXT = {
    "letters.LetterVersion.html",
    "letters.LetterVersion.error",
    "casefiles.Reminder.emailed_to",
    "casefiles.Reminder.error",
}


def _text_fields():
    for app in ("people", "casefiles", "letters"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField):
                    yield f"{model._meta.label}.{field.name}", field


@pytest.fixture
def letter(db) -> Letter:
    return make_letter()


@pytest.fixture
def case_with_person(db):
    case = CaseFactory()
    person = PersonFactory()
    CasePartyFactory(case=case, person=person)
    return case, person


# --- Free text ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "field"), list(_text_fields()), ids=lambda v: str(v))
def test_every_free_text_field_states_its_limit_to_forms_and_validation(name, field):
    if name in SYSTEM_TEXT:
        return
    assert isinstance(field, BoundedTextField), f"{name} has no stated length limit"
    widget = field.formfield().widget
    assert widget.attrs["maxlength"] == str(field.max_length)
    with pytest.raises(ValidationError, match=f"at most {field.max_length:,} characters"):
        field.run_validators("x" * (field.max_length + 1))


def test_a_letter_body_over_50000_characters_is_refused_with_the_numbers(letter):
    letter.body = "a" * 60_000
    with pytest.raises(ValidationError) as refused:
        letter.full_clean()
    assert refused.value.message_dict["body"] == [
        "Ensure this value has at most 50,000 characters (it has 60,000)."
    ]


def test_the_demo_data_fits_every_limit():
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    checked = 0
    for app in ("people", "casefiles", "letters"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for record in model.objects.all():
                record.full_clean(validate_unique=False, validate_constraints=False)
                checked += 1
    assert checked > 100


def test_log_detention_states_the_notes_limit_and_refuses_longer_notes(
    client, editor, case_with_person
):
    case, person = case_with_person
    client.force_login(editor)
    url = reverse("staff:detention_log", args=[case.pk])
    assert 'maxlength="10000"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "person": person.pk,
            "measure": "pretrial_detention",
            "started_on": "2021-06-05",
            "term": "2 months",
            "notes": "n" * 10_001,
        },
    )
    assert response.status_code == 400
    assert "at most 10,000 characters (it has 10,001)" in response.content.decode()
    assert not Detention.objects.exists()


def test_a_letter_whose_filled_template_is_too_long_is_refused_and_not_created(
    client, letters_user, case_with_person
):
    case, person = case_with_person
    person.given_name = "Aidos " * 20  # the name filled in is longer than its placeholder
    person.save()
    LetterTemplate.objects.all().delete()
    template = LetterTemplate.objects.create(
        name="Long", subject="S", body="{{ prisoners[0].name }} " + "x" * (50_000 - 24)
    )  # at the limit itself: only the filled-in name takes the letter over it
    client.force_login(letters_user)
    response = client.post(
        reverse("letters:create", args=[case.pk]),
        {
            "template": template.pk,
            "reference": "LTR-LONG",
            "place": "Brussels",
            "dated_on": "2024-03-01",
        },
    )
    assert response.status_code < 500
    assert "at most 50,000 characters" in response.content.decode()
    assert not Letter.objects.filter(reference="LTR-LONG").exists()


# --- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>", "ftp://x.org/a"]
)
def test_a_source_url_that_is_not_http_is_refused_by_validation(url):
    with pytest.raises(ValidationError) as refused:
        Source(url=url, title="Hostile").full_clean()
    assert "http:// or https://" in refused.value.message_dict["url"][0]


def test_an_organisation_website_that_is_not_http_is_refused():
    organisation = Organisation(name="Org", kind="ngo", website="javascript:alert(1)")
    with pytest.raises(ValidationError) as refused:
        organisation.full_clean()
    assert "website" in refused.value.message_dict


def test_the_admin_refuses_a_source_with_a_javascript_url(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:casefiles_source_add"), {"title": "Hostile", "url": "javascript:alert(1)"}
    )
    assert response.status_code == 200
    assert "http:// or https://" in response.content.decode()
    assert not Source.objects.exists()


def _pdf_link_uris(pdf_bytes: bytes) -> list[str]:
    from pypdf import PdfReader

    uris = []
    for page in PdfReader(BytesIO(pdf_bytes)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def _pdf_text(pdf_bytes: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(BytesIO(pdf_bytes)).pages)


def test_a_source_url_forced_to_file_is_printed_as_text_never_as_a_link(letter):
    source = Source.objects.get()
    Source.objects.filter(pk=source.pk).update(url="file:///etc/passwd")

    preview = letter_html(letter, for_pdf=False)
    assert "file:///etc/passwd" in preview
    assert 'href="file:' not in preview

    version = letter_render_now(letter=letter)
    assert version.status == "done", version.error
    with version.file.open("rb") as pdf:
        data = pdf.read()
    assert not [uri for uri in _pdf_link_uris(data) if uri.startswith(("file:", "javascript:"))]
    assert "file:///etc/passwd" in _pdf_text(data)
    assert "root:x:0:0" not in _pdf_text(data)


def test_a_web_source_still_becomes_a_link_in_the_pdf(letter):
    version = letter_render_now(letter=letter)
    with version.file.open("rb") as pdf:
        assert "https://news.example.org/kz/1" in _pdf_link_uris(pdf.read())


# --- Uploads --------------------------------------------------------------------------------


def _png(width: int = 40, height: int = 12, *, noise: bool = False) -> bytes:
    import os

    buffer = BytesIO()
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), "white")
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _admin_source_add(client, upload):
    return client.post(
        reverse("admin:casefiles_source_add"), {"title": "Court ruling", "url": "", "file": upload}
    )


def _stored_files(settings, folder: str) -> list:
    root = settings.MEDIA_ROOT / folder
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_the_admin_accepts_a_pdf_source(client, editor, settings):
    client.force_login(editor)
    response = _admin_source_add(client, SimpleUploadedFile("ruling.pdf", b"%PDF-1.4\n%%EOF"))
    assert response.status_code == 302
    assert Source.objects.get().file.name.endswith(".pdf")


def test_the_admin_refuses_an_html_source_file_and_stores_nothing(client, editor, settings):
    before = _stored_files(settings, "sources")
    client.force_login(editor)
    response = _admin_source_add(
        client, SimpleUploadedFile("ruling.html", b"<script>alert(1)</script>")
    )
    assert response.status_code == 200
    assert "File extension “html” is not allowed" in response.content.decode()
    assert not Source.objects.exists()
    assert _stored_files(settings, "sources") == before


def test_the_admin_refuses_an_html_file_named_pdf(client, editor):
    client.force_login(editor)
    response = _admin_source_add(client, SimpleUploadedFile("ruling.pdf", b"<html>hi</html>"))
    assert "its content is not a PDF file" in response.content.decode()
    assert not Source.objects.exists()


def test_the_admin_refuses_an_oversize_source_file_and_stores_nothing(client, editor, settings):
    settings.UPLOAD_MAX_MB = 1
    before = _stored_files(settings, "sources")
    client.force_login(editor)
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    response = _admin_source_add(client, SimpleUploadedFile("ruling.pdf", big))
    assert response.status_code == 200
    assert "The file is 1.0 MB; files may be at most 1.0 MB." in response.content.decode()
    assert not Source.objects.exists()
    assert _stored_files(settings, "sources") == before


def test_a_reply_scan_must_be_a_document_type(letter):
    from django.core.files.base import ContentFile

    reply = Reply(
        letter=letter,
        received_on=D(2024, 3, 10),
        summary="Reply",
        file=ContentFile(b"<svg onload=alert(1)>", name="reply.svg"),
    )
    with pytest.raises(ValidationError) as refused:
        reply.full_clean()
    assert "“svg” is not allowed" in refused.value.message_dict["file"][0]


@pytest.fixture
def invited_signatory(db):
    letter = make_letter(signed=False)
    return letter.signatories.order_by("order").first()


def _sign(client, signatory, upload):
    return client.post(
        reverse("letters:signatory_signed", args=[signatory.pk]),
        {"via": "scanned", "signature_image": upload},
        follow=True,
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: SimpleUploadedFile("sig.html", b"<script>alert(1)</script>"), "valid image"),
        (lambda: SimpleUploadedFile("sig.gif", _gif()), "File extension “gif” is not allowed"),
        (lambda: SimpleUploadedFile("sig.png", _png(4001, 10)), "4001×10 pixels"),
        (lambda: SimpleUploadedFile("sig.png", _png(1100, 1100, noise=True)), "at most 2.0 MB"),
    ],
    ids=["html", "gif", "too-wide", "oversize"],
)
def test_the_signature_form_refuses_a_bad_image_and_records_nothing(
    client, letters_user, invited_signatory, settings, upload, message
):
    before = _stored_files(settings, "signatures")
    client.force_login(letters_user)
    response = _sign(client, invited_signatory, upload())
    assert response.status_code == 200
    assert message in response.content.decode()
    invited_signatory.refresh_from_db()
    assert invited_signatory.status == SigningStatus.INVITED
    assert not invited_signatory.signature_image
    assert _stored_files(settings, "signatures") == before


def _gif() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 12), "white").save(buffer, "GIF")
    return buffer.getvalue()


# --- Terms and dates ------------------------------------------------------------------------


def _log_detention(client, case, person, **fields):
    data = {
        "person": person.pk,
        "measure": "pretrial_detention",
        "started_on": "2021-06-05",
        "term": "2 months",
    } | fields
    return client.post(reverse("staff:detention_log", args=[case.pk]), data)


def test_a_term_of_9999_years_is_a_field_message_not_a_server_error(
    client, editor, case_with_person
):
    case, person = case_with_person
    client.force_login(editor)
    response = _log_detention(client, case, person, term="9999 years")
    assert response.status_code == 400
    assert "The term is too long: at most 100 years" in response.content.decode()
    assert not Detention.objects.exists()


def test_a_term_running_past_the_calendar_is_a_message(client, editor, case_with_person):
    case, person = case_with_person
    client.force_login(editor)
    response = _log_detention(client, case, person, started_on="9999-12-31", term="2 months")
    assert response.status_code == 400
    assert "not a plausible date" in response.content.decode()
    assert not Detention.objects.exists()


def test_the_detention_service_refuses_a_term_too_long_given_directly(case_with_person):
    case, person = case_with_person
    with pytest.raises(ValidationError) as refused:
        detention_log(
            case=case,
            person=person,
            measure="pretrial_detention",
            started_on=D(2021, 6, 5),
            term_length=9999,
            term_unit="years",
        )
    assert "too long" in refused.value.message_dict["term_length"][0]
    assert not Detention.objects.exists()


def test_a_hearing_on_31_december_9999_is_refused(client, editor, case_with_person):
    case, person = case_with_person
    client.force_login(editor)
    response = client.post(
        reverse("staff:hearing_log", args=[case.pk]),
        {"held_on": "9999-12-31", "kind": "trial", "defendants": [person.pk]},
    )
    assert response.status_code == 400
    assert "not a plausible date" in response.content.decode()
    assert not Hearing.objects.exists()


def test_a_hearing_more_than_ten_years_ahead_is_refused_by_the_service(
    client, editor, case_with_person
):
    case, person = case_with_person
    client.force_login(editor)
    far = timezone.localdate().replace(day=1) + datetime.timedelta(days=11 * 366)
    response = client.post(
        reverse("staff:hearing_log", args=[case.pk]),
        {"held_on": far.isoformat(), "kind": "trial", "defendants": [person.pk]},
    )
    assert response.status_code == 400
    assert "more than 10 years ahead; check the year" in response.content.decode()
    assert not Hearing.objects.exists()


def test_a_hearing_dated_9999_is_refused_by_model_validation(case_with_person):
    case, _ = case_with_person
    with pytest.raises(ValidationError) as refused:
        Hearing(case=case, held_on=D(9999, 12, 31), kind="trial").full_clean()
    assert "held_on" in refused.value.message_dict


def test_a_calendar_feed_with_rows_at_the_end_of_the_calendar_still_serves(client, viewer):
    case = CaseFactory()
    today = timezone.localdate()
    HearingFactory(case=case, held_on=today + datetime.timedelta(days=3))
    # Stored before dates were bounded (create skips validation).
    HearingFactory(case=case, held_on=datetime.date.max)
    HearingFactory(case=case, held_on=datetime.date.max, starts_at=datetime.time(23, 0))
    DetentionFactory(case=case, started_on=D(2021, 6, 5), planned_end=datetime.date.max)
    _, token = calendar_feed_issue(user=viewer)

    response = client.get(reverse("staff:calendar_feed", args=[token]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert (today + datetime.timedelta(days=3)).strftime("%Y%m%d") in body


# --- Calendar feeds in the back office ------------------------------------------------------


def test_an_editor_sees_and_revokes_only_their_own_calendar_feeds_in_the_admin(
    editor, administrator
):
    other = make_user("olga_other_editor", "Editor")
    own_feed, _ = calendar_feed_issue(user=editor)
    other_feed, _ = calendar_feed_issue(user=other)
    client = logged_in(editor)

    listing = client.get(reverse("admin:casefiles_calendarfeed_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert "olga_other_editor" not in listing.content.decode()

    client.post(
        reverse("admin:casefiles_calendarfeed_changelist"),
        {"action": "revoke", ACTION_CHECKBOX_NAME: [own_feed.pk, other_feed.pk]},
    )
    other_feed.refresh_from_db()
    own_feed.refresh_from_db()
    assert other_feed.revoked_at is None
    assert own_feed.revoked_at is not None
    delete = client.get(reverse("admin:casefiles_calendarfeed_delete", args=[other_feed.pk]))
    assert delete.status_code in (302, 404)
    assert CalendarFeed.objects.filter(pk=other_feed.pk).exists()

    admin_listing = logged_in(administrator).get(reverse("admin:casefiles_calendarfeed_changelist"))
    assert admin_listing.context["cl"].result_count == 2
