"""The letter page: preview, Generate PDF, versions with their status, download, signatories.

Everyone with a login and the view permission (Viewer, Editor) may look; only the
Letters role (change permission) may render or finalise.
"""

from __future__ import annotations

from typing import cast

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from casefiles.downloads import protected_file_response
from casefiles.forms import record_id
from casefiles.selectors import case_for_page, cases_visible_to
from casefiles.views.base import typed_query
from letters.choices import LetterStatus, RenderStatus
from letters.docx import letter_docx_bytes
from letters.forms import LetterCreateForm, LetterOtherCasesForm, SignatureForm
from letters.models import Letter, Letterhead, LetterSignatory, LetterVersion, Reply
from letters.rendering import LetterContentError, letter_html, preview_fonts_css
from letters.selectors import (
    letter_cases,
    letters_at_a_glance,
    letters_for_list,
    recipients_in_order,
)
from letters.services import (
    QUEUE_UNREACHABLE,
    letter_create_from_template,
    letter_finalise,
    letter_reference_suggest,
    letter_version_request,
    signatory_decline,
    signatory_sign,
)
from letters.services_cases import letter_cases_add
from letters.services_recipients import letter_is_frozen
from letters.services_revisions import letter_current_revision
from letters.views_cases import cases_card_context
from letters.views_editor import CREATE_PEOPLE
from letters.views_invitations import invitations_context
from letters.views_sending import sending_context

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PENDING = (RenderStatus.QUEUED, RenderStatus.RENDERING)
LETTERS_PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware and permission_required let only logged-in users this far.
    return cast(User, request.user)


def _letters(request: HttpRequest):
    """Letters about the cases this user may see: the one visibility rule, as on case pages."""
    return Letter.objects.visible_to(request.user)


def _versions_context(letter: Letter) -> dict:
    versions = list(letter.versions.select_related("requested_by"))
    return {
        "letter": letter,
        "versions": versions,
        "pending": any(v.status in PENDING for v in versions),
    }


@require_GET
@permission_required("letters.view_letter", raise_exception=True)
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(_letters(request).select_related("case"), pk=pk)
    frozen = letter_is_frozen(letter)
    context = {
        **_versions_context(letter),
        "title": f"{letter.reference}: {letter.subject}",
        "recipients": recipients_in_order(letter),
        "signatories": letter.signatories.select_related("person"),
        "signature_form": SignatureForm(),
        "can_sign": request.user.has_perm("letters.change_lettersignatory")
        and letter.status in (LetterStatus.DRAFT, LetterStatus.COLLECTING),
        "can_render": request.user.has_perm("letters.change_letter"),
        "frozen": frozen,
        "revision": letter_current_revision(letter),
        "can_edit_parties": request.user.has_perm("letters.change_letter") and not frozen,
        "can_create_people": request.user.has_perms(CREATE_PEOPLE),
        **invitations_context(request, letter),
        **sending_context(request, letter),
        **cases_card_context(request, letter),
    }
    return render(request, "letters/letter_detail.html", context)


@require_GET
@permission_required("letters.view_letter", raise_exception=True)
def letter_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """The versions table alone; the letter page polls it while a render is pending."""
    letter = get_object_or_404(_letters(request), pk=pk)
    return render(request, "letters/_versions.html", _versions_context(letter))


