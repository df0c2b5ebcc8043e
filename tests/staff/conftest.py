"""Fixtures for the staff pages: the demo case as `load_demo` builds it, and logged-in clients."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from tests.conftest import logged_in


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
