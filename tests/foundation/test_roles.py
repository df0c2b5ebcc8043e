"""Roles are groups made by migrations; every model is readable by Viewers, but health data."""

import os

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection

from people.roles import ADMINISTRATOR, EDITOR, HEALTH, LETTERS, VIEWER

pytestmark = pytest.mark.django_db

OUR_APPS = ("people", "casefiles", "letters")


def our_models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in OUR_APPS and not m.__name__.startswith("Historical")
    ]


def codenames(role: str) -> set[str]:
    return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))


def test_the_five_roles_exist_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        VIEWER,
        EDITOR,
        LETTERS,
        ADMINISTRATOR,
        HEALTH,
    }


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_each_model_is_granted_to_the_roles_that_need_it(model):
    name = model._meta.model_name
    view, change = f"view_{name}", f"change_{name}"
    if name == "healthcondition":
        assert view not in codenames(VIEWER) | codenames(EDITOR) | codenames(LETTERS)
        assert {view, change} <= codenames(HEALTH)
    elif name == "letterhead":
        # The organisation's letterhead: everyone reads it, only an Administrator sets it.
        assert view in codenames(VIEWER) & codenames(LETTERS)
        assert change not in codenames(LETTERS) | codenames(EDITOR)
    else:
        assert view in codenames(VIEWER)
        writer = LETTERS if model._meta.app_label == "letters" else EDITOR
        assert change in codenames(writer)
    assert change in codenames(ADMINISTRATOR)
    assert not any(c.startswith(("add_", "change_", "delete_")) for c in codenames(VIEWER))


def test_nobody_but_administrators_may_rewrite_history():
    for role in (VIEWER, EDITOR, LETTERS, HEALTH):
        assert not any(
            c.startswith(("change_historical", "delete_historical")) for c in codenames(role)
        )


def test_the_suite_runs_on_postgresql_when_services_are_required():
    """CI sets REQUIRE_SERVICES=1 and DATABASE_URL to PostgreSQL; make sure it took effect."""
    if os.environ.get("REQUIRE_SERVICES") != "1" and "postgres" not in os.environ.get(
        "DATABASE_URL", ""
    ):
        pytest.skip("runs on SQLite: set DATABASE_URL=postgres://… to run on PostgreSQL")
    assert connection.vendor == "postgresql"