@require_GET
@xframe_options_sameorigin
# The letter page shows the preview in an iframe; every other page refuses to be framed.
# (django-csp 4.0 types its decorators for views that take the request alone.)
@csp_replace({"frame-ancestors": [SELF]})  # type: ignore[arg-type]
@permission_required("letters.view_letter", raise_exception=True)
def letter_preview(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(_letters(request), pk=pk)
    try:
        return HttpResponse(letter_html(letter, for_pdf=False))
    except LetterContentError as exc:
        return HttpResponse(
            format_html("<p>This letter cannot be printed yet: {}</p>", exc), status=422
        )


@require_GET
def letter_preview_fonts(request: HttpRequest) -> HttpResponse:
    """The preview's font as a stylesheet (the preview may load styles only from files)."""
    return HttpResponse(preview_fonts_css(), content_type="text/css; charset=utf-8")


@require_POST
@permission_required("letters.change_letter", raise_exception=True)
def letter_render(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(_letters(request), pk=pk)
    try:
        version = letter_version_request(letter=letter, requested_by=_user(request))
    except LetterContentError as exc:
        messages.error(request, str(exc))
    else:
        if not _warn_if_not_queued(request, version):
            messages.info(request, f"Version {version.number}: {version.get_status_display()}.")
    return redirect("letters:detail", pk=letter.pk)


def _warn_if_not_queued(request: HttpRequest, version: LetterVersion) -> bool:
    """Warn, and say so, when the render queue could not be reached for this version."""
    version.refresh_from_db()  # the render was queued (or run, without a broker) on commit
    if version.status == RenderStatus.QUEUED and version.error == QUEUE_UNREACHABLE:
        messages.warning(request, f"Version {version.number} is saved. {QUEUE_UNREACHABLE}")
        return True
    return False


@require_POST
@permission_required("letters.change_letter", raise_exception=True)
def letter_make_final(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(_letters(request), pk=pk)
    try:
        version = letter_finalise(letter=letter, requested_by=_user(request))
    except (ValidationError, LetterContentError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"The letter is final; version {version.number} is its PDF.")
        _warn_if_not_queued(request, version)
    return redirect("letters:detail", pk=letter.pk)


@require_GET
@permission_required("letters.view_letterversion", raise_exception=True)
def version_download(request: HttpRequest, pk: int) -> FileResponse:
    version = get_object_or_404(
        LetterVersion.objects.filter(letter__in=_letters(request)).select_related("letter"), pk=pk
    )
    if version.status != RenderStatus.DONE or not version.file:
        raise Http404("This version has no PDF yet.")
    return protected_file_response(
        version.file,
        filename=f"{version.letter.reference}-v{version.number}.pdf",
        content_type="application/pdf",
    )


@require_GET
@permission_required("letters.view_letterversion", raise_exception=True)
def letter_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter as an editable Word document, made now from the letter as it stands."""
    letter = get_object_or_404(_letters(request), pk=pk)
    try:
        data = letter_docx_bytes(letter)
    except LetterContentError as exc:
        messages.error(request, f"The Word document cannot be made yet: {exc}")
        return redirect("letters:detail", pk=letter.pk)
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{letter.reference}.docx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@permission_required("letters.view_letter", raise_exception=True)
def letterhead_logo(request: HttpRequest, pk: int) -> FileResponse:
    """The letterhead's logo, for the letter preview (the PDF is given the file itself)."""
    letterhead = get_object_or_404(Letterhead, pk=pk)
    if not letterhead.logo:
        raise Http404("No logo.")
    return protected_file_response(letterhead.logo, inline=True)


@require_GET
@permission_required("letters.view_letter", raise_exception=True)
def signature_image(request: HttpRequest, pk: int) -> FileResponse:
    signatory = get_object_or_404(
        LetterSignatory.objects.filter(letter__in=_letters(request)), pk=pk
    )
    if not signatory.signature_image:
        raise Http404("No signature image.")
    return protected_file_response(signatory.signature_image, inline=True)


@permission_required("letters.add_letter", raise_exception=True)
def letter_create(request: HttpRequest, case_pk: int) -> HttpResponse:
    """Start a draft letter for a case (and any other cases it concerns) from a template
    filled with the case's facts."""
    cases = cases_visible_to(request.user)
    case = case_for_page(cases, case_pk)
    form = LetterCreateForm(request.POST or None, initial={"reference": letter_reference_suggest()})
    others_form = LetterOtherCasesForm(request.POST or None, cases=cases, main_case=case)
    if request.method == "POST" and form.is_valid() and others_form.is_valid():
        try:
            with transaction.atomic():
                letter = letter_create_from_template(
                    case=case,
                    other_cases=others_form.cleaned_data["other_cases"],
                    author=_user(request),
                    **form.cleaned_data,
                )
                letter_cases_add(
                    letter=letter, cases=others_form.cleaned_data["other_cases"], user=request.user
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Draft {letter.reference} created. Add its recipients and signatories below, "
                "then generate the PDF.",
            )
            return redirect("letters:detail", pk=letter.pk)
    return render(
        request,
        "letters/letter_create.html",
        {"case": case, "form": form, "others_form": others_form},
    )


def _signatory(request: HttpRequest, pk: int) -> LetterSignatory:
    return get_object_or_404(
        LetterSignatory.objects.filter(letter__in=_letters(request)).select_related(
            "letter", "person"
        ),
        pk=pk,
    )


def _refusal(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _signatory_update(request: HttpRequest, signatory: LetterSignatory, update, done: str):
    """Run one signature service; say what happened, or why it was refused."""
    name = signatory.person.signature_name
    try:
        update()
    except ValidationError as exc:
        messages.error(request, f"{name}: {_refusal(exc)}")
    else:
        messages.success(request, f"{name} {done}.")
    return redirect("letters:detail", pk=signatory.letter_id)


@require_POST
@permission_required("letters.change_lettersignatory", raise_exception=True)
def signatory_signed(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a signature: when (now) and how (email, scan with its image, in person)."""
    signatory = _signatory(request, pk)
    form = SignatureForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _refusal(ValidationError(list(form.errors.values()))))
        return redirect("letters:detail", pk=signatory.letter_id)
    return _signatory_update(
        request,
        signatory,
        lambda: signatory_sign(
            signatory=signatory,
            via=form.cleaned_data["via"],
            signature_image=form.cleaned_data["signature_image"],
        ),
        "has signed",
    )


@require_POST
@permission_required("letters.change_lettersignatory", raise_exception=True)
def signatory_declined(request: HttpRequest, pk: int) -> HttpResponse:
    signatory = _signatory(request, pk)
    return _signatory_update(
        request,
        signatory,
        lambda: signatory_decline(signatory=signatory),
        "has declined to sign",
    )


@require_GET
@permission_required("letters.view_reply", raise_exception=True)
def reply_file(request: HttpRequest, pk: int) -> FileResponse:
    """A reply's scanned file, as a download (never rendered in our pages)."""
    reply = get_object_or_404(
        Reply.objects.filter(letter__in=_letters(request)).exclude(file=""), pk=pk
    )
    return protected_file_response(reply.file)


@require_GET
@permission_required("letters.view_letter", raise_exception=True)
def letter_list(request: HttpRequest) -> HttpResponse:
    """Every letter the user may see, once whatever the number of its cases, filtered by
    status, case (any it concerns), recipient, signatory and words; with how many wait for
    signatures and how many are ready to send."""
    letters = _letters(request)
    status = request.GET.get("status", "")
    status = status if status in LetterStatus.values else ""
    case_pk = record_id(request.GET.get("case", "")) if request.GET.get("case") else None
    case_text = typed_query(request, "case_text")
    cases = cases_visible_to(request.user)
    query = typed_query(request)
    recipient = typed_query(request, "recipient")
    signatory = typed_query(request, "signatory")
    waiting = request.GET.get("waiting") == "1"
    shown = letters_for_list(
        letters,
        status=status,
        case_pk=case_pk,
        case_text=case_text,
        cases=cases,
        query=query,
        recipient=recipient,
        signatory=signatory,
        waiting=waiting,
    )
    page = Paginator(shown, LETTERS_PER_PAGE).get_page(request.GET.get("page"))
    for letter in page.object_list:
        # Read by the template only.
        letter.case_list = letter_cases(letter)  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("page", None)
    params_without_case = params.copy()
    params_without_case.pop("case", None)
    return render(
        request,
        "letters/letter_list.html",
        {
            "page": page,
            "glance": letters_at_a_glance(letters),
            "statuses": LetterStatus.choices,
            "status": status,
            "case_pk": case_pk,
            # The case a link chose (the case page's Letters card): its reference, to show.
            # Typed, a case is looked for by reference or title (`case_text`): a menu of
            # every case with letters grew with the organisation (400 options at size).
            "chosen_case": (
                cases.filter(pk=case_pk).values_list("reference", flat=True).first()
                if case_pk is not None
                else None
            ),
            "case_text": case_text,
            "query": query,
            "recipient": recipient,
            "signatory": signatory,
            "waiting": waiting,
            "params": params.urlencode(),
            "params_without_case": params_without_case.urlencode(),
        },
    )
