"""Writes on letters: creating from a template, signatures, finalising, rendering PDFs.

Rendering is two steps. `letter_version_request` snapshots the letter's HTML into a
LetterVersion (status queued) — or returns the existing version with the same
content — and queues the render task once the transaction commits.
`letter_version_render` is the one place a PDF is made; the task, the admin action,
`render_letter --sync` and the benchmark all go through it. `letter_versions_requeue_stuck`
(a beat job) sends again the versions whose message or worker was lost (docs/letters.md,
"The render queue under faults").
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from casefiles.models import Case
from casefiles.pdf import PDFRenderError
from letters.choices import LetterStatus, RenderStatus, SignedVia, SigningStatus
from letters.models import Letter, LetterSignatory, LetterTemplate, LetterVersion
from letters.rendering import (
    LetterContentError,
    content_hash,
    html_to_pdf,
    letter_files,
    letter_html,
    letter_is_final,
)
from letters.services_revisions import revision_for_signature
from letters.signing import SigningError, pdf_sign, signing_configured

logger = logging.getLogger(__name__)

# Failures worth another try: the database or the file store was briefly away.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError)

# Templates ------------------------------------------------------------------------------
# Written out by letters.services_templates over letters.templating's vocabulary.


def letter_reference_suggest(*, day: datetime.date | None = None) -> str:
    """'LTR-2026-11-26', or 'LTR-2026-11-26-2' when a letter of that day exists already."""
    base = f"LTR-{(day or datetime.date.today()):%Y-%m-%d}"
    taken = set(
        Letter.objects.filter(reference__startswith=base).values_list("reference", flat=True)
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


@transaction.atomic
def letter_create_from_template(
    *,
    case: Case,
    template: LetterTemplate,
    reference: str,
    subject: str = "",
    place: str = "Brussels",
    dated_on: datetime.date | None = None,
    author: User | None = None,
    other_cases: list[Case] | None = None,
) -> Letter:
    """A draft letter for ``case`` (and ``other_cases``: the caller adds them to the letter)
    whose text is the template written out over the cases' facts as ``author`` may see
    them (letters.templating)."""
    from letters.services_templates import letter_template_render
    from letters.templating.environment import TemplateRenderError

    try:
        text = letter_template_render(
            template=template, cases=[case, *(other_cases or [])], author=author
        )
    except TemplateRenderError as exc:
        raise ValidationError(
            {"template": f"The template “{template.name}” does not render for this case: {exc}"}
        ) from None
    letter = Letter(
        case=case,
        reference=reference,
        subject=subject or text["subject"] or template.name,
        place=place,
        dated_on=dated_on or datetime.date.today(),
        salutation=text["salutation"],
        body=text["body"],
        closing=text["closing"],
    )
    letter.full_clean()
    letter.save()
    return letter


# Signatures -----------------------------------------------------------------------------


def _signatures_still_open(signatory: LetterSignatory) -> None:
    letter = signatory.letter
    if letter.status in (LetterStatus.FINAL, LetterStatus.SENT):
        raise ValidationError(
            f"Letter {letter.reference} is {letter.get_status_display().lower()}; "
            "its signatures can no longer change."
        )


@transaction.atomic
def signatory_sign(
    *,
    signatory: LetterSignatory,
    via: SignedVia | str,
    signed_at: datetime.datetime | None = None,
    signature_image=None,
) -> LetterSignatory:
    """Record that a signatory signed, when and how (a scanned signature, an email…)."""
    _signatures_still_open(signatory)
    if via not in SignedVia.values:
        raise ValidationError(f"Unknown way of signing: {via!r}")
    if via == SignedVia.SCANNED and not (signature_image or signatory.signature_image):
        raise ValidationError("A scanned signature needs its image.")
    # A signature is given on a fixed text: the revision out for signature, or — signing a
    # draft — its text frozen now.
    signatory.revision = revision_for_signature(letter=signatory.letter)
    signatory.letter.refresh_from_db(fields=["status"])
    signatory.status = SigningStatus.SIGNED
    signatory.signed_via = via
    signatory.signed_at = signed_at or timezone.now()
    if signature_image is not None:
        signatory.signature_image = signature_image
    signatory.full_clean()
    signatory.save()
    return signatory


@transaction.atomic
def signatory_decline(*, signatory: LetterSignatory) -> LetterSignatory:
    _signatures_still_open(signatory)
    signatory.status = SigningStatus.DECLINED
    signatory.signed_at = None
    signatory.signed_via = ""
    signatory.save()
    return signatory


@transaction.atomic
def letter_finalise(*, letter: Letter, requested_by: User | None = None) -> LetterVersion:
    """Make the letter final — only once every signatory still on it has signed — and queue its
    final PDF."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    # Only signatures on the text as it stands count; "signed an earlier text" is waiting.
    remaining = letter.signatories.exclude(status=SigningStatus.DECLINED)
    waiting = [
        s.person.signature_name
        for s in remaining.select_related("person")
        if s.status != SigningStatus.SIGNED
    ]
    if letter.signatures_required and letter.status not in (LetterStatus.FINAL, LetterStatus.SENT):
        # Co-signature rules (letters.invitations): the minimum is enough; those who did not
        # sign the frozen revision are left off the PDF.
        signed = remaining.filter(status=SigningStatus.SIGNED).count()
        if signed < letter.signatures_required:
            raise ValidationError(
                f"The letter cannot be final: it needs {letter.signatures_required} "
                f"signatures and has {signed}."
            )
        waiting = []
    if waiting:
        raise ValidationError(
            f"The letter cannot be final: still waiting for {', '.join(waiting)} to sign."
        )
    if not remaining.exists():
        raise ValidationError("The letter cannot be final: nobody has signed it.")
    if letter.status not in (LetterStatus.FINAL, LetterStatus.SENT):
        # The final text is a frozen revision: the one signed, or (signatures recorded before
        # revisions existed) the text frozen now.
        revision_for_signature(letter=letter, by=requested_by)
        letter.refresh_from_db(fields=["status"])
        letter.status = LetterStatus.FINAL
        letter.finalised_at, letter.finalised_by = timezone.now(), requested_by
        letter.save(update_fields=["status", "finalised_at", "finalised_by"])
    return letter_version_request(letter=letter, requested_by=requested_by)


