"""What the staff pages share: the role check for reading cases, page sizes, the user."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

view_case_required = permission_required("casefiles.view_case", raise_exception=True)
CASES_PER_PAGE = 25
SEARCH_LIMIT = 50
PICKER_LIMIT = 20


def _staff(request: HttpRequest) -> User:
    """The logged-in user (LoginRequiredMiddleware lets no anonymous request through)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


# The longest text a search box passes on: enough for any name or title.
QUERY_MAX = 200


def typed_query(request: HttpRequest, name: str = "q") -> str:
    """What the user typed in a search box, bounded, without the NUL characters that
    PostgreSQL refuses in any text (a crafted link must not turn a search into a 500)."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:QUERY_MAX]
