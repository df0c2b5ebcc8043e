"""Fixtures for the staff pages: the demo case as `load_demo` builds it, and logged-in clients."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from casefiles.demo import load_demo_case
from letters.demo import load_demo_letter
from tests.conftest import PASSWORD


@pytest.fixture
def demo(db):
    """The Mendygazyev case with the 29 June 2021 letter, loaded the way `make run` loads it."""
    case = load_demo_case(password=PASSWORD)
    load_demo_letter(case)
    return case


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
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
