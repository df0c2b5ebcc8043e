"""Files on S3-compatible object storage: stored in the bucket, never in MEDIA_ROOT, and still
leaving only through the checked downloads; letters render and seal from it; backups of it
restore.

A real S3-compatible server (moto in server mode) runs on 127.0.0.1 for these tests, so the
storage speaks HTTP to it as it would to a production endpoint. Skipped when moto or boto3
is not installed, failed instead under REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import io
import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from casefiles.backup import backup_restore, backup_write
from casefiles.models import Source
from letters.choices import RenderStatus, SignedVia
from letters.services import letter_render_now, signatory_sign
from letters.signing import pdf_signature_reports
from people.roles import EDITOR, LETTERS
from tests.conftest import logged_in, make_user, require_service
from tests.factories import CaseFactory, CasePartyFactory, DetentionFactory, PersonFactory
from tests.letters.conftest import finalise_now, make_letter, signing_certificate  # noqa: F401
from tests.security.test_headers import production_env, run

try:
    import boto3
    from moto.server import ThreadedMotoServer
except ImportError:  # pragma: no cover — the skip below says so
    boto3 = None
    ThreadedMotoServer = None

S3_ACCESS_KEY = "casefiles-test"
S3_SECRET_KEY = "casefiles-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server for this module's tests."""
    require_service(
        ThreadedMotoServer is not None and boto3 is not None,
        "moto[server] and boto3 are needed for the object storage tests "
        "(pip install 'django-storages[s3]' 'moto[server]')",
    )
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """A new private bucket, made the default storage as S3_BUCKET would make it, and an
    empty MEDIA_ROOT of the test's own (other tests leave files of the same names in the
    suite's), so that "not in MEDIA_ROOT" means what it says."""
    settings.MEDIA_ROOT = tmp_path / "media-root"
    name = f"casefiles-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": S3_ACCESS_KEY,
                "secret_key": S3_SECRET_KEY,
                "default_acl": "private",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    return Bucket(s3, name)


class Bucket:
    """The test's view of the bucket, straight through boto3 (not through Django)."""

    def __init__(self, s3, name: str) -> None:
        self.s3, self.name = s3, name

    def stored(self) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def empty(self) -> None:
        for key in self.stored():
            self.s3.delete_object(Bucket=self.name, Key=key)


def in_media_root(name: str) -> bool:
    return (Path(settings.MEDIA_ROOT) / name).exists()


def png(width: int = 300, height: int = 90) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, "PNG")
    return SimpleUploadedFile("signature.png", buffer.getvalue(), content_type="image/png")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def assigned_case(db):
    """A restricted case with a detention, and the one editor assigned to it."""
    case = CaseFactory(restricted=True)
    party = CasePartyFactory(case=case, person=PersonFactory(given_name="Bekizhan"))
    detention = DetentionFactory(case=case, person=party.person)
    assigned = make_user("asa_assigned", EDITOR, LETTERS)
    case.assigned_staff.add(assigned)
    return case, assigned, detention


