"""Rendering cannot hang a request or a worker: Markdown and WeasyPrint run under real limits.

Each render runs in a child process with a wall-clock limit enforced by the parent (which
kills the child), a CPU limit and a memory limit set by the kernel; what a user typed can
make a render fail with a message, never take a thread for minutes or answer with a 500.
Limits are kept small here with override_settings.
"""

from __future__ import annotations

import html
import io
import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casefiles.sandbox import RenderLimitError, RenderLimits, run_bounded
from letters.choices import RecipientKind, RenderStatus, SignedVia, SigningStatus
from letters.models import LetterRecipient, LetterVersion
from letters.services import letter_render_now, signatory_sign
from people.roles import LETTERS, VIEWER
from tests.conftest import logged_in, make_user, roles_ensure
from tests.factories import CaseFactory, EventFactory
from tests.letters.conftest import make_letter
from tests.security import sandbox_targets

pytestmark = pytest.mark.django_db

# 245 paragraphs of 200 "[": each passes the quick checks, and the whole stays within the
# 50,000 characters a body may hold, but together they take Python-Markdown seconds (about
# half of the 3.6–5.5 s measured for twice as many) — several times the limits set below.
SLOW_BODY = "\n\n".join(["[" * 200] * 245)


def client_for(*roles: str) -> Client:
    user = make_user(f"user_{'_'.join(roles).lower()}_{time.monotonic_ns()}", *roles)
    return logged_in(user)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# The letter preview: the body's Markdown is formatted while the user waits.


def test_a_preview_of_a_body_of_20000_brackets_answers_at_once_saying_what_to_remove():
    letter = make_letter(body="Dear colleagues, " + "[" * 20_000)
    started = time.monotonic()
    response = client_for(VIEWER).get(reverse("letters:preview", args=[letter.pk]))
    assert time.monotonic() - started < 5
    assert response.status_code == 422
    page = response.content.decode()
    assert "20,000 “[” brackets" in page and "Remove the stray brackets" in page


@override_settings(LETTERS_MARKDOWN_TIME_LIMIT=0.5)
def test_a_preview_of_a_body_too_slow_to_format_is_stopped_at_the_time_limit():
    letter = make_letter(body=SLOW_BODY)
    started = time.monotonic()
    response = client_for(VIEWER).get(reverse("letters:preview", args=[letter.pk]))
    assert time.monotonic() - started < 3
    assert response.status_code == 422
    page = response.content.decode()
    assert "too complex to format" in page and "longer than 0.5 s" in page
    assert "Shorten the body" in page


DEEP = "nests quotes or lists too deeply"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1. " * 1000 + "deep", DEEP),
        ("1) " * 1000 + "deep", DEEP),
        ("- " * 1000 + "deep", DEEP),
        ("* " * 1000 + "deep", DEEP),
        ("> " * 1000 + "deep", DEEP),
        (">" * 1000 + "deep", DEEP),
        ("\n".join("   " * depth + "1. item" for depth in range(1000))[:49_000], DEEP),
        ("<blockquote>" * 150 + "deep", DEEP),
        ("<ul><li>" * 75 + "deep", DEEP),
        ("<blockquote>" * 1000 + "deep", "The body has 1,000 “<” signs"),
    ],
    ids=[
        "numbered",
        "numbered-paren",
        "dashes",
        "stars",
        "quotes",
        "tight-quotes",
        "indented",
        "html-quotes",
        "html-lists",
        "html-quotes-thousand",
    ],
)
def test_a_body_nested_a_thousand_deep_gets_a_message_not_a_server_error(body, message):
    letter = make_letter(body=body)
    letters_client = client_for(LETTERS)
    started = time.monotonic()
    preview = letters_client.get(reverse("letters:preview", args=[letter.pk]))
    assert preview.status_code == 422
    assert html.escape(message, quote=False) in preview.content.decode()
    render = letters_client.post(reverse("letters:render", args=[letter.pk]))
    assert render.status_code == 302
    assert any(message in shown for shown in messages_of(render))
    assert not LetterVersion.objects.filter(letter=letter).exists()
    assert time.monotonic() - started < 10


