"""The person page and the person picker. They live here, not in `people`: they show
cases and detentions, and `people` knows nothing of cases."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casefiles import selectors
from casefiles.search import persons_and_cases_found
from casefiles.sentences import sentences_current
from casefiles.views.base import PICKER_LIMIT, typed_query
from people.models import Person, Position
from people.visibility import visible_or_404


@require_GET
@permission_required(["casefiles.view_case", "people.view_person"], raise_exception=True)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    person = visible_or_404(
        Person.objects.prefetch_related(
            "aliases",
            Prefetch("positions", queryset=Position.objects.select_related("organisation")),
        ),
        request.user,
        pk=pk,
    )
    can_see_health = request.user.has_perm("people.view_healthcondition")
    cases = selectors.cases_visible_to(request.user)
    detentions = selectors.with_days_in_custody(
        person.detentions.filter(case__in=cases).select_related("case").order_by("-started_on"),
        today=today,
    )
    custody = selectors.custody_runs(person.detentions.filter(case__in=cases), today=today)
    # The runs above are all of this person's in the visible cases: no query of their own.
    sentences = sentences_current(
        person.sentence_steps.filter(case__in=cases), custody=lambda person_ids: custody
    )
    return render(
        request,
        "staff/person_detail.html",
        {
            "person": person,
            "ties": selectors.person_ties(person, cases),
            "parties": person.case_parties.filter(case__in=cases)
            .select_related("case")
            .order_by("-case__opened_on"),
            "detentions": detentions,
            "custody_runs": custody,
            "sentences": sentences,
            "can_see_health": can_see_health,
            "health_conditions": list(person.health_conditions.all()) if can_see_health else [],
            "can_log": request.user.has_perms(["casefiles.add_detention", "casefiles.add_hearing"]),
            "today": today,
        },
    )


@require_GET
@permission_required("people.view_person", raise_exception=True)
def person_picker(request: HttpRequest) -> JsonResponse:
    """Persons matching a name in any script: the same search as /search/, for the pickers."""
    query = typed_query(request)
    persons: list[Person] = []
    if len(query) >= 2:
        persons, _ = persons_and_cases_found(
            query, persons=Person.objects.visible_to(request.user), cases=None, limit=PICKER_LIMIT
        )
    return JsonResponse(
        {
            "results": [
                {"id": person.pk, "name": person.name, "name_original": person.name_original}
                for person in persons
            ]
        }
    )
