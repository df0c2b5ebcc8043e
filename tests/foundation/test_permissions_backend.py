"""Rights read in one query still come from both places Django keeps them: the user's own
permissions and their groups' (casefiles/auth_backend.py)."""

import pytest
from django.contrib.auth.models import Group, Permission, User

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
