"""Login hardening: repeated wrong passwords lock the username, Administrators and Health data
staff need a second factor for every page (the back office included), passwords are long
enough, and the demo loader neither runs on a real installation by accident nor resets a
password."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casefiles.services import calendar_feed_issue
from people.roles import EDITOR, LETTERS
from tests.conftest import PASSWORD, login_verified, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    """What the phone shows now."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def logged_in_as(client) -> str | None:
    return client.session.get(SESSION_KEY)


# Lockout (django-axes)


def test_twenty_wrong_passwords_lock_the_account_even_against_the_right_password(
    client, administrator, caplog
):
    caplog.set_level(logging.WARNING, logger="axes")
    for _ in range(20):
        response = log_in(client, "ada_admin", "not-the-password")
        assert response.status_code in (200, 429)
        assert logged_in_as(client) is None
    response = log_in(client, "ada_admin", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Account locked" in page and "ada_admin" in page and "15 minutes" in page
    assert logged_in_as(client) is None
    lockouts = [
        record
        for record in caplog.records
        if record.name.startswith("axes")
        and record.levelno == logging.WARNING
        and "Locking out" in record.getMessage()
    ]
    assert lockouts and "ada_admin" in lockouts[0].getMessage()


def test_the_lock_is_on_the_username_so_a_colleague_on_the_same_address_still_logs_in(
    client, administrator, viewer
):
    for _ in range(10):
        log_in(client, "ada_admin", "not-the-password")
    assert log_in(client, "ada_admin").status_code == 429
    response = log_in(client, "vera_viewer")
    assert response.status_code == 302
    assert logged_in_as(client) == str(viewer.pk)


def test_the_lock_lifts_once_the_cool_off_has_passed(client, viewer):
    for _ in range(10):
        log_in(client, "vera_viewer", "not-the-password")
    assert log_in(client, "vera_viewer").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert log_in(client, "vera_viewer").status_code == 302
    assert logged_in_as(client) == str(viewer.pk)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_number_of_tries_follows_the_setting(client, viewer):
    for _ in range(2):
        assert log_in(client, "vera_viewer", "not-the-password").status_code == 200
    assert log_in(client, "vera_viewer", "not-the-password").status_code == 429


def test_the_back_office_login_is_the_same_login_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/admin/"


# Second factor (django-otp)


def test_an_administrator_with_a_password_only_cannot_reach_the_back_office(client, administrator):
    assert log_in(client, "ada_admin").status_code == 302
    for url in ("/admin/", "/admin/people/person/", reverse("staff:dashboard"), "/cases/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor_setup")), url
    # A form posted without the second factor is refused, not carried out.
    assert client.post(reverse("staff:calendar_issue")).status_code == 403


def test_a_health_data_editor_with_a_password_only_is_sent_to_enter_a_code(client, health_editor):
    TOTPDevice.objects.create(user=health_editor, name="Phone", confirmed=True)
    log_in(client, "hana_health")
    response = client.get("/people/1/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_verify')}?next=%2Fpeople%2F1%2F"


def test_setting_up_the_authenticator_shows_the_key_and_recovery_codes_then_opens_the_admin(
    client, administrator
):
    log_in(client, "ada_admin")
    page = client.get(reverse("two_factor_setup"), {"next": "/admin/"})
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=administrator, confirmed=False)
    html = page.content.decode()
    assert page.context["secret"] in html and reverse("two_factor_qr") in html
    # The QR code is drawn by the app itself: no outside service sees the secret.
    qr = client.get(reverse("two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000", "next": "/admin/"})
    assert "did not match" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    too_soon = client.post(
        reverse("two_factor_setup"), {"code": current_code(device), "next": "/admin/"}
    )
    assert "wait a few seconds" in too_soon.content.decode()

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    done = client.post(
        reverse("two_factor_setup"), {"code": current_code(device), "next": "/admin/"}
    )
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("staff:dashboard")).status_code == 200
    # Shown once: the setup page now sends to the code page instead of a new key.
    assert client.get(reverse("two_factor_setup"))["Location"].startswith(
        reverse("two_factor_verify")
    )


