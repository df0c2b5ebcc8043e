"""Shared fixtures: users in each role, logging them in, and the rule for tests that need a
real service.

A test that needs PostgreSQL, Redis or Chromium calls `require_service(...)`: where the
service is missing it is skipped with the reason, unless REQUIRE_SERVICES=1 (CI), where
the same absence fails the test.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.roles import ADMINISTRATOR, EDITOR, HEALTH, LETTERS, VIEWER

PASSWORD = "test-password-123"


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def require_service(available: bool, reason: str) -> None:
    if available:
        return
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def make_user(username: str, *roles: str, is_staff: bool = True) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=is_staff)
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def password_login(client: Client, user: User) -> Client:
    """Log in through the password check, as the login form does (django-axes watches it, and
    needs the request that Django's test client does not give on its own)."""
    assert client.login(username=user.get_username(), password=PASSWORD, request=HttpRequest())
    return client


def second_factor_pass(client: Client, user: User) -> Client:
    """Mark the client's session as having given a second factor, as the code page does.

    Administrators and Health data staff reach no page without it (casefiles.twofactor).
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def login_verified(client: Client, user: User) -> Client:
    """Log `user` in with both factors given: for tests of what an Administrator or a Health
    data editor may do once properly signed in."""
    client.force_login(user)
    return second_factor_pass(client, user)


@pytest.fixture
def viewer(db) -> User:
    return make_user("vera_viewer", VIEWER)


@pytest.fixture
def editor(db) -> User:
    return make_user("eddie_editor", EDITOR)


@pytest.fixture
def letters_user(db) -> User:
    return make_user("lena_letters", LETTERS)


@pytest.fixture
def health_editor(db) -> User:
    return make_user("hana_health", EDITOR, HEALTH)


@pytest.fixture
def administrator(db) -> User:
    return make_user("ada_admin", ADMINISTRATOR)


@pytest.fixture
def outsider(db) -> User:
    """Logged in, but in no role."""
    return make_user("otto_outsider", is_staff=False)
