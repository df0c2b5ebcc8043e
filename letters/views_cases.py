"""The letter page's "Cases" card: add a case the letter concerns, or remove one.

Writes are POST only and need the Letters role (letters.change_letter), like the rest of
the letter page's editing; they go through letters.services_cases, which refuses once the
text is out for signature, final or sent. The picker offers only cases the user may see,
found by reference, title or a party's name; a case posted that the user may not see
answers as a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from casefiles.forms import record_id
from casefiles.models import Case
from casefiles.search import cases_matching
from casefiles.selectors import cases_visible_to
from casefiles.views.base import typed_query
from letters.models import Letter
from letters.selectors import letter_cases
from letters.services_cases import letter_case_add, letter_case_remove

CASE_PICKER_LIMIT = 10
WRITE = "letters.change_letter"


def cases_for_picker(user, letter: Letter, query: str) -> QuerySet[Case]:
    """Cases the user may see, matching ``query``, that the letter does not concern yet."""
    if not query:
        return Case.objects.none()
    cases = cases_visible_to(user).exclude(letter_links__letter=letter)
    return cases_matching(query, cases).order_by("reference")[:CASE_PICKER_LIMIT]


def _back(letter: Letter) -> HttpResponse:
    return redirect(reverse("letters:detail", args=[letter.pk]) + "#cases")


def _say_refusal(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@require_POST
@permission_required(WRITE, raise_exception=True)
def letter_case_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(Letter.objects.visible_to(request.user), pk=pk)
    # A case the user may not see is refused exactly as one that does not exist.
    case_pk = record_id(request.POST.get("case", ""))
    case = None if case_pk is None else cases_visible_to(request.user).filter(pk=case_pk).first()
    if case is None:
        messages.error(request, "No such case.")
        return _back(letter)
    try:
        letter_case_add(letter=letter, case=case, user=request.user)
    except ValidationError as exc:
        _say_refusal(request, exc)
    else:
        messages.success(request, f"The letter now also concerns {case.reference}.")
    return _back(letter)


@require_POST
@permission_required(WRITE, raise_exception=True)
def letter_case_remove_view(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    letter = get_object_or_404(Letter.objects.visible_to(request.user), pk=pk)
    case = get_object_or_404(letter.cases.all(), pk=case_pk)
    try:
        letter_case_remove(letter=letter, case=case)
    except ValidationError as exc:
        _say_refusal(request, exc)
    else:
        messages.success(request, f"The letter no longer concerns {case.reference}.")
    return _back(letter)


def cases_card_context(request: HttpRequest, letter: Letter) -> dict:
    """What the letter page's Cases card shows: the cases, the main one first; for the
    Letters role on a draft, the picker's query (`case_q`) and the cases it finds."""
    can_edit = request.user.has_perm(WRITE) and not letter.text_is_frozen
    query = typed_query(request, "case_q") if can_edit else ""
    return {
        "letter_cases": letter_cases(letter),
        "can_edit_cases": can_edit,
        "case_query": query,
        "case_choices": cases_for_picker(request.user, letter, query) if can_edit else [],
    }