def test_an_administrator_reaches_the_admin_after_the_code_from_the_app(client, administrator):
    device = TOTPDevice.objects.create(user=administrator, name="Phone", confirmed=True)
    log_in(client, "ada_admin")
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_verify"), {"code": "123456", "next": "/admin/"})
    assert wrong.status_code == 200 and "did not match" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    # The wrong code made the next try wait a second; let that second pass.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    right = client.post(
        reverse("two_factor_verify"), {"code": current_code(device), "next": "/admin/"}
    )
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_lets_in_once(client, administrator):
    device = TOTPDevice.objects.create(user=administrator, name="Phone", confirmed=False)
    log_in(client, "ada_admin")
    codes = client.post(reverse("two_factor_setup"), {"code": current_code(device)}).context[
        "codes"
    ]
    client.post(reverse("logout"))

    log_in(client, "ada_admin")
    used = client.post(reverse("two_factor_verify"), {"code": codes[0], "next": "/admin/"})
    assert used["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=administrator).count() == 9
    client.post(reverse("logout"))

    log_in(client, "ada_admin")
    again = client.post(reverse("two_factor_verify"), {"code": codes[0], "next": "/admin/"})
    assert again.status_code == 200 and "did not match" in again.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_next_address_off_the_site_is_not_followed(client, administrator):
    device = TOTPDevice.objects.create(user=administrator, name="Phone", confirmed=True)
    log_in(client, "ada_admin")
    response = client.post(
        reverse("two_factor_verify"),
        {"code": current_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_a_viewer_is_not_asked_for_a_second_factor(client, viewer):
    log_in(client, "vera_viewer")
    assert client.get(reverse("staff:dashboard")).status_code == 200


@override_settings(REQUIRE_2FA=True)
def test_with_require_2fa_a_viewer_is_asked_too(client, viewer):
    log_in(client, "vera_viewer")
    response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_logging_out_works_before_the_second_factor(client, administrator):
    log_in(client, "ada_admin")
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and logged_in_as(client) is None


def test_calendar_feeds_keep_working_for_an_administrator(client, administrator):
    _feed, token = calendar_feed_issue(user=administrator)
    response = client.get(reverse("staff:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")


# Passwords


@pytest.mark.parametrize("password", ["Summer2024", "short-pw", "48213957604821", "password1234"])
def test_weak_passwords_are_refused(viewer, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=viewer)
    form = SetPasswordForm(viewer, {"new_password1": password, "new_password2": password})
    assert not form.is_valid()
    viewer.refresh_from_db()
    assert viewer.check_password(PASSWORD)


def test_a_long_uncommon_password_is_accepted(viewer):
    validate_password("copper kettle under the stairs", user=viewer)


# The demo loader


@override_settings(DEBUG=False)
def test_load_demo_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("load_demo", stdout=io.StringIO())
    assert not User.objects.filter(username="demo").exists()


@override_settings(DEBUG=True)
def test_load_demo_never_resets_an_existing_password():
    user = make_user("demo", EDITOR, LETTERS)
    user.set_password("a-password-the-team-chose")
    user.save()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    user.refresh_from_db()
    assert user.check_password("a-password-the-team-chose")
    assert not user.check_password("casefiles-demo")
    assert "password was left unchanged" in out.getvalue()


@override_settings(DEBUG=True)
def test_the_demo_user_needs_no_second_factor(client, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("load_demo", stdout=io.StringIO())
    log_in(client, "demo", "casefiles-demo")
    assert client.get(reverse("staff:dashboard")).status_code == 200


def test_an_administrator_removes_a_lost_phone_in_the_back_office_without_seeing_its_key(
    client, administrator, health_editor, editor
):
    lost = TOTPDevice.objects.create(user=health_editor, name="Phone", confirmed=True)
    client.force_login(editor)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 403
    login_verified(client, administrator)
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and "hana_health" in listing.content.decode()
    change = client.get(f"/admin/otp_totp/totpdevice/{lost.pk}/change/")
    assert change.status_code == 200 and lost.key not in change.content.decode()
    client.post(f"/admin/otp_totp/totpdevice/{lost.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()


def test_an_administrator_can_lift_a_lockout_in_the_back_office(client, administrator, viewer):
    for _ in range(10):
        log_in(client, "vera_viewer", "not-the-password")
    attempt = AccessAttempt.objects.get(username="vera_viewer")
    login_verified(client, administrator)
    assert client.get("/admin/axes/accessattempt/").status_code == 200
    client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    client.post(reverse("logout"))
    assert log_in(client, "vera_viewer").status_code == 302
