"""Rights read in one query still come from both places Django keeps them: the user's own
permissions and their groups' (casefiles/auth_backend.py)."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user
from django.contrib.auth.models import Group, Permission, User
from django.http import HttpRequest

pytestmark = pytest.mark.django_db


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def test_rights_come_from_the_user_and_from_their_groups(django_assert_num_queries):
    group = Group.objects.create(name="Readers of hearings")
    group.permissions.add(_permission("view_hearing"))
    user = User.objects.create_user("amina", password="x")
    user.groups.add(group)
    user.user_permissions.add(_permission("add_detention"))
    user = User.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert user.has_perm("casefiles.view_hearing")
        assert user.has_perm("casefiles.add_detention")
        assert not user.has_perm("casefiles.delete_case")
        assert user.get_all_permissions() == {"casefiles.view_hearing", "casefiles.add_detention"}


def test_a_deactivated_account_has_no_rights():
    user = User.objects.create_user("gone", password="x", is_active=False)
    user.user_permissions.add(_permission("view_case"))
    assert not User.objects.get(pk=user.pk).has_perm("casefiles.view_case")


def test_a_superuser_has_every_right():
    user = User.objects.create_superuser("root", password="x")
    assert User.objects.get(pk=user.pk).get_all_permissions() == {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }


def test_a_signed_in_user_is_read_with_their_rights_in_one_query(client, django_assert_num_queries):
    """What every page pays for knowing who is asking and what they may do: one query for
    the user together with both kinds of rights (after the session)."""
    group = Group.objects.create(name="Writers of hearings")
    group.permissions.add(_permission("add_hearing"), _permission("view_hearing"))
    user = User.objects.create_user("bota", password="x")
    user.groups.add(group)
    user.user_permissions.add(_permission("add_detention"))
    client.force_login(user)
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(
        client.session.session_key
    )
    assert request.session.get(SESSION_KEY) == str(user.pk)
    with django_assert_num_queries(1):
        signed_in = get_user(request)
        assert signed_in.get_all_permissions() == {
            "casefiles.add_hearing",
            "casefiles.view_hearing",
            "casefiles.add_detention",
        }
        assert signed_in.has_perm("casefiles.add_hearing")
        assert not signed_in.has_perm("casefiles.delete_case")


def test_a_signed_in_user_without_rights_has_none(client):
    user = User.objects.create_user("dana", password="x")
    client.force_login(user)
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(
        client.session.session_key
    )
    signed_in = get_user(request)
    assert signed_in.pk == user.pk
    assert signed_in.get_all_permissions() == set()


def test_a_deactivated_account_is_signed_out(client):
    user = User.objects.create_user("left", password="x")
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(
        client.session.session_key
    )
    assert get_user(request).is_anonymous
