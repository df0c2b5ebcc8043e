"""Search across scripts: persons, organisations and cases."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casefiles import selectors
from casefiles.search import (
    SearchResults,
    best_match_first,
    persons_and_cases_found,
    search_sections,
)
from casefiles.views.base import SEARCH_LIMIT, typed_query, view_case_required
from people.models import Organisation, Person


@require_GET
@view_case_required
def search(request: HttpRequest) -> HttpResponse:
    query = typed_query(request)
    results = SearchResults(query=query)
    if query:
        persons = (
            Person.objects.visible_to(request.user).prefetch_related("aliases")
            if request.user.has_perm("people.view_person")
            else None
        )
        results.persons, results.cases = persons_and_cases_found(
            query,
            persons=persons,
            cases=selectors.cases_visible_to(request.user),
            limit=SEARCH_LIMIT,
        )
        if request.user.has_perm("people.view_organisation"):
            organisations = Organisation.objects.visible_to(request.user)
            results.organisations = list(
                best_match_first(organisations, query, owner="organisation")[:SEARCH_LIMIT]
            )
        results.sections = [
            (section, list(section.find(request.user, query)[:SEARCH_LIMIT]))
            for section in search_sections()
        ]
    return render(request, "staff/search.html", {"results": results, "query": query})


# --- Calendar -----------------------------------------------------------------------------
