"""Search across scripts: persons, organisations and cases."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from casefiles import selectors
from casefiles.search import (
    SearchResults,
    best_match_first,
    persons_and_cases_found,
    search_sections,
)
from casefiles.views.base import SEARCH_LIMIT, typed_query, view_case_required
from people.models import Alias, Organisation, Person

# A primary key no record has, reversed in place of each record's.
_ANY_PK = 9_876_543_210_123


def _with_page_urls(records: list, url_name: str) -> list:
    """`records`, each with `page_url`, the address of its page (`url_name` takes the
    primary key): the URL is reversed once, not once a row ({% url %} for a hundred rows
    was a fifth of the page's rendering)."""
    pattern = reverse(url_name, args=[_ANY_PK])
    for record in records:
        record.page_url = pattern.replace(str(_ANY_PK), str(record.pk))
    return records


def _with_alias_names(persons: list) -> list:
    """`persons`, each with `alias_names`, its aliases' names, read in one query
    (prefetch_related("aliases") built a queryset for each person shown)."""
    names: dict[int, list[str]] = {}
    if persons:
        aliases = Alias.objects.filter(person__in=[person.pk for person in persons])
        for person_id, name in aliases.order_by("name").values_list("person_id", "name"):
            names.setdefault(person_id, []).append(name)
    for person in persons:
        person.alias_names = names.get(person.pk, [])
    return persons


@require_GET
@view_case_required
def search(request: HttpRequest) -> HttpResponse:
    query = typed_query(request)
    results = SearchResults(query=query, limit=SEARCH_LIMIT)
    if query:
        persons = (
            Person.objects.visible_to(request.user)
            if request.user.has_perm("people.view_person")
            else None
        )
        persons_found, cases_found = persons_and_cases_found(
            query,
            persons=persons,
            cases=selectors.cases_visible_to(request.user),
            limit=SEARCH_LIMIT,
        )
        results.persons = _with_page_urls(_with_alias_names(persons_found), "staff:person_detail")
        results.cases = _with_page_urls(cases_found, "staff:case_detail")
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
