"""The public signer page: a signatory (or their office) reads the letter and signs or
declines on their personal link, with no account (letters.invitations).

Authenticated by the token in the URL alone: no login, no second factor. Never indexed
(X-Robots-Tag and a robots meta tag), never sends the token to another site as a referrer,
rate-limited per IP address and link (Django's cache), and shows nothing of the case-file
beyond the letter. A
link that may not be used answers with the reason (410 for one that is gone, 409 for a
second decision) and writes nothing.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casefiles.downloads import protected_file_response
from casefiles.forms import apply_service_errors
from casefiles.twofactor import second_factor_not_required
from letters.choices import RenderStatus, SigningStatus
from letters.forms_signer import SignerDeclineForm, SignerSignForm
from letters.invitations import (
    SignerAlreadyDecided,
    SignerRefused,
    Visitor,
    invitation_decision,
    invitation_for_token,
    invitation_refusal,
    signature_from_data_url,
    signer_decline,
    signer_open,
    signer_sign,
    token_digest,
)
from letters.models import SignatureInvitation

Response = TypeVar("Response", bound=HttpResponseBase)
TEMPLATE = "letters/signer/page.html"
NOTICE = "letters/signer/notice.html"


def public(view):
    """A page for people without an account, reached by its token."""
    return second_factor_not_required(login_not_required(view))


def _visitor(request: HttpRequest) -> Visitor:
    return Visitor(
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def _private(response: Response) -> Response:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _over(key: str, limit: int) -> bool:
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        return False


def _too_many(request: HttpRequest, token: str) -> bool:
    """More than LETTERS_SIGNER_RATE_PER_MINUTE requests on one link from one IP address in
    this minute, or ten times that on any links (a scan for tokens)."""
    minute = int(timezone.now().timestamp() // 60)
    ip = request.META.get("REMOTE_ADDR", "")
    per_link = settings.LETTERS_SIGNER_RATE_PER_MINUTE
    link = token_digest(token)[:16]
    return _over(f"signer-rate:{ip}:{minute}", per_link * 10) or _over(
        f"signer-rate:{ip}:{link}:{minute}", per_link
    )


def _notice(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return _private(render(request, NOTICE, {"message": message}, status=status))


def _usable(
    request: HttpRequest, token: str
) -> tuple[SignatureInvitation | None, HttpResponse | None]:
    if _too_many(request, token):
        return None, _notice(request, "Too many requests; wait a minute and try again.", status=429)
    invitation = invitation_for_token(token)
    if invitation is None:
        return None, _notice(
            request,
            "This link is not valid. If you received several emails about this letter, use "
            "the link in the most recent one.",
            status=404,
        )
    refusal = invitation_refusal(invitation)
    if refusal:
        return None, _notice(request, refusal, status=410)
    return invitation, None


def _page(
    request: HttpRequest,
    invitation: SignatureInvitation,
    token: str,
    *,
    sign_form: SignerSignForm | None = None,
    decline_form: SignerDeclineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    signatory = invitation.signatory
    letter = signatory.letter
    others = [
        {
            "name": other.person.signature_name,
            "signs_as": other.signs_as,
            "signed": other.status == SigningStatus.SIGNED
            and other.revision_id == invitation.revision_id,
            "declined": other.status == SigningStatus.DECLINED,
        }
        for other in letter.signatories.select_related("person").order_by("order", "pk")
    ]
    version = invitation.pdf_version
    pdf_ready = version is not None and version.status == RenderStatus.DONE and bool(version.file)
    context = {
        "token": token,
        "invitation": invitation,
        "signatory": signatory,
        "letter": letter,
        "revision": invitation.revision,
        "pdf_ready": pdf_ready,
        "pdf_sha256": version.sha256 if pdf_ready and version else "",
        "others": others,
        "decision": invitation_decision(invitation),
        "sign_form": sign_form or SignerSignForm(initial={"full_name": signatory.person.name}),
        "decline_form": decline_form or SignerDeclineForm(),
    }
    return _private(render(request, TEMPLATE, context, status=status))


@public
@require_GET
def signer_page(request: HttpRequest, token: str) -> HttpResponse:
    invitation, refused = _usable(request, token)
    if refused is not None or invitation is None:
        return refused  # type: ignore[return-value]
    if not invitation_decision(invitation):
        signer_open(invitation=invitation, visitor=_visitor(request))
    return _page(request, invitation, token)


@public
@require_GET
def signer_pdf(request: HttpRequest, token: str) -> HttpResponseBase:
    invitation, refused = _usable(request, token)
    if refused is not None or invitation is None:
        return refused  # type: ignore[return-value]
    version = invitation.pdf_version
    if version is None or version.status != RenderStatus.DONE or not version.file:
        return _notice(
            request, "The PDF is still being prepared; try again in a minute.", status=404
        )
    response = protected_file_response(
        version.file,
        filename=f"{invitation.signatory.letter.reference}-revision-"
        f"{invitation.revision.number}.pdf",
        content_type="application/pdf",
    )
    return _private(response)


def _refused_decision(request: HttpRequest, exc: SignerRefused) -> HttpResponse:
    status = 409 if isinstance(exc, SignerAlreadyDecided) else 410
    return _notice(request, " ".join(exc.messages), status=status)


@public
@require_POST
def signer_sign_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation, refused = _usable(request, token)
    if refused is not None or invitation is None:
        return refused  # type: ignore[return-value]
    form = SignerSignForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            image = form.cleaned_data.get("signature_upload")
            drawn = form.cleaned_data.get("signature_drawn", "")
            if image is None and drawn:
                image = signature_from_data_url(drawn)
            signer_sign(
                invitation=invitation,
                visitor=_visitor(request),
                full_name=form.cleaned_data["full_name"],
                on_behalf_as=form.on_behalf_as,
                signature_image=image,
            )
        except SignerRefused as exc:
            return _refused_decision(request, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("signer_page", token=token)
    return _page(request, invitation, token, sign_form=form, status=400)


@public
@require_POST
def signer_decline_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation, refused = _usable(request, token)
    if refused is not None or invitation is None:
        return refused  # type: ignore[return-value]
    form = SignerDeclineForm(request.POST)
    if form.is_valid():
        try:
            signer_decline(
                invitation=invitation,
                visitor=_visitor(request),
                reason=form.cleaned_data["reason"],
                on_behalf_as=form.on_behalf_as,
            )
        except SignerRefused as exc:
            return _refused_decision(request, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("signer_page", token=token)
    return _page(request, invitation, token, decline_form=form, status=400)
