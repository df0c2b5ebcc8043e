"""Every URL of the project, requested by every role, GET and POST, against a restricted case.

The matrix enumerates the URL patterns from the resolver, so a URL added without an
expectation here fails `test_every_url_pattern_has_an_expectation`. For each request it
checks the status, that nobody outside the restricted case's staff ever receives a byte of
it (every text of the case carries MARKER), and that a refused request wrote nothing.

Staff pages have their expected statuses written out per role. Back-office pages follow the
admin's own permission checks, so for them the matrix asserts what the admin cannot know:
that hidden records answer as missing ones (302 to the index from change and delete pages,
404 from history pages) and that history is never written through.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.files.base import ContentFile
from django.db import connection, reset_queries
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from PIL import Image

from casefiles import services
from casefiles.models import (
    ApiToken,
    Case,
    CaseParty,
    Charge,
    Detention,
    Event,
    EventParticipant,
    Hearing,
    Reminder,
    SentenceStep,
    Source,
)
from casefiles.services.api_tokens import api_token_create
from casefiles.twofactor import user_needs_second_factor
from letters.choices import RenderStatus
from letters.models import Letter, Letterhead, LetterTemplate, LetterVersion, Reply
from people.admin_visibility import VisibleAdmin
from people.deletion import DeletionRulesAdminMixin, deletion_refusal
from people.models import HealthCondition, Organisation, Person, Position
from people.roles import EDITOR, LETTERS, VIEWER
from people.visibility import sees_everything
from tests.conftest import make_user, second_factor_pass
from tests.letters.invitation_records import invitation_on

pytestmark = pytest.mark.django_db

MARKER = "QX-RESTRICTED-7731"
ROLES = (
    "anonymous",
    "outsider",
    "viewer",
    "editor",
    "letters",
    "health",
    "administrator",
    "assigned",
)
# Statuses in the order of ROLES. 302 for "anonymous" is the redirect to the login page.
LOGIN = 302


@dataclass
class World:
    users: dict[str, User | None]
    case: Case  # restricted, assigned to "assigned"
    person: Person  # appears only in the restricted case
    source: Source  # uploaded, cited only by the restricted case
    letter: Letter
    version: LetterVersion
    reply: Reply
    signatory_pk: int
    feed_token: str


def _png() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="signature.png")


@pytest.fixture
def world(demo, viewer, editor, letters_user, health_editor, administrator, outsider) -> World:
    case = demo.case
    assigned = make_user("asa_assigned", EDITOR, LETTERS)
    case.restricted = True
    case.title = f"{case.title} {MARKER}"
    case.save()
    case.assigned_staff.add(assigned)
    person = Person.objects.get(given_name="Bekizhan")
    person.notes = MARKER
    person.save()
    HealthCondition.objects.filter(person=person).update(description=MARKER)
    Event.objects.filter(case=case).update(description=MARKER)
    event = Event.objects.filter(case=case).first()
    if not EventParticipant.objects.exists():
        EventParticipant.objects.create(event=event, person=person, role="target")
    source = Source(title=f"Interrogation record {MARKER}")
    source.file.save("record.txt", ContentFile(MARKER.encode()))
    event.sources.add(source)
    letter = Letter.objects.get(case=case)
    # The demo letter is sent, so its text cannot be saved changed: mark it in the database.
    Letter.objects.filter(pk=letter.pk).update(subject=f"{letter.subject} {MARKER}")
    letter.refresh_from_db()
    version = LetterVersion.objects.create(
        letter=letter, number=1, content_hash="0" * 64, status=RenderStatus.DONE
    )
    version.file.save("letter.pdf", ContentFile(f"%PDF-1.4 {MARKER}".encode()))
    reply = Reply(letter=letter, received_on=datetime.date(2021, 8, 1), summary=MARKER)
    reply.file.save("reply.txt", ContentFile(MARKER.encode()))
    signatory = letter.signatories.first()
    signatory.signature_image.save("signature.png", _png())
    invitation_on(letter)  # the back office's invitation and event pages have a record
    # The organisation's, not the restricted case's: every role may read it.
    # The demo's letterhead, given a logo.
    letterhead = Letterhead.objects.get()
    letterhead.logo.save("logo.png", _png())
    hearing = Hearing.objects.filter(case=case).first()
    Reminder.objects.create(
        kind="hearing", case=case, hearing=hearing, due_on=hearing.held_on, message=MARKER
    )
    # Not one of ROLES: their "New calendar address" posts must not revoke this feed.
    _, token = services.calendar_feed_issue(user=make_user("fay_feed", VIEWER))
    # Theirs too: nobody else may revoke it (and the back office has a token to show).
    api_token_create(user=User.objects.get(username="fay_feed"), name="website list")
    for user in (administrator, health_editor):  # each with an authenticator set up
        second_factor_pass(Client(), user)
    StaticDevice.objects.create(user=health_editor, name="Recovery codes", confirmed=True)
    # A failed login, so the lockout's records have a row to show.
    Client().post(reverse("login"), {"username": "nobody-here", "password": "not-it"})
    assert AccessAttempt.objects.exists()
    if not AccessFailureLog.objects.exists():  # kept only when the log is switched on
        AccessFailureLog.objects.create(username="nobody-here", ip_address="127.0.0.1")
    return World(
        users={
            "anonymous": None,
            "outsider": outsider,
            "viewer": viewer,
            "editor": editor,
            "letters": letters_user,
            "health": health_editor,
            "administrator": administrator,
            "assigned": assigned,
        },
        case=case,
        person=person,
        source=source,
        letter=letter,
        version=version,
        reply=reply,
        signatory_pk=signatory.pk,
        feed_token=token,
    )


# --- Staff pages: expectations written out ------------------------------------------------


@dataclass(frozen=True)
class Expect:
    url: Callable[[World], str]
    get: tuple[int, ...]
    post: tuple[int, ...]


def _case(w: World) -> str:
    return str(w.case.pk)


def _fact(model, w: World) -> str:
    """A detention, hearing or sentence step of the restricted case (the demo has each)."""
    return str(model.objects.filter(case=w.case).order_by("pk").values_list("pk", flat=True)[0])


def _party(w: World) -> str:
    return str(CaseParty.objects.filter(case=w.case, person=w.person).first().pk)


def _event(w: World) -> str:
    return str(Event.objects.filter(case=w.case).order_by("pk").first().pk)


def _import_run(w: World) -> str:
    """A previewed import of "assigned", made once per world."""
    from casefiles.services.imports import import_preview

    if not hasattr(w, "import_run_pk"):
        run = import_preview(
            user=w.users["assigned"],
            kind="persons",
            content=b"Name\nIvan Importov\n",
            name="persons.csv",
        )
        w.import_run_pk = run.pk  # type: ignore[attr-defined]
    return str(w.import_run_pk)  # type: ignore[attr-defined]


def _letter(w: World) -> str:
    return str(w.letter.pk)


def _template(w: World) -> str:
    return str(LetterTemplate.objects.order_by("pk").values_list("pk", flat=True).first())


def _recipient(w: World) -> str:
    return str(w.letter.recipients.order_by("pk").values_list("pk", flat=True).first())


#            anon outs view edit lett hlth admn asgn
EVERYONE = (LOGIN, 403, 200, 200, 200, 200, 200, 200)
NO_POST = (LOGIN, 405, 405, 405, 405, 405, 405, 405)
CASE_PAGE = (LOGIN, 403, 404, 404, 404, 404, 200, 200)
LOG_FACT = (LOGIN, 403, 403, 404, 403, 404, 200, 200)
LOG_FACT_POST = LOG_FACT  # an empty post shows the empty form again
CASE_NEW = (LOGIN, 403, 403, 200, 403, 200, 200, 200)
LETTER_PAGE = (LOGIN, 403, 404, 404, 404, 404, 200, 200)
LETTER_WRITE = (LOGIN, 403, 403, 403, 404, 403, 302, 302)
# The Letters role on a letter's own pages (forms: an empty post shows the form again).
LETTER_FORM = (LOGIN, 403, 403, 403, 404, 403, 200, 200)
# Recording a new recipient also adds a person, organisation and position (Editor's right).
LETTER_PEOPLE_FORM = (LOGIN, 403, 403, 403, 403, 403, 200, 200)
GET_ONLY_POST = (LOGIN, 405, 405, 405, 405, 405, 405, 405)
POST_ONLY_GET = (LOGIN, 405, 405, 405, 405, 405, 405, 405)
# Letter templates are the organisation's, not a case's: the Letters role writes them.
TEMPLATE_WRITE = (LOGIN, 403, 403, 403, 200, 403, 200, 200)

# --- The REST API (casefiles/api/, letters/api.py) -------------------------------------------
# DRF answers for itself: 401 without credentials (no login redirect), 403 without the role
# that reads the model, 404 for a record of the restricted case, 405 for a method the
# endpoint does not offer. The matrix signs in with a session (the docs' way in).
#            anon outs view edit lett hlth admn asgn
API_READ = (401, 403, 200, 200, 200, 200, 200, 200)
API_HIDDEN = (401, 403, 404, 404, 404, 404, 200, 200)
API_NO_POST = (401, 403, 405, 405, 405, 405, 405, 405)
# An empty post to an endpoint that creates: the Editor's roles get the field errors.
API_CREATE = (401, 403, 403, 400, 403, 400, 400, 400)
API_CREATES = {"person", "party", "detention", "sentencestep", "hearing"}


def _api_record(model, w: World) -> str:
    """A record of `model` in the restricted case (the demo has one of each)."""
    if model is Person:
        return str(w.person.pk)
    if model is Source:
        return str(w.source.pk)
    if model is Letter:
        return str(w.letter.pk)
    if model is LetterVersion:
        return str(w.version.pk)
    if model is Reply:
        return str(w.reply.pk)
    if model is Organisation:
        # An authority that appears only in the restricted case.
        return str(_hidden_organisation(w).pk)
    if model is Position:
        return str(Position.objects.filter(organisation=_hidden_organisation(w)).first().pk)
    if model is Case:
        return str(w.case.pk)
    return str(model.objects.filter(case=w.case).order_by("pk").first().pk)


def _hidden_organisation(w: World) -> Organisation:
    editor = w.users["editor"]
    hidden = Organisation.objects.exclude(pk__in=Organisation.objects.visible_to(editor))
    with_position = hidden.filter(positions__isnull=False).order_by("pk").first()
    return with_position or hidden.order_by("pk").first()


def _api_entries() -> dict[str, Expect]:
    models = {
        "person": Person,
        "organisation": Organisation,
        "position": Position,
        "case": Case,
        "party": CaseParty,
        "charge": Charge,
        "detention": Detention,
        "sentencestep": SentenceStep,
        "hearing": Hearing,
        "event": Event,
        "source": Source,
        "letter": Letter,
        "letterversion": LetterVersion,
        "reply": Reply,
    }
    entries: dict[str, Expect] = {}
    for name, model in models.items():
        entries[f"api:{name}-list"] = Expect(
            lambda w, name=name: reverse(f"api:{name}-list"),
            API_READ,
            API_CREATE if name in API_CREATES else API_NO_POST,
        )
        entries[f"api:{name}-detail"] = Expect(
            lambda w, name=name, model=model: reverse(
                f"api:{name}-detail", args=[_api_record(model, w)]
            ),
            API_HIDDEN,
            API_NO_POST,
        )
    entries["api:letterversion-pdf"] = Expect(
        lambda w: reverse("api:letterversion-pdf", args=[w.version.pk]), API_HIDDEN, API_NO_POST
    )
    entries["api:api-root"] = Expect(
        lambda w: reverse("api:api-root"), (401,) + (200,) * 7, (401,) + (405,) * 7
    )
    # The schema names endpoints and fields, no record: any signed-in user.
    entries["api:schema"] = Expect(
        lambda w: reverse("api:schema"), (401,) + (200,) * 7, (401,) + (405,) * 7
    )
    # The docs are a page: behind the login (and second factor) like every other page.
    entries["api:docs"] = Expect(
        lambda w: reverse("api:docs"), (LOGIN,) + (200,) * 7, (LOGIN,) + (405,) * 7
    )
    # Personal tokens: one's own; an empty post shows the form again with its error.
    entries["staff:api_tokens"] = Expect(
        lambda w: reverse("staff:api_tokens"), EVERYONE, (LOGIN, 403) + (200,) * 6
    )
    # Another user's token (fay_feed's): missing to everyone else.
    entries["staff:api_token_revoke"] = Expect(
        lambda w: reverse(
            "staff:api_token_revoke",
            args=[ApiToken.objects.get(user__username="fay_feed").pk],
        ),
        POST_ONLY_GET,
        (LOGIN, 403) + (404,) * 6,
    )
    return entries


API = _api_entries()

STAFF: dict[str, Expect] = {
    "home": Expect(lambda w: reverse("home"), EVERYONE, NO_POST),
    "staff:dashboard": Expect(lambda w: reverse("staff:dashboard"), EVERYONE, NO_POST),
    "staff:case_list": Expect(lambda w: reverse("staff:case_list"), EVERYONE, NO_POST),
    # Those who may add cases; an empty post shows the empty form again.
    "staff:case_new": Expect(lambda w: reverse("staff:case_new"), CASE_NEW, CASE_NEW),
    "staff:case_detail": Expect(
        lambda w: reverse("staff:case_detail", args=[_case(w)]), CASE_PAGE, NO_POST
    ),
    # One page of the case page's timeline, fetched in place: the same as the case page.
    "staff:case_timeline": Expect(
        lambda w: reverse("staff:case_timeline", args=[_case(w)]), CASE_PAGE, NO_POST
    ),
    "staff:case_brief": Expect(
        lambda w: reverse("staff:case_brief", args=[_case(w)]), CASE_PAGE, NO_POST
    ),
    "staff:case_brief_pdf": Expect(
        lambda w: reverse("staff:case_brief_pdf", args=[_case(w)]), CASE_PAGE, NO_POST
    ),
    "staff:detention_log": Expect(
        lambda w: reverse("staff:detention_log", args=[_case(w)]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:hearing_log": Expect(
        lambda w: reverse("staff:hearing_log", args=[_case(w)]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:sentence_step_log": Expect(
        lambda w: reverse("staff:sentence_step_log", args=[_case(w)]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:charge_add": Expect(
        lambda w: reverse("staff:charge_add", args=[_case(w)]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:charge_edit": Expect(
        lambda w: reverse("staff:charge_edit", args=[w.case.charges.order_by("pk").first().pk]),
        LOG_FACT,
        LOG_FACT_POST,
    ),
    "staff:verdict_record": Expect(
        lambda w: reverse("staff:verdict_record", args=[_case(w)]), LOG_FACT, LOG_FACT_POST
    ),
    # Correcting a fact of the restricted case: as logging one (an empty post shows the form).
    "staff:sentence_step_edit": Expect(
        lambda w: reverse("staff:sentence_step_edit", args=[_fact(SentenceStep, w)]),
        LOG_FACT,
        LOG_FACT_POST,
    ),
    "staff:detention_edit": Expect(
        lambda w: reverse("staff:detention_edit", args=[_fact(Detention, w)]),
        LOG_FACT,
        LOG_FACT_POST,
    ),
    "staff:hearing_edit": Expect(
        lambda w: reverse("staff:hearing_edit", args=[_fact(Hearing, w)]),
        LOG_FACT,
        LOG_FACT_POST,
    ),
    # Parties and persons: the restricted case's political prisoner, who appears only in it.
    "staff:party_add": Expect(
        lambda w: reverse("staff:party_add", args=[_case(w)]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:party_edit": Expect(
        lambda w: reverse("staff:party_edit", args=[_party(w)]), LOG_FACT, LOG_FACT_POST
    ),
    # Refused without the confirm box, and refused anyway: the case records facts about them.
    "staff:party_remove": Expect(
        lambda w: reverse("staff:party_remove", args=[_party(w)]),
        POST_ONLY_GET,
        (LOGIN, 403, 403, 404, 403, 404, 400, 400),
    ),
    "staff:person_add": Expect(lambda w: reverse("staff:person_add"), CASE_NEW, CASE_NEW),
    "staff:person_edit": Expect(
        lambda w: reverse("staff:person_edit", args=[w.person.pk]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:event_add": Expect(
        lambda w: reverse("staff:event_add", args=[_case(w)]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:event_edit": Expect(
        lambda w: reverse("staff:event_edit", args=[_event(w)]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:source_add": Expect(
        lambda w: reverse("staff:source_add", args=[_case(w)]), LOG_FACT, LOG_FACT_POST
    ),
    # Viewers may read sources but not change them; the source is cited only by the
    # restricted case, so it is missing to everyone else.
    "staff:source_edit": Expect(
        lambda w: reverse("staff:source_edit", args=[w.source.pk]), LOG_FACT, LOG_FACT_POST
    ),
    "staff:search": Expect(lambda w: reverse("staff:search") + "?q=Mendygazyev", EVERYONE, NO_POST),
    "staff:calendar": Expect(lambda w: reverse("staff:calendar"), EVERYONE, NO_POST),
    "staff:calendar_issue": Expect(
        lambda w: reverse("staff:calendar_issue"),
        POST_ONLY_GET,
        (LOGIN, 403, 302, 302, 302, 302, 302, 302),
    ),
    "staff:calendar_revoke": Expect(
        lambda w: reverse("staff:calendar_revoke"),
        POST_ONLY_GET,
        (LOGIN, 403, 302, 302, 302, 302, 302, 302),
    ),
    # A private feed answers to its token, whoever holds it; its owner is a Viewer, so it
    # holds nothing of the restricted case.
    "staff:calendar_feed": Expect(
        lambda w: reverse("staff:calendar_feed", args=[w.feed_token]),
        (200,) * 8,
        (405,) * 8,
    ),
    "staff:person_detail": Expect(
        lambda w: reverse("staff:person_detail", args=[w.person.pk]), CASE_PAGE, NO_POST
    ),
    "staff:person_picker": Expect(
        lambda w: reverse("staff:person_picker") + "?q=Mendygazyev", EVERYONE, NO_POST
    ),
    "staff:source_file": Expect(
        lambda w: reverse("staff:source_file", args=[w.source.pk]), CASE_PAGE, NO_POST
    ),
    "letters:create": Expect(
        lambda w: reverse("letters:create", args=[_case(w)]),
        (LOGIN, 403, 403, 403, 404, 403, 200, 200),
        (LOGIN, 403, 403, 403, 404, 403, 200, 200),
    ),
    "letters:detail": Expect(
        lambda w: reverse("letters:detail", args=[_letter(w)]), LETTER_PAGE, NO_POST
    ),
    "letters:preview": Expect(
        lambda w: reverse("letters:preview", args=[_letter(w)]), LETTER_PAGE, NO_POST
    ),
    "letters:versions": Expect(
        lambda w: reverse("letters:versions", args=[_letter(w)]), LETTER_PAGE, NO_POST
    ),
    "letters:render": Expect(
        lambda w: reverse("letters:render", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    "letters:finalise": Expect(
        lambda w: reverse("letters:finalise", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    # The demo letter is sent: its edit page says so, and a post is refused with a redirect.
    "letters:edit": Expect(
        lambda w: reverse("letters:edit", args=[_letter(w)]), LETTER_FORM, LETTER_WRITE
    ),
    "letters:send_for_signature": Expect(
        lambda w: reverse("letters:send_for_signature", args=[_letter(w)]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    "letters:download": Expect(
        lambda w: reverse("letters:download", args=[w.version.pk]), LETTER_PAGE, NO_POST
    ),
    # The Word document is made from the letter as it stands: as the PDF download.
    "letters:docx": Expect(
        lambda w: reverse("letters:docx", args=[_letter(w)]), LETTER_PAGE, NO_POST
    ),
    # The organisation's logo, shown in every letter's preview: to all who may read letters.
    "letters:letterhead_logo": Expect(
        lambda w: reverse("letters:letterhead_logo", args=[Letterhead.objects.get().pk]),
        EVERYONE,
        NO_POST,
    ),
    "letters:signature": Expect(
        lambda w: reverse("letters:signature", args=[w.signatory_pk]), LETTER_PAGE, NO_POST
    ),
    "letters:reply_file": Expect(
        lambda w: reverse("letters:reply_file", args=[w.reply.pk]), LETTER_PAGE, NO_POST
    ),
    "letters:signatory_signed": Expect(
        lambda w: reverse("letters:signatory_signed", args=[w.signatory_pk]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    "letters:signatory_declined": Expect(
        lambda w: reverse("letters:signatory_declined", args=[w.signatory_pk]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    "letters:list": Expect(lambda w: reverse("letters:list") + "?q=LTR", EVERYONE, NO_POST),
    "letters:picker": Expect(
        lambda w: reverse("letters:picker", args=[_letter(w)]) + "?q=Mendygazyev",
        LETTER_FORM,
        NO_POST,
    ),
    "letters:recipient_add": Expect(
        lambda w: reverse("letters:recipient_add", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    "letters:recipient_new": Expect(
        lambda w: reverse("letters:recipient_new", args=[_letter(w)]),
        LETTER_PEOPLE_FORM,
        LETTER_PEOPLE_FORM,
    ),
    "letters:recipient_edit": Expect(
        lambda w: reverse("letters:recipient_edit", args=[_recipient(w)]), LETTER_FORM, LETTER_FORM
    ),
    "letters:recipient_move": Expect(
        lambda w: reverse("letters:recipient_move", args=[_recipient(w)]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    # The letter is sent: a removal is refused with a message, so the record stays for the
    # roles after the administrator.
    "letters:recipient_remove": Expect(
        lambda w: reverse("letters:recipient_remove", args=[_recipient(w)]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    "letters:signatory_add": Expect(
        lambda w: reverse("letters:signatory_add", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    "letters:signatory_edit": Expect(
        lambda w: reverse("letters:signatory_edit", args=[w.signatory_pk]),
        LETTER_FORM,
        LETTER_FORM,
    ),
    "letters:signatory_move": Expect(
        lambda w: reverse("letters:signatory_move", args=[w.signatory_pk]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    "letters:signatory_remove": Expect(
        lambda w: reverse("letters:signatory_remove", args=[w.signatory_pk]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    # cite
    "letters:cite_search": Expect(
        lambda w: reverse("letters:cite_search", args=[_letter(w)]) + "?q=Interrogation",
        LETTER_FORM,
        NO_POST,
    ),
    # An empty post: "choose a source", back to the editor.
    "letters:cite_append": Expect(
        lambda w: reverse("letters:cite_append", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    # GET: the sentence about the event, for the editor's script; an empty post: "choose a fact".
    "letters:fact_insert": Expect(
        lambda w: reverse("letters:fact_insert", args=[_letter(w)]) + f"?fact=event:{_event(w)}",
        LETTER_FORM,
        LETTER_WRITE,
    ),
    # An empty post is an incomplete text: the preview says what is missing.
    "letters:preview_draft": Expect(
        lambda w: reverse("letters:preview_draft", args=[_letter(w)]),
        POST_ONLY_GET,
        (LOGIN, 403, 403, 403, 404, 403, 422, 422),
    ),
    "letters:revision_compare": Expect(
        lambda w: (
            reverse("letters:revision_compare", args=[w.letter.revisions.first().pk])
            + "?with=current"
        ),
        LETTER_PAGE,
        NO_POST,
    ),
    # imports
    # The upload page: those who may add cases; an empty post shows the empty form again.
    "staff:import_upload": Expect(lambda w: reverse("staff:import_upload"), CASE_NEW, CASE_NEW),
    # A run is seen and confirmed by its uploader ("assigned") alone: missing to the others.
    "staff:import_preview": Expect(
        lambda w: reverse("staff:import_preview", args=[_import_run(w)]),
        (LOGIN, 403, 403, 404, 403, 404, 404, 200),
        NO_POST,
    ),
    "staff:import_confirm": Expect(
        lambda w: reverse("staff:import_confirm", args=[_import_run(w)]),
        POST_ONLY_GET,
        (LOGIN, 403, 403, 404, 403, 404, 404, 302),
    ),
    # api
    **API,
    # signers
    "letters:invite": Expect(
        lambda w: reverse("letters:invite", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    "letters:invitation_revoke": Expect(
        lambda w: reverse("letters:invitation_revoke", args=[_invitation(w)[0]]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    "letters:signature_rules": Expect(
        lambda w: reverse("letters:signature_rules", args=[_letter(w)]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    "letters:signature_states": Expect(
        lambda w: reverse("letters:signature_states", args=[_letter(w)]), LETTER_PAGE, NO_POST
    ),
    # The signer's pages answer to the token alone, whoever holds it (logged in or not): the
    # demo letter is sent, so its link is refused (410) with a message, writing nothing.
    "signer_page": Expect(
        lambda w: reverse("signer_page", args=[_invitation(w)[1]]), (410,) * 8, (405,) * 8
    ),
    "signer_pdf": Expect(
        lambda w: reverse("signer_pdf", args=[_invitation(w)[1]]), (410,) * 8, (405,) * 8
    ),
    "signer_sign": Expect(
        lambda w: reverse("signer_sign", args=[_invitation(w)[1]]), (405,) * 8, (410,) * 8
    ),
    "signer_decline": Expect(
        lambda w: reverse("signer_decline", args=[_invitation(w)[1]]), (405,) * 8, (410,) * 8
    ),
    # multicase: the cases a letter concerns. The demo letter is sent, so a change is
    # refused with a message (302) for those who may see it.
    "letters:case_add": Expect(
        lambda w: reverse("letters:case_add", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    "letters:case_remove": Expect(
        lambda w: reverse("letters:case_remove", args=[_letter(w), _case(w)]),
        POST_ONLY_GET,
        LETTER_WRITE,
    ),
    # export
    # Everything as a zip: Administrators only (they see every case).
    "staff:export_all": Expect(
        lambda w: reverse("staff:export_all"),
        (LOGIN, 403, 403, 403, 403, 403, 200, 403),
        NO_POST,
    ),
    "staff:case_export": Expect(
        lambda w: reverse("staff:case_export", args=[_case(w)]), CASE_PAGE, NO_POST
    ),
    # templates
    "letters:template_list": Expect(lambda w: reverse("letters:template_list"), EVERYONE, NO_POST),
    "letters:template_new": Expect(
        lambda w: reverse("letters:template_new"), TEMPLATE_WRITE, TEMPLATE_WRITE
    ),
    # Everyone reads a template; an empty post by the Letters role shows the form again.
    "letters:template_edit": Expect(
        lambda w: reverse("letters:template_edit", args=[_template(w)]), EVERYONE, TEMPLATE_WRITE
    ),
    # Written out over the restricted case: only those who may see it.
    "letters:template_preview": Expect(
        lambda w: reverse("letters:template_preview", args=[_template(w)]) + f"?case={_case(w)}",
        CASE_PAGE,
        NO_POST,
    ),
    # seal: sending, replies and the public check. The demo letter is sent: Send and Retry
    # are refused with a message (302), as is an empty reply, for those who may write.
    "letters:send": Expect(
        lambda w: reverse("letters:send", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    "letters:send_retry": Expect(
        lambda w: reverse("letters:send_retry", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    "letters:reply_add": Expect(
        lambda w: reverse("letters:reply_add", args=[_letter(w)]), POST_ONLY_GET, LETTER_WRITE
    ),
    # Anyone, logged in or not; an empty check is a 400 with the form's message.
    "letter_verify": Expect(lambda w: reverse("letter_verify"), (200,) * 8, (400,) * 8),
    "login": Expect(lambda w: reverse("login"), (200,) * 8, (200,) * 8),
    # Logging out is a POST (Django 5); each request here has a client of its own.
    "logout": Expect(lambda w: reverse("logout"), (LOGIN,) + (405,) * 7, (302,) * 8),
    # Our one login for the back office too (the lockout and the second factor apply).
    "admin_login_redirect": Expect(lambda w: "/admin/login/", (302,) * 8, (302,) * 8),
    # The second factor: Administrators and Health data staff have an authenticator (and
    # have given its code); the others have none, so the code page sends them to set one up.
    "two_factor_verify": Expect(
        lambda w: reverse("two_factor_verify"),
        (LOGIN, 302, 302, 302, 302, 200, 200, 302),
        (LOGIN, 302, 302, 302, 302, 200, 200, 302),
    ),
    "two_factor_setup": Expect(
        lambda w: reverse("two_factor_setup"),
        (LOGIN, 200, 200, 200, 200, 302, 302, 200),
        (LOGIN, 200, 200, 200, 200, 302, 302, 200),
    ),
    "two_factor_qr": Expect(
        lambda w: reverse("two_factor_qr"),
        (LOGIN, 200, 200, 200, 200, 403, 403, 200),
        (LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    # Deleted records and their restore: Administrators only; an empty post names nothing.
    "deleted_records": Expect(
        lambda w: "/admin/deleted/",
        (302, 302, 403, 403, 403, 403, 200, 403),
        (302, 302, 403, 403, 403, 403, 404, 403),
    ),
    "letters:preview_fonts": Expect(
        lambda w: reverse("letters:preview_fonts"), (LOGIN,) + (200,) * 7, NO_POST
    ),
    "admin_shortcut": Expect(
        lambda w: f"/admin/r/{_content_type(Case)}/{w.case.pk}/",
        (302, 302, 404, 404, 404, 404, 302, 302),
        (302, 302, 404, 404, 404, 404, 302, 302),
    ),
}


def _invitation(w: World) -> tuple[int, str]:
    """An invitation to sign the restricted case's (sent) letter, and its link's token."""
    invitation, token = invitation_on(w.letter)
    return invitation.pk, token


def _device(w: World):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.get(user=w.users["administrator"])


def _content_type(model) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


# --- Back office: expectations from the admin's permissions and the visibility rule -------

ADMIN_ACTIONS = ("changelist", "add", "change", "delete", "history", "simple_history")
ADMIN_REDIRECT_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def _registered(key: str):
    """(model, action) for an admin URL name of a model registered in the back office."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if key.startswith(prefix) and key.removeprefix(prefix) in ADMIN_ACTIONS + ("redirect",):
            return model, key.removeprefix(prefix)
    return None