# The PDFs: a letter in the worker, the case brief in the web request.


@override_settings(BRIEF_PDF_TIME_LIMIT=3)
def test_a_brief_with_1_mb_of_event_descriptions_ends_within_the_limit_with_a_message():
    # One description may hold 20,000 characters (a 1 MB one is refused when saved:
    # tests/security/test_limits.py); fifty of them make the same megabyte for the brief.
    case = CaseFactory()
    for _ in range(50):
        EventFactory(case=case, description=("The court adjourned again. " * 800)[:20_000])
    started = time.monotonic()
    response = client_for(VIEWER).get(reverse("staff:case_brief_pdf", args=[case.pk]))
    assert time.monotonic() - started < 8
    if response.status_code == 200:  # a faster machine may manage it within the limit
        assert response.content.startswith(b"%PDF")
        return
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:case_detail", args=[case.pk])
    (message,) = messages_of(response)
    assert message.startswith("The brief PDF could not be made: Rendering ")
    assert "shorten the longest summary or event descriptions" in message


def test_a_2_mb_address_block_is_refused_with_its_length():
    letter = make_letter()
    recipient = LetterRecipient.objects.get(letter=letter, kind=RecipientKind.ADDRESSEE)
    recipient.address_block = "H.E. Somebody\n" + "Astana\n" * 300_000
    with pytest.raises(ValidationError, match="at most 2,000 characters"):
        recipient.full_clean()
    # (letters.rendering still refuses a block over 5,000 characters by name, for rows from
    # before the limit; PostgreSQL's varchar(2000) keeps new ones out.)