# Rendering ------------------------------------------------------------------------------


@transaction.atomic
def letter_version_request(
    *, letter: Letter, requested_by: User | None = None, queue: bool = True
) -> LetterVersion:
    """The version holding the letter's current content, queued for rendering if it is new.

    Asking twice for the same content returns the same version (and queues nothing more);
    changed content — an edit, a new signature, finality — makes the next version.
    Raises LetterContentError when the body cannot be printed. ``queue=False`` leaves the
    rendering to the caller (render_letter --sync). The message is sent once this
    transaction commits (letter_version_publish); a broker that is down leaves the version
    queued with a note, never an error for the caller.
    """
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    final = letter_is_final(letter)
    html = letter_html(letter, final=final)
    digest = content_hash(html, final=final)

    version = letter.versions.filter(content_hash=digest).first()
    if version is not None:
        if version.status != RenderStatus.FAILED:
            if queue and version.error == QUEUE_UNREACHABLE:
                _publish_on_commit([version.pk])  # asked again: try the broker again now
            return version
        # Asked again by a person: a fresh set of attempts.
        version.status, version.error, version.finished_at = RenderStatus.QUEUED, "", None
        version.status_changed_at, version.render_attempts = timezone.now(), 0
        version.save(
            update_fields=["status", "error", "finished_at", "status_changed_at", "render_attempts"]
        )
    else:
        number = (letter.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = LetterVersion.objects.create(
            letter=letter,
            number=number,
            content_hash=digest,
            html=html,
            is_final=final,
            status=RenderStatus.QUEUED,
            requested_by=requested_by,
        )
    if queue:
        _publish_on_commit([version.pk])
    return version


# What the versions table says about a version that is waiting for the broker.
QUEUE_UNREACHABLE = (
    "The render queue could not be reached; the render will be retried automatically."
)
RENDER_LOST = (
    "The last render stopped before it finished (its worker was stopped or ran out of time); "
    "it has been queued again."
)
# Publishing fails with kombu's wrapper around the connection error, or the error itself.
PUBLISH_ERRORS: tuple[type[BaseException], ...] = (KombuError, RedisError, OSError)


def _publish_on_commit(version_ids: list[int]) -> None:
    # After the commit, so that a worker never looks for a row that is not there yet.
    transaction.on_commit(partial(_publish_all, version_ids))


def _publish_all(version_ids: list[int]) -> None:
    for position, version_id in enumerate(version_ids):
        if not letter_version_publish(version_id=version_id):
            # The broker is down: note it on the rest too rather than wait on each in turn.
            LetterVersion.objects.filter(
                pk__in=version_ids[position + 1 :], status=RenderStatus.QUEUED
            ).update(error=QUEUE_UNREACHABLE)
            return


def letter_version_publish(*, version_id: int) -> bool:
    """Send a queued version to the render queue. True when the message went out; False when
    the broker could not be reached, after noting that on the version (still queued, so
    letter_versions_requeue_stuck sends it later).

    Never raises for a broker that is down: the page that asked for the render still
    answers. Not atomic: it runs after the commit, and each note is one UPDATE.
    """
    from letters.tasks import render_letter_version

    try:
        render_letter_version.apply_async((version_id,))
    except PUBLISH_ERRORS as exc:
        logger.warning("Render of letter version %s not queued: %s", version_id, exc)
        LetterVersion.objects.filter(pk=version_id, status=RenderStatus.QUEUED).update(
            error=QUEUE_UNREACHABLE
        )
        return False
    LetterVersion.objects.filter(
        pk=version_id, status=RenderStatus.QUEUED, error=QUEUE_UNREACHABLE
    ).update(error="")
    return True


@transaction.atomic
def letter_versions_requeue_stuck(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again the renders that are stuck, and return their ids.

    Stuck means queued for LETTERS_QUEUED_STUCK_AFTER seconds (the message was never sent,
    or was lost with the broker) or rendering for LETTERS_RENDER_STUCK_AFTER seconds — past
    the hard time limit, so its worker is dead. A rendering version is put back to queued;
    one whose renders have already started LETTERS_RENDER_MAX_ATTEMPTS times ends failed
    with the reason instead. Done and failed versions are never touched. Safe to run
    concurrently: rows another run holds are skipped (PostgreSQL's SKIP LOCKED).
    """
    now = now or timezone.now()
    queued_before = now - datetime.timedelta(seconds=settings.LETTERS_QUEUED_STUCK_AFTER)
    rendering_before = now - datetime.timedelta(seconds=settings.LETTERS_RENDER_STUCK_AFTER)
    stuck = (
        LetterVersion.objects.select_for_update(skip_locked=True)
        .filter(
            Q(status=RenderStatus.QUEUED, status_changed_at__lt=queued_before)
            | Q(status=RenderStatus.RENDERING, status_changed_at__lt=rendering_before)
        )
        .order_by("pk")
    )
    requeued = []
    for version in stuck:
        if version.status == RenderStatus.RENDERING:
            if version.render_attempts >= settings.LETTERS_RENDER_MAX_ATTEMPTS:
                _version_give_up(version, last_error="")
                continue
            version.error = RENDER_LOST
        version.status, version.status_changed_at = RenderStatus.QUEUED, now
        version.render_task_id = ""
        version.save(update_fields=["status", "error", "status_changed_at", "render_task_id"])
        requeued.append(version.pk)
    if requeued:
        logger.warning("Queued again %d stuck letter render(s): %s", len(requeued), requeued)
        _publish_on_commit(requeued)
    return requeued


def _version_give_up(version: LetterVersion, *, last_error: str) -> LetterVersion:
    """Fail a version (locked by the caller) whose renders keep dying or erroring."""
    last = last_error or "it stopped before it finished (its worker was stopped or ran out of time)"
    version.status = RenderStatus.FAILED
    version.error = (
        f"Rendering was given up after {version.render_attempts} attempts; the last one: {last}"
    )[:2000]
    version.finished_at = timezone.now()
    version.render_task_id = ""
    version.save(update_fields=["status", "error", "finished_at", "render_task_id"])
    return version


def _render_may_start(version: LetterVersion, *, task_id: str) -> bool:
    """Whether this delivery should render the version (locked by the caller).

    Not when it is done (its file stands) or failed (rendered again only when a person asks:
    letter_version_request). Not when another live worker is rendering it — unless this very
    message was the one being rendered: then that worker died and the broker redelivered it.
    """
    if version.status in (RenderStatus.DONE, RenderStatus.FAILED):
        return False
    if version.status == RenderStatus.RENDERING:
        if task_id and task_id == version.render_task_id:
            return True
        lost_after = datetime.timedelta(seconds=settings.LETTERS_RENDER_STUCK_AFTER)
        return version.status_changed_at < timezone.now() - lost_after
    return True


def _version_file_name(version: LetterVersion, sha256: str) -> str:
    safe_reference = re.sub(r"[^A-Za-z0-9._-]+", "-", version.letter.reference).strip("-")
    return f"{safe_reference or 'letter'}-v{version.number}-{sha256[:12]}.pdf"


def letter_version_render(*, version_id: int, task_id: str = "") -> LetterVersion:
    """Render a queued version to PDF: queued → rendering → done, or failed with the reason.

    Safe to run twice and concurrently: a done or failed version is returned untouched, one
    a live worker is rendering is left to it, and of two renderings of one version only the
    first to finish is stored. ``task_id`` is the Celery message's id, recorded so that a
    redelivery after a worker died is told apart from a duplicate. Transient errors put the
    version back in the queue with the reason and are re-raised so the task can retry;
    content errors are final; after LETTERS_RENDER_MAX_ATTEMPTS starts the version fails.
    Not atomic as a whole on purpose: "rendering" must be visible while WeasyPrint works.
    """
    with transaction.atomic():
        version = (
            LetterVersion.objects.select_for_update().select_related("letter").get(pk=version_id)
        )
        if not _render_may_start(version, task_id=task_id):
            return version
        if version.render_attempts >= settings.LETTERS_RENDER_MAX_ATTEMPTS:
            return _version_give_up(
                version, last_error="" if version.error == RENDER_LOST else version.error
            )
        version.status, version.error = RenderStatus.RENDERING, ""
        version.status_changed_at, version.render_task_id = timezone.now(), task_id
        version.render_attempts += 1
        version.save(
            update_fields=[
                "status",
                "error",
                "status_changed_at",
                "render_task_id",
                "render_attempts",
            ]
        )

    try:
        pdf = html_to_pdf(version.html, allowed_files=letter_files(version.letter))
        if version.is_final and signing_configured():
            pdf = pdf_sign(
                pdf,
                reason=f"Final version {version.number} of letter {version.letter.reference}",
                location=version.letter.place,
            )
    except (LetterContentError, PDFRenderError, SigningError) as exc:
        return _version_failed(version_id, str(exc))
    except TRANSIENT_ERRORS as exc:
        _version_requeued(version_id, f"{type(exc).__name__}: {exc} (will retry)")
        raise
    except Exception as exc:
        logger.exception("Rendering %s failed", version)
        return _version_failed(version_id, f"Unexpected error: {type(exc).__name__}: {exc}")

    sha256 = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        version = (
            LetterVersion.objects.select_for_update().select_related("letter").get(pk=version_id)
        )
        if version.status == RenderStatus.DONE:
            return version  # another worker finished first; its file stands
        # Storage never overwrites: a clashing name gets a suffix, so no file is replaced.
        version.file.save(_version_file_name(version, sha256), ContentFile(pdf), save=False)
        version.sha256 = sha256
        version.status = RenderStatus.DONE
        version.error = ""
        version.finished_at = timezone.now()
        version.save(update_fields=["file", "sha256", "status", "error", "finished_at"])
    return version


def _version_failed(version_id: int, error: str) -> LetterVersion:
    with transaction.atomic():
        version = LetterVersion.objects.select_for_update().get(pk=version_id)
        if version.status != RenderStatus.DONE:
            version.status = RenderStatus.FAILED
            version.error = error[:2000]
            version.finished_at = timezone.now()
            version.save(update_fields=["status", "error", "finished_at"])
    return version


def _version_requeued(version_id: int, error: str) -> LetterVersion:
    """Back to queued with the reason: the task's retry (or the requeue job) renders it again."""
    with transaction.atomic():
        version = LetterVersion.objects.select_for_update().get(pk=version_id)
        if version.status != RenderStatus.DONE:
            version.status, version.error = RenderStatus.QUEUED, error[:2000]
            version.status_changed_at = timezone.now()
            version.save(update_fields=["status", "error", "status_changed_at"])
    return version


def letter_render_now(*, letter: Letter, requested_by: User | None = None) -> LetterVersion:
    """Request and render in this process (render_letter --sync, tests, the benchmark)."""
    version = letter_version_request(letter=letter, requested_by=requested_by, queue=False)
    if version.status != RenderStatus.DONE:
        version = letter_version_render(version_id=version.pk)
    return version