ADMIN_SITE_PAGES: dict[str, Expect] = {
    #                                        anon outs view edit lett hlth admn asgn
    "admin:index": Expect(lambda w: "/admin/", (302, 302) + (200,) * 6, (302, 302) + (200,) * 6),
    # Shadowed by "admin_login_redirect": the back office has no login form of its own.
    "admin:login": Expect(lambda w: "/admin/login/", (302,) * 8, (302,) * 8),
    "admin:logout": Expect(lambda w: "/admin/logout/", (302, 302) + (405,) * 6, (302,) * 8),
    "admin:password_change": Expect(
        lambda w: "/admin/password_change/", (302, 302) + (200,) * 6, (302, 302) + (200,) * 6
    ),
    "admin:password_change_done": Expect(
        lambda w: "/admin/password_change/done/",
        (302, 302) + (200,) * 6,
        (302, 302) + (405,) * 6,
    ),
    # Without its parameters the autocomplete refuses; with them it is checked below.
    "admin:autocomplete": Expect(
        lambda w: "/admin/autocomplete/", (302, 302) + (403,) * 6, (302, 302) + (405,) * 6
    ),
    "admin:jsi18n": Expect(
        lambda w: "/admin/jsi18n/", (302, 302) + (200,) * 6, (302, 302) + (405,) * 6
    ),
    # Shadowed by our own checked shortcut, which is listed first (see casefiles/urls.py).
    "admin:view_on_site": STAFF["admin_shortcut"],
    # Setting another user's password: Administrators only.
    "admin:auth_user_password_change": Expect(
        lambda w: f"/admin/auth/user/{w.users['assigned'].pk}/password/",
        (302, 302, 403, 403, 403, 403, 200, 403),
        (302, 302, 403, 403, 403, 403, 200, 403),
    ),
    # Authenticators' secrets are never shown in the back office, to anyone.
    "admin:otp_totp_totpdevice_config": Expect(
        lambda w: f"/admin/otp_totp/totpdevice/{_device(w).pk}/config/",
        (302, 302) + (403,) * 6,
        (302, 302) + (403,) * 6,
    ),
    "admin:otp_totp_totpdevice_qrcode": Expect(
        lambda w: f"/admin/otp_totp/totpdevice/{_device(w).pk}/qrcode/",
        (302, 302) + (403,) * 6,
        (302, 302) + (403,) * 6,
    ),
    "admin:app_list": Expect(
        lambda w: "/admin/casefiles/", (302, 302) + (200,) * 6, (302, 302) + (200,) * 6
    ),
    "admin:catch_all": Expect(
        lambda w: "/admin/no-such-page/", (302, 302) + (404,) * 6, (302, 302) + (404,) * 6
    ),
}


