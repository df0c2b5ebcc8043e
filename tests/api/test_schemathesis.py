"""schemathesis against /api/schema/ with a token: generated requests to every operation,
valid and not, find no server error and no response that breaks its own schema.

Bounded for CI: a few examples per operation, derandomized (the same run every time)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from casefiles.services.api_tokens import api_token_create
from people.roles import EDITOR, HEALTH, LETTERS
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def same_connection():
    """The app is called in this thread, inside the test's transaction: it must not close
    the connection between requests (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_answers_every_generated_request_within_its_schema(demo, settings, same_connection):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    # Every role that reads what the API serves, health data included (the widest responses).
    user = make_user("sam_schemathesis", EDITOR, LETTERS, HEALTH)
    _, key = api_token_create(user=user, name="schemathesis")
    auth = {"Authorization": f"Token {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler(), headers=auth)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case) -> None:
            case.call_and_validate(
                headers=auth, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            exercise()
        except Exception as error:  # noqa: BLE001  collect every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:3000])
    assert operations >= 30  # every endpoint was in the schema
    assert not failures, "\n\n".join(failures)
