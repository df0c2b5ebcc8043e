"""Fixtures of the API tests: a personal token per role, and a client that sends it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from casefiles.services.api_tokens import api_token_create


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Each test starts with an empty request count (DRF keeps it in the cache)."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    _, key = api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
