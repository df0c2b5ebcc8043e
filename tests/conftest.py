"""Shared fixtures: users in each role, and the rule for tests that need a real service.

A test that needs PostgreSQL, Redis or Chromium calls `require_service(...)`: where the
service is missing it is skipped with the reason, unless REQUIRE_SERVICES=1 (CI), where
the same absence fails the test.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group, User

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
