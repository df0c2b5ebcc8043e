"""/verify/: anyone holding one of our letters checks that it is an authentic final version.

Public (no login, no second factor), never indexed, rate-limited per IP address (Django's
cache, LETTERS_VERIFY_RATE_PER_MINUTE), uploads capped at LETTERS_VERIFY_MAX_BYTES. It
answers from the final versions stored (letters.verification.letter_authentic) and shows
only the reference, the date, the addressee's title and the signatories' names; anything
else — a changed byte, an unknown file, a draft — is "not issued by us".
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from letters.verification import letter_authentic
from letters.views_signer import _over, _private, public

TEMPLATE = "letters/verify.html"


class VerifyForm(forms.Form):
    pdf = forms.FileField(required=False, label="The letter's PDF")
    ref = forms.CharField(required=False, max_length=40, label="or its reference")
    sha256 = forms.RegexField(
        required=False,
        regex=r"^\s*[0-9a-fA-F]{64}\s*$",
        label="and the SHA-256 of the file",
        error_messages={"invalid": "A SHA-256 is 64 hexadecimal characters."},
    )

    def clean(self):
        data = super().clean()
        if not data.get("pdf") and not (data.get("ref") and data.get("sha256")):
            raise forms.ValidationError("Upload the PDF, or give its reference and SHA-256.")
        return data


def _too_many(request: HttpRequest) -> bool:
    minute = int(timezone.now().timestamp() // 60)
    ip = request.META.get("REMOTE_ADDR", "")
    return _over(f"verify-rate:{ip}:{minute}", settings.LETTERS_VERIFY_RATE_PER_MINUTE)


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    return _private(render(request, TEMPLATE, context, status=status))


@public
@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    if _too_many(request):
        return _page(request, {"refused": "Too many checks; wait a minute and try again."}, 429)
    limit = settings.LETTERS_VERIFY_MAX_BYTES
    if request.method == "GET":
        form = VerifyForm(initial={"ref": request.GET.get("ref", "")[:40]})
        return _page(request, {"form": form})
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + 64 * 1024:  # before Django reads the body
        return _page(
            request,
            {"form": VerifyForm(), "refused": f"The file is larger than {limit // 2**20} MB."},
            413,
        )
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, {"form": form}, 400)
    upload = form.cleaned_data["pdf"]
    if upload is not None:
        if upload.size > limit:
            return _page(
                request,
                {"form": form, "refused": f"The file is larger than {limit // 2**20} MB."},
                413,
            )
        result = letter_authentic(data=upload.read())
    else:
        result = letter_authentic(
            reference=form.cleaned_data["ref"].strip(), sha256=form.cleaned_data["sha256"]
        )
    return _page(request, {"form": VerifyForm(), "checked": True, "result": result})