@pytest.mark.django_db
def test_an_uploaded_source_is_kept_in_the_bucket_and_downloads_only_for_those_who_may_see_it(
    bucket, assigned_case
):
    case, assigned, detention = assigned_case
    client = logged_in(assigned)
    response = client.post(
        reverse("staff:source_add", args=[case.pk]),
        {
            "file": SimpleUploadedFile("ruling.txt", b"The court ruled.", "text/plain"),
            "title": "Ruling of the Uralsk court",
            "facts": [f"detention-{detention.pk}"],
        },
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert bucket.stored() == [source.file.name]
    assert bucket.read(source.file.name) == b"The court ruled."
    assert not in_media_root(source.file.name)

    url = reverse("staff:source_file", args=[source.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert body(download) == b"The court ruled."
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Cache-Control"] == "private, no-store"

    # An editor not assigned to the restricted case does not learn the file exists; a login
    # in no role may read no sources at all.
    other_editor = make_user("eddie_editor", EDITOR)
    assert logged_in(other_editor).get(url).status_code == 404
    outsider = make_user("otto_outsider", is_staff=False)
    assert logged_in(outsider).get(url).status_code == 403


@pytest.mark.django_db
def test_no_page_links_to_the_bucket(bucket, assigned_case):
    """The case page names the checked download, never an address in the bucket."""
    case, assigned, detention = assigned_case
    source = Source(title="Interrogation record")
    source.file.save("record.txt", io.BytesIO(b"record"))
    detention.sources.add(source)
    html = logged_in(assigned).get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert reverse("staff:source_file", args=[source.pk]) in html
    assert bucket.name not in html
    assert "X-Amz-Signature" not in html and "AWSAccessKeyId" not in html


@pytest.mark.django_db
def test_a_letter_renders_with_a_signature_image_kept_in_the_bucket(bucket, caplog):
    letter = make_letter(signed=False)
    signatory = signatory_sign(
        signatory=letter.signatories.first(), via=SignedVia.SCANNED, signature_image=png()
    )
    assert signatory.signature_image.name in bucket.stored()
    assert not in_media_root(signatory.signature_image.name)

    version = letter_render_now(letter=letter)

    assert version.status == RenderStatus.DONE, version.error
    assert version.file.name in bucket.stored()
    images = [
        image
        for page in PdfReader(io.BytesIO(bucket.read(version.file.name))).pages
        for image in page.images
    ]
    assert [image.image.size for image in images] == [(300, 90)]
    assert "refused" not in caplog.text


@pytest.mark.django_db
@pytest.mark.usefixtures("signing_certificate")
def test_a_sealed_final_pdf_lands_in_the_bucket_and_downloads(
    bucket,
    assigned_case,
    finalise_now,  # noqa: F811 — the letters' fixture, imported above
):
    case, assigned, _detention = assigned_case
    letter = make_letter(case=case)

    version = finalise_now(letter)  # rendered and sealed by the (eager) Celery task

    assert version.status == RenderStatus.DONE, version.error
    assert version.is_final
    assert version.file.name in bucket.stored()
    assert not in_media_root(version.file.name)
    stored = bucket.read(version.file.name)
    [seal] = pdf_signature_reports(stored)
    assert seal.intact and seal.valid and seal.covers_whole_file

    url = reverse("letters:download", args=[version.pk])
    download = logged_in(assigned).get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert body(download) == stored
    assert logged_in(make_user("eddie_editor", EDITOR, LETTERS)).get(url).status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_written_from_the_bucket_restores_every_file(bucket, tmp_path):
    letter = make_letter(signed=False)
    signatory_sign(
        signatory=letter.signatories.first(), via=SignedVia.SCANNED, signature_image=png()
    )
    source = Source(title="Court decision (scan)")
    source.file.save("decision.pdf", io.BytesIO(b"%PDF-1.4 court decision scan"))
    version = letter_render_now(letter=letter)
    assert version.status == RenderStatus.DONE, version.error
    before = {key: bucket.read(key) for key in bucket.stored()}
    assert len(before) == 3  # the source, the signature image and the PDF

    summary = backup_write(directory=tmp_path / "backup")
    assert summary.files == 1 + len(before)  # the database dump and each file
    assert sorted(p.name for p in (tmp_path / "backup" / "media").rglob("*") if p.is_file()) == (
        sorted(Path(key).name for key in before)
    )

    bucket.empty()  # the bucket is lost
    backup_restore(directory=tmp_path / "backup", force=True)

    assert {key: bucket.read(key) for key in bucket.stored()} == before
    assert not any(in_media_root(key) for key in before)
    restored = Source.objects.get(title="Court decision (scan)")
    with restored.file.open("rb") as stream:
        assert stream.read() == b"%PDF-1.4 court decision scan"


STORAGE_PROBE = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps(settings.STORAGES["default"]))
"""


def test_s3_bucket_in_the_environment_makes_the_files_private_object_storage(tmp_path):
    configured = production_settings_of(
        tmp_path,
        S3_BUCKET="casefiles-files",
        S3_ENDPOINT_URL="https://objects.example.org",
        S3_REGION="eu-central-1",
        S3_ACCESS_KEY_ID="key-id",
        S3_SECRET_ACCESS_KEY="secret",
    )
    assert configured["BACKEND"] == "storages.backends.s3.S3Storage"
    options = configured["OPTIONS"]
    assert options["bucket_name"] == "casefiles-files"
    assert options["endpoint_url"] == "https://objects.example.org"
    assert options["region_name"] == "eu-central-1"
    # Private objects, and no URL that would let its holder past the checked downloads.
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is False
    assert options["file_overwrite"] is False


def test_without_s3_bucket_files_stay_in_media_root(tmp_path):
    configured = production_settings_of(tmp_path)
    assert configured == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"S3_ENDPOINT_URL": "https://objects.example.org"}, "S3_BUCKET is not"),
        ({"S3_BUCKET": "b", "S3_ENDPOINT_URL": "objects.example.org"}, "is not a URL"),
        ({"S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "key-id"}, "S3_SECRET_ACCESS_KEY"),
    ],
)
def test_a_misconfigured_bucket_stops_start_up_naming_the_variable(tmp_path, variables, message):
    result = run(["-c", STORAGE_PROBE], production_env(tmp_path, **variables))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def production_settings_of(tmp_path: Path, **variables: str) -> dict:
    result = run(["-c", STORAGE_PROBE], production_env(tmp_path, **variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
