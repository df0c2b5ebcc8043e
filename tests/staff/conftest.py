"""Fixtures for the staff pages: the demo case as `load_demo` builds it, and logged-in clients."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from casefiles.demo import load_demo_case
from casefiles.twofactor import user_needs_second_factor
from letters.demo import load_demo_letter
from people.roles import VIEWER
from tests.conftest import PASSWORD, password_login, second_factor_pass

# The data migrations that create the roles and grant their permissions, in order.
ROLE_MIGRATIONS = (
    "people.migrations.0002_roles",
    "casefiles.migrations.0002_roles",
    "casefiles.migrations.0004_search_trigrams_backfill_roles",
    "casefiles.migrations.0008_administrators_manage_logins",
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


@pytest.fixture
def viewer_client(viewer) -> Client:
    return logged_in(viewer)


@pytest.fixture
def editor_client(editor) -> Client:
    return logged_in(editor)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return logged_in(outsider)


D = datetime.date
