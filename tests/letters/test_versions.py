"""Rendered versions: the same content is one version, a done file never changes."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError

from letters.choices import LetterStatus, RenderStatus, SignedVia, SigningStatus
from letters.models import LetterVersion
from letters.services import (
    letter_finalise,
    letter_render_now,
    letter_version_render,
    letter_version_request,
    signatory_decline,
    signatory_sign,
)
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


def file_sha256(version: LetterVersion) -> str:
    with version.file.open("rb") as pdf:
        return hashlib.sha256(pdf.read()).hexdigest()


def test_rendering_the_same_content_twice_gives_the_same_version(letter):
    first = letter_render_now(letter=letter)
    second = letter_render_now(letter=letter)
    assert first.pk == second.pk
    assert LetterVersion.objects.filter(letter=letter).count() == 1
    assert first.status == RenderStatus.DONE and first.sha256 == file_sha256(first)


def test_requesting_a_render_queues_on_commit_and_the_in_process_task_completes_it(
    letter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version = letter_version_request(letter=letter)
        assert version.status == RenderStatus.QUEUED
        # Asking again before the commit queues nothing more.
        assert letter_version_request(letter=letter).pk == version.pk
    assert len(callbacks) == 1
    version.refresh_from_db()
    assert version.status == RenderStatus.DONE and version.file and version.finished_at


def test_running_the_render_twice_leaves_the_stored_file_alone(letter):
    version = letter_render_now(letter=letter)
    name, sha = version.file.name, version.sha256
    again = letter_version_render(version_id=version.pk)
    assert (again.file.name, again.sha256, again.status) == (name, sha, RenderStatus.DONE)


def test_an_edit_makes_the_next_version_and_keeps_the_previous_file(letter):
    first = letter_render_now(letter=letter)
    letter.body += "\n\nA further paragraph."
    letter.save()
    second = letter_render_now(letter=letter)
    assert (first.number, second.number) == (1, 2)
    assert second.content_hash != first.content_hash
    assert second.file.name != first.file.name
    first.refresh_from_db()
    assert file_sha256(first) == first.sha256


def test_a_letter_cannot_become_final_while_a_signatory_is_still_invited(db):
    letter = make_letter(signed=False)
    with pytest.raises(ValidationError, match="still waiting for Petras AUŠTREVIČIUS, Róża THUN"):
        letter_finalise(letter=letter)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT
    assert not letter.versions.exists()


def test_a_declined_signatory_does_not_hold_up_the_final_letter_nor_appear_on_it(finalise_now):
    letter = make_letter(signed=False)
    petras, roza = letter.signatories.order_by("order")
    signatory_sign(signatory=petras, via=SignedVia.EMAIL)
    signatory_decline(signatory=roza)
    version = finalise_now(letter)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FINAL
    assert version.is_final and version.status == RenderStatus.DONE
    # Not among those who signed: only the audit page, after the letter, says she declined.
    letter_text, audit = version.html.split('<section class="audit">')
    assert "Petras AUŠTREVIČIUS" in letter_text and "Róża" not in letter_text
    assert "Róża" in audit and "eclined" in audit


def test_a_letter_nobody_signed_cannot_be_final(db):
    letter = make_letter(signed=False)
    for signatory in letter.signatories.all():
        signatory_decline(signatory=signatory)
    with pytest.raises(ValidationError, match="nobody has signed"):
        letter_finalise(letter=letter)


def test_a_scanned_signature_needs_its_image(db):
    letter = make_letter(signed=False)
    with pytest.raises(ValidationError, match="needs its image"):
        signatory_sign(signatory=letter.signatories.first(), via=SignedVia.SCANNED)


def test_signing_records_when_and_how(db):
    letter = make_letter(signed=False)
    signatory = signatory_sign(signatory=letter.signatories.first(), via=SignedVia.EMAIL)
    signatory.refresh_from_db()
    assert signatory.status == SigningStatus.SIGNED
    assert signatory.signed_via == SignedVia.EMAIL and signatory.signed_at


def test_a_final_version_is_never_overwritten_and_a_final_letter_is_never_edited(
    finalise_now,
):
    letter = make_letter()
    final = finalise_now(letter)
    name, sha = final.file.name, final.sha256
    assert "DRAFT" not in final.html.split("<body", 1)[1]

    assert finalise_now(letter).pk == final.pk  # the same content: the same file
    letter.refresh_from_db()
    letter.closing = "Yours sincerely,"
    # A final letter's text is what was signed (test_revisions.py): a correction is a new
    # letter, never a second final version next to the signed one.
    with pytest.raises(ValidationError, match="can no longer be edited"):
        letter.save()
    letter.refresh_from_db()
    assert letter_render_now(letter=letter).pk == final.pk

    final.refresh_from_db()
    assert (final.file.name, final.sha256, file_sha256(final)) == (name, sha, sha)


def test_a_draft_is_marked_as_such_and_a_final_version_differs_from_it(finalise_now):
    letter = make_letter()
    draft = letter_render_now(letter=letter)
    assert not draft.is_final and "DRAFT" in draft.html
    final = finalise_now(letter)
    assert final.pk != draft.pk and final.is_final


def test_a_failed_render_records_a_readable_error_and_can_be_requested_again(letter, settings):
    settings.PDF_FONT_FAMILY = "Missing Font"
    version = letter_render_now(letter=letter)
    assert version.status == RenderStatus.FAILED
    assert "PDF font files missing" in version.error and "MissingFont.ttf" in version.error
    settings.PDF_FONT_FAMILY = "DejaVu Serif"
    # The font is part of the HTML, so this is new content; the failed row stays as it was.
    retried = letter_render_now(letter=letter)
    assert retried.status == RenderStatus.DONE


def test_a_failed_version_with_unchanged_content_is_rendered_again_not_duplicated(letter):
    version = letter_render_now(letter=letter)
    LetterVersion.objects.filter(pk=version.pk).update(
        status=RenderStatus.FAILED, error="OperationalError: the database went away (will retry)"
    )
    again = letter_render_now(letter=letter)
    assert again.pk == version.pk and again.status == RenderStatus.DONE and again.error == ""