def _target(model, w: World):
    """A record of `model` the plain Editor may not see, where the fixture has one."""
    if model is User:
        return w.users["assigned"]
    if model is Group:
        return Group.objects.order_by("name").first()
    manager = model._default_manager
    hidden = manager.all()
    if hasattr(hidden, "visible_to"):
        hidden = hidden.exclude(pk__in=manager.visible_to(w.users["editor"]).values("pk"))
    return hidden.order_by("pk").first() or manager.order_by("pk").first()


def _admin_expectation(action: str, model, obj, user, method: str) -> int:
    if user is None or not user.is_staff:
        return 302  # to the admin's login page
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = user
    visible = obj is not None and model_admin.get_queryset(request).filter(pk=obj.pk).exists()
    if action == "changelist":
        return 200 if model_admin.has_view_or_change_permission(request) else 403
    if action == "add":
        return 200 if model_admin.has_add_permission(request) else 403
    if action == "change":
        seen = visible and obj or None
        if method == "POST":
            allowed = model_admin.has_change_permission(request, seen)
        else:
            allowed = model_admin.has_view_or_change_permission(request, seen)
        return 403 if not allowed else 200 if visible else 302
    if action == "delete":
        seen = visible and obj or None
        if isinstance(model_admin, DeletionRulesAdminMixin) and seen and deletion_refusal(seen):
            # A kept record: those who may delete are sent back with the reason.
            may_delete = request.user.has_perm(
                f"{model._meta.app_label}.delete_{model._meta.model_name}"
            )
            return 302 if may_delete else 403
        if not model_admin.has_delete_permission(request, seen):
            return 403
        return 200 if visible else 302
    if action in ("history", "simple_history"):
        if not isinstance(model_admin, VisibleAdmin):
            # Django's own history page (records without simple-history): as change.
            allowed = model_admin.has_view_or_change_permission(request, visible and obj or None)
            return 403 if not allowed else 200 if visible else 302
        if not visible and not (obj is None and sees_everything(user)):
            return 404
        if action == "simple_history" and method == "POST":
            return 405  # history is never written through, whoever asks
        if not model_admin.has_view_or_change_permission(request, obj):
            return 403
        return 200
    raise AssertionError(action)


