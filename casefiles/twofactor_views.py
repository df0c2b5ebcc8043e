"""The second-factor pages: set up an authenticator app, and enter a code after the password.

Thin: casefiles.twofactor decides who needs a second factor and checks the codes.
"""

from __future__ import annotations

import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from casefiles.twofactor import (
    recovery_codes_left,
    second_factor_check,
    second_factor_must_wait,
    second_factor_not_required,
    totp_device_confirm,
    totp_device_of,
    totp_device_start,
    user_needs_second_factor,
)

# After a wrong code django-otp makes the next try wait (1 s, 2 s, 4 s, …); a right code
# typed too soon is refused too, so the page says to wait rather than "did not match".
WAIT = "Too many wrong codes: wait a few seconds, then enter the newest code."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


def _staff(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _next(request: HttpRequest) -> str:
    """Where to go once the second factor is given: the page first asked for, if ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@second_factor_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if totp_device_of(user) is not None:
        # Replacing a device is an Administrator's job in the back office (a lost phone),
        # not something a half-signed-in session may do.
        return _go("two_factor_verify", request)
    device = totp_device_start(user=user)
    form = CodeForm(request.POST or None)
    if form.is_valid() and not device.verify_is_allowed()[0]:
        form.add_error("code", WAIT)
    elif form.is_valid():
        codes = totp_device_confirm(device=device, token=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            # Shown once, in this response only: nothing keeps them for a later page.
            return render(
                request,
                "registration/two_factor_recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error(
            "code", "That code did not match. Check the phone's clock and enter the newest code."
        )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            # The key typed by hand where a camera cannot read the QR code.
            "secret": b32encode(device.bin_key).decode(),
            "next": _next(request),
            "required": user_needs_second_factor(user),
        },
    )


@second_factor_not_required
@never_cache
@require_GET
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the authenticator being set up, drawn here (no outside service)."""
    user = _staff(request)
    if totp_device_of(user) is not None:
        raise PermissionDenied("Your authenticator is already set up.")
    device = totp_device_start(user=user)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = io.BytesIO()
    image.save(svg)
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


@second_factor_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if totp_device_of(user) is None:
        return _go("two_factor_setup", request)
    form = CodeForm(request.POST or None)
    if form.is_valid() and second_factor_must_wait(user=user, token=form.cleaned_data["code"]):
        form.add_error("code", WAIT)
    elif form.is_valid():
        device = second_factor_check(user=user, token=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(user=user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. If your phone is lost, ask an "
                    "Administrator to remove its device so you can set up a new one.",
                )
            return redirect(_next(request))
        form.add_error(
            "code",
            "That code did not match. Enter the newest code from your app, or one of your "
            "recovery codes.",
        )
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


def _go(name: str, request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': _next(request)})}")
