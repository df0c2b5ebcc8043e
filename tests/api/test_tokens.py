"""Personal API tokens: made on the account page and shown once, stored hashed, revoked
there; a revoked token or a deactivated user's token stops working."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from casefiles.models import ApiToken
from casefiles.services.api_tokens import api_token_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_shown_once_and_stored_only_as_its_hash(client, viewer):
    client.force_login(viewer)
    response = client.post(reverse("staff:api_tokens"), {"name": "website list"}, follow=True)
    page = response.content.decode()
    key = re.search(r'value="(cf_[^"]+)"', page)[1]
    token = ApiToken.objects.get(user=viewer)
    assert token.name == "website list"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {getattr(token, f.attname) for f in ApiToken._meta.concrete_fields}
    assert token.prefix in page and key.startswith(token.prefix)
    # Shown once: the next visit lists the token but not its key.
    again = client.get(reverse("staff:api_tokens")).content.decode()
    assert key not in again and token.prefix in again
    assert _api(key).get("/api/cases/").status_code == 200


def test_a_token_needs_a_name(client, viewer):
    client.force_login(viewer)
    response = client.post(reverse("staff:api_tokens"), {"name": "   "})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working_and_the_revocation_is_attributed(client, viewer):
    token, key = api_token_create(user=viewer, name="script")
    assert _api(key).get("/api/cases/").status_code == 200
    client.force_login(viewer)
    response = client.post(reverse("staff:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _api(key).get("/api/cases/").status_code == 401
    created, revoked = token.history.order_by("history_date")
    assert created.history_type == "+" and revoked.revoked_at is not None
    assert revoked.history_user == viewer


def test_nobody_revokes_another_users_token(client, viewer, editor):
    token, key = api_token_create(user=viewer, name="script")
    client.force_login(editor)
    assert client.post(reverse("staff:api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_deactivated_users_token_stops_working(viewer):
    _, key = api_token_create(user=viewer, name="script")
    viewer.is_active = False
    viewer.save()
    assert _api(key).get("/api/cases/").status_code == 401


def test_an_unknown_key_is_refused_and_use_is_recorded(viewer):
    assert _api("cf_not-a-key").get("/api/cases/").status_code == 401
    token, key = api_token_create(user=viewer, name="script")
    _api(key).get("/api/cases/")
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Use makes no history row: only creation (and revocation) are changes.
    assert token.history.count() == 1


def test_the_token_page_lists_only_ones_own_tokens(client, viewer):
    api_token_create(user=make_user("other_viewer"), name="someone else's")
    api_token_create(user=viewer, name="mine")
    client.force_login(viewer)
    page = client.get(reverse("staff:api_tokens")).content.decode()
    assert "mine" in page and "someone else" not in page