def _admin_url(action: str, model, obj) -> str:
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_{action}"
    if action in ("changelist", "add"):
        return reverse(name)
    if action == "simple_history":
        rows = model.history.filter(**{opts.pk.attname: obj.pk}).order_by("-history_id")
        if not rows.exists():  # made by a migration, before its history was recorded
            obj.save()
        row = rows.first()
        return reverse(name, args=[obj.pk, row.history_id])
    return reverse(name, args=[obj.pk])


# --- The matrix -----------------------------------------------------------------------------


def _patterns(resolver=None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern.name, prefix + str(pattern.pattern)


def _key(namespace: str, name: str | None, route: str) -> str:
    if name:
        return f"{namespace}{name}"
    if route.endswith("(?P<url>.*)$"):
        return "admin:catch_all"
    match = ADMIN_REDIRECT_ROUTE.match(route)
    if match:
        return f"admin:{match['app']}_{match['model']}_redirect"
    return f"{namespace}?{route}"


def _expectation_known(key: str) -> bool:
    return key in STAFF or key in ADMIN_SITE_PAGES or _registered(key) is not None


def test_every_url_pattern_has_an_expectation():
    keys = {_key(*pattern) for pattern in _patterns()}
    missing = sorted(key for key in keys if not _expectation_known(key))
    assert not missing, f"URLs with no line in the access matrix: {missing}"


def test_a_url_added_without_an_expectation_fails_the_matrix():
    assert not _expectation_known("staff:some_new_page")
    assert not _expectation_known("admin:casefiles_nosuchmodel_change")


def _client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        if user_needs_second_factor(user):
            second_factor_pass(client, user)
    return client


class SignedIn:
    """For each request, a new client in the state a fresh login leaves it in.

    Logging in (and giving the second factor) anew before each of the matrix's thousands of
    requests took most of its time. Each role signs in once; every request then starts from a
    new client whose only cookie is that session, and only while the session holds exactly
    what the login wrote. A request that changed it (logging out, say) has the role sign in
    anew before its next request.
    """

    def __init__(self) -> None:
        self._sessions: dict[str, tuple[str, dict]] = {}
        self._store = import_module(settings.SESSION_ENGINE).SessionStore

    def client(self, role: str, user: User | None) -> Client:
        if user is None:
            return Client()
        known = self._sessions.get(role)
        if known is not None:
            key, data = known
            if dict(self._store(session_key=key).load()) == data:
                client = Client()
                client.cookies[settings.SESSION_COOKIE_NAME] = key
                return client
        client = _client_for(user)
        session = client.session
        self._sessions[role] = (session.session_key, dict(session.items()))
        return client


# Bookkeeping a request may write whatever it is refused: sessions and login records.
BOOKKEEPING_TABLES = ("django_session", "auth_user", "axes_", "otp_")


def _writes(queries) -> list[str]:
    statements = []
    for query in queries:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(("INSERT", "UPDATE", "DELETE")) and not any(
            table.upper() in sql.split("(")[0].split(" SET ")[0] for table in BOOKKEEPING_TABLES
        ):
            statements.append(query["sql"][:120])
    return statements


def _request(client: Client, method: str, url: str, data: dict | None = None):
    if method == "GET":
        return client.get(url)
    return client.post(url, data or {})


def _may_see_restricted(user: User | None) -> bool:
    if user is None:
        return False
    return Case.objects.visible_to(user).filter(restricted=True).exists()


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _check(
    failures: list,
    w: World,
    signed_in: SignedIn,
    key: str,
    role: str,
    method: str,
    url: str,
    want: int,
    data=None,
):
    user = w.users[role]
    client = signed_in.client(role, user)
    # The query log keeps only the last 9,000 queries; full, it would show the capture none.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = _request(client, method, url, data)
        body = _body(response)
    if response.status_code != want:
        failures.append(f"{method} {url} as {role}: {response.status_code}, expected {want}")
    if MARKER.encode() in body and not _may_see_restricted(user) and key != "staff:calendar_feed":
        failures.append(f"{method} {url} as {role}: shows the restricted case")
    refused = want in (403, 404, 405) or user is None or (key.startswith("admin") and want == 302)
    if refused and _writes(queries.captured_queries):
        failures.append(f"{method} {url} as {role}: refused ({want}) but wrote to the database")


# The matrix's thousands of requests in parts, each a test of its own, so that `make test`'s
# workers share them (in one test it was the suite's longest by far). Part k holds every
# SHARDS-th URL pattern from the k-th: each part has its share of the back office.
SHARDS = 8


def _url_keys() -> list[str]:
    """The key of every URL pattern, each once, in the URLconf's order."""
    return list(dict.fromkeys(_key(*pattern) for pattern in _patterns()))


def test_the_parts_of_the_matrix_cover_every_url_pattern_once():
    keys = _url_keys()
    parts = [keys[shard::SHARDS] for shard in range(SHARDS)]
    assert sorted(key for part in parts for key in part) == sorted(keys)
    assert all(parts), "a part with no URL: fewer parts would do"


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_url_answers_every_role_as_expected(world, settings, shard):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _import_run(world)  # the back office's import-run pages need one from the start
    failures: list[str] = []
    signed_in = SignedIn()
    for key in _url_keys()[shard::SHARDS]:
        if key in STAFF or key in ADMIN_SITE_PAGES:
            expect = STAFF.get(key) or ADMIN_SITE_PAGES[key]
            url = expect.url(world)
            for method, statuses in (("GET", expect.get), ("POST", expect.post)):
                for role, want in zip(ROLES, statuses, strict=True):
                    _check(failures, world, signed_in, key, role, method, url, want)
            continue
        model, action = _registered(key)
        if action == "redirect":
            obj = _target(model, world)
            if obj is None:
                failures.append(f"{key}: the fixture has no {model.__name__}")
                continue
            opts = model._meta
            url = f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/"
            for method in ("GET", "POST"):
                for role in ROLES:
                    _check(failures, world, signed_in, key, role, method, url, 302)
            continue
        obj = None if action in ("changelist", "add") else _target(model, world)
        if action not in ("changelist", "add") and obj is None:
            failures.append(f"{key}: the fixture has no {model.__name__}")
            continue
        url = _admin_url(action, model, obj)
        for method in ("GET", "POST"):
            # A history version posted with the record's own values, as an attacker would.
            data = (
                {
                    k: v
                    for k, v in model_to_dict(obj).items()
                    if v is not None and not hasattr(v, "__iter__") or isinstance(v, str)
                }
                if action == "simple_history" and method == "POST"
                else None
            )
            for role in ROLES:
                user = world.users[role]
                want = _admin_expectation(action, model, obj, user, method)
                _check(failures, world, signed_in, key, role, method, url, want, data)
    assert not failures, "\n".join(failures)


def test_the_matrix_covers_the_hidden_records_it_means_to(world):
    """The back-office rows above are only meaningful if the targets really are hidden."""
    editor = world.users["editor"]
    for model in (Case, CaseParty, Event, Source, Letter, LetterVersion, Reply, Person):
        target = _target(model, world)
        assert not model._default_manager.visible_to(editor).filter(pk=target.pk).exists(), model
    assert isinstance(AnonymousUser(), AnonymousUser)
