"""Shared fixtures: users in each role, logging them in, and the rule for tests that need a
real service.

A test that needs PostgreSQL, Redis or Chromium calls `require_service(...)`: where the
service is missing it is skipped with the reason, unless REQUIRE_SERVICES=1 (CI), where
the same absence fails the test.
"""

from __future__ import annotations

import importlib
import os

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from casefiles.demo import load_demo_case
from casefiles.twofactor import user_needs_second_factor
from letters.demo import load_demo_letter
from people.roles import ADMINISTRATOR, EDITOR, HEALTH, LETTERS, VIEWER

PASSWORD = "test-password-123"


# The data migrations that create the roles and grant their permissions, in order.
ROLE_MIGRATIONS = (
    "people.migrations.0002_roles",
    "casefiles.migrations.0002_roles",
    "casefiles.migrations.0004_search_trigrams_backfill_roles",
    "casefiles.migrations.0008_administrators_manage_logins",
    "casefiles.migrations.0012_sentence_step_roles",
    "letters.migrations.0002_roles",
    "letters.migrations.0004_letter_template_roles",
)


def roles_ensure() -> None:
    """Put back the roles if a transactional test's flush emptied the tables.

    Groups and their permissions come from data migrations, which a flush does not rerun;
    without this, every test after a transactional one would find its Viewer powerless.
    """
    if Group.objects.filter(name=VIEWER, permissions__isnull=False).exists():
        return
    for name in ROLE_MIGRATIONS:
        grant = importlib.import_module(name).grant
        # grant_app_permissions toggles models_module on the app config it is given;
        # given the real registry, put each app's value back afterwards.
        saved = {config.label: config.models_module for config in apps.get_app_configs()}
        try:
            grant(apps, None)
        finally:
            for config in apps.get_app_configs():
                config.models_module = saved[config.label]


@pytest.fixture(autouse=True)
def _roles(request) -> None:
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
        roles_ensure()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def demo(db):
    """The Mendygazyev case with the 29 June 2021 letter, loaded the way `make run` loads it."""
    case = load_demo_case(password=PASSWORD)
    load_demo_letter(case)
    return case


def logged_in(user) -> Client:
    """A client logged in with the password, and the second factor given by those who need it."""
    client = password_login(Client(), user)
    if user_needs_second_factor(user):
        second_factor_pass(client, user)
    return client


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
