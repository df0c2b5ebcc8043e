"""The second factor at login: who must have one, setting it up, and the rule that enforces it.

Staff who can read health data or manage staff accounts (the Health data and Administrator
roles, and superusers) — and everyone when REQUIRE_2FA is on — must confirm a code from an
authenticator app (TOTP, django-otp) after their password. Until this session has, every
page but the second-factor pages, login and logout sends them there; a lost phone is
covered by ten single-use recovery codes shown once at setup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

# What the Administrator and Health data roles hold and no other role does: reading health
# conditions, and changing staff accounts. Asking for the permission rather than the group
# also covers superusers and anyone granted either directly — and reuses the permission
# cache each page fills anyway, so the check costs no query.
SECOND_FACTOR_PERMISSIONS = ("people.view_healthcondition", "auth.change_user")


def user_needs_second_factor(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    if settings.REQUIRE_2FA:
        return True
    return any(user.has_perm(permission) for permission in SECOND_FACTOR_PERMISSIONS)


def totp_device_of(user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def totp_device_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """The authenticator being set up: made once, so reloading the page keeps the same key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a new authenticator with its first code; return fresh recovery codes.

    None when the code does not match (nothing is confirmed then). Any earlier recovery
    codes stop working: only the ones shown now are valid.
    """
    if device.confirmed or not device.verify_token(token.strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user = device.user
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    logger.info("Second factor set up by %s.", user.get_username())
    return codes


def _devices_for(
    user: AbstractBaseUser, token: str, *, for_verify: bool = False
) -> list[TOTPDevice | StaticDevice]:
    """The devices a code is meant for: six digits are the app's, anything else a recovery
    code — so a mistyped recovery code does not make the app's next code wait."""
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    devices = model.objects.filter(user=user, confirmed=True)
    return list(devices.select_for_update() if for_verify else devices)


def _normalised(token: str) -> str:
    return "".join(token.split()).lower()


def second_factor_must_wait(*, user: AbstractBaseUser, token: str) -> bool:
    """Is the device this code is for still waiting out earlier wrong codes?

    django-otp makes each try after a wrong code wait longer (1 s, 2 s, 4 s, …); a right
    code typed too soon is refused too, so the page says to wait rather than "wrong code".
    """
    devices = _devices_for(user, _normalised(token))
    return bool(devices) and not any(device.verify_is_allowed()[0] for device in devices)


def second_factor_check(*, user: AbstractBaseUser, token: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts `token`: the authenticator, or a recovery code (used up)."""
    token = _normalised(token)
    with transaction.atomic():
        for device in _devices_for(user, token, for_verify=True):
            if device.verify_token(token):
                return device
    logger.warning("Wrong second-factor code for %s.", user.get_username())
    return None


def recovery_codes_left(*, user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_not_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view reachable before the second factor (login, logout, the 2FA pages)."""
    view.second_factor_required = False  # type: ignore[attr-defined]
    return view


class SecondFactorRequiredMiddleware:
    """Send a signed-in user who needs a second factor, and has not given it, to give it.

    Placed after OTPMiddleware (which sets user.is_verified()) and LoginRequiredMiddleware.
    Views marked @login_not_required (login, calendar feeds that carry their own token) and
    @second_factor_not_required are left alone; /admin/ is covered like every other page.
    A GET is redirected to set up or enter a code; any other method is refused with 403,
    so no form posted from an old page goes through.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None
        if not getattr(view_func, "second_factor_required", True):
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        # Set by django-otp's OTPMiddleware; without it nobody counts as verified.
        if getattr(user, "is_verified", lambda: False)():
            return None
        if not user_needs_second_factor(user):
            return None
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied("Enter the code from your authenticator app first.")
        target = "two_factor_verify" if totp_device_of(user) else "two_factor_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