def png_upload(image: Image.Image, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def signed_with_unchecked_image(signatory, upload: SimpleUploadedFile) -> None:
    """A signature image stored without today's upload checks (at most 4000 pixels a side),
    as one kept from before them would be: the renderer must still bound its work."""
    signatory.signature_image.save(upload.name, upload, save=False)
    signatory.status = SigningStatus.SIGNED
    signatory.signed_at = timezone.now()
    signatory.signed_via = SignedVia.SCANNED
    signatory.save()


@override_settings(RENDER_MEMORY_MB=300)
def test_a_letter_needing_more_memory_than_allowed_fails_with_the_reason():
    # 36 million half-transparent pixels: allowed in size, but WeasyPrint decodes them
    # (about 1 GB at peak, measured); the same letter renders with the default 1024 MB.
    letter = make_letter(signed=False)
    signed_with_unchecked_image(
        letter.signatories.first(),
        png_upload(Image.new("RGBA", (6000, 6000), (255, 255, 255, 128)), "heavy.png"),
    )
    started = time.monotonic()
    version = letter_render_now(letter=letter)
    assert time.monotonic() - started < 30
    assert version.status == RenderStatus.FAILED
    assert "needed more than the 300 MB of memory allowed" in version.error
    assert "The letter is too long or complex to print" in version.error


def test_a_signature_image_of_a_hundred_million_pixels_is_refused_by_name():
    letter = make_letter(signed=False)
    bomb = png_upload(Image.new("1", (10_000, 10_000), 1), "bomb.png")  # small file, huge image
    with pytest.raises(ValidationError, match="at most 4000 on a side"):
        signatory_sign(
            signatory=letter.signatories.first(), via=SignedVia.SCANNED, signature_image=bomb
        )
    bomb.seek(0)
    signed_with_unchecked_image(letter.signatories.first(), bomb)
    version = letter_render_now(letter=letter)
    assert version.status == RenderStatus.FAILED
    assert "bomb" in version.error and "10,000 × 10,000 pixels" in version.error
    assert "at most 40 million pixels" in version.error


# The sandbox itself.


def test_the_sandbox_kills_a_child_that_runs_past_the_wall_clock_limit(tmp_path):
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(RenderLimitError, match="took longer than 1 s") as raised:
        run_bounded(
            sandbox_targets.sleep_after_writing_pid,
            limits=RenderLimits(wall_seconds=1),
            pid_file=str(pid_file),
            seconds=60,
        )
    assert time.monotonic() - started < 3
    assert raised.value.limit == "time"
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left sleeping
        os.kill(int(pid_file.read_text()), 0)


def test_the_sandbox_stops_a_child_at_its_processor_limit():
    started = time.monotonic()
    with pytest.raises(RenderLimitError, match="more than 1 s of processor time") as raised:
        run_bounded(
            sandbox_targets.spin_forever, limits=RenderLimits(wall_seconds=20, cpu_seconds=1)
        )
    assert raised.value.limit == "cpu"
    assert time.monotonic() - started < 10


def test_the_sandbox_stops_a_memory_hungry_child_with_a_clear_error():
    started = time.monotonic()
    with pytest.raises(RenderLimitError) as raised:
        run_bounded(
            sandbox_targets.hoard_memory, limits=RenderLimits(wall_seconds=20, memory_mb=200)
        )
    assert str(raised.value) == "needed more than the 200 MB of memory allowed and was stopped"
    assert raised.value.limit == "memory"
    assert time.monotonic() - started < 10


def test_the_sandbox_returns_results_and_refuses_the_network():
    assert run_bounded(sandbox_targets.add, limits=RenderLimits(wall_seconds=10), a=2, b=3) == 5
    with pytest.raises(PermissionError, match="may not use the network"):
        run_bounded(
            sandbox_targets.connect_to,
            limits=RenderLimits(wall_seconds=10),
            host="127.0.0.1",
            port=9,
        )


# Celery's prefork worker processes are daemonic billiard processes with billiard's own
# authentication key; multiprocessing refuses both unless the sandbox sees to them.
PREFORK_WORKER = """
import billiard
from tests.security.sandbox_targets import add_in_a_sandbox

context = billiard.get_context("fork")
queue = context.Queue()
worker = context.Process(target=add_in_a_sandbox, args=(queue,), daemon=True)
worker.start()
print(queue.get(timeout=60))
worker.join(30)
"""


def test_the_sandbox_runs_from_a_celery_prefork_worker_process():
    # A fresh interpreter, as a worker's main process: this one's render server is its own.
    done = subprocess.run(
        [sys.executable, "-c", PREFORK_WORKER],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )
    assert done.stdout.strip() == "5", done.stdout + done.stderr


# The web process keeps answering while a render runs.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(LETTERS_MARKDOWN_TIME_LIMIT=0.6)
def test_other_pages_answer_quickly_while_a_hostile_preview_runs():
    roles_ensure()
    letter = make_letter(body=SLOW_BODY)
    hostile_client, other_client = client_for(VIEWER), client_for(VIEWER)
    other_client.get(reverse("staff:dashboard"))  # warm: the first page loads templates
    hostile: dict = {}

    def preview() -> None:
        started = time.monotonic()
        hostile["response"] = hostile_client.get(reverse("letters:preview", args=[letter.pk]))
        hostile["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=preview)
    thread.start()
    try:
        time.sleep(0.1)  # the preview is now waiting on its render process
        started = time.monotonic()
        other = other_client.get(reverse("staff:dashboard"))
        other_seconds = time.monotonic() - started
        assert thread.is_alive(), "the hostile preview ended before the other page was asked"
    finally:
        thread.join(timeout=30)
    assert other.status_code == 200
    # Well inside the hostile render's 0.6 s: the web process was not the one formatting.
    assert other_seconds < 0.45
    assert hostile["response"].status_code == 422
    assert "too complex to format" in hostile["response"].content.decode()
    assert hostile["seconds"] < 4
