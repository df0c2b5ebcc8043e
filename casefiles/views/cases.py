"""The case list (filters, sort, CSV export) and the case page with its timeline."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casefiles import selectors
from casefiles.case_actions import case_actions_for, case_cards_for
from casefiles.filtersets import CaseFilterSet, detained_now_mark
from casefiles.forms import record_id
from casefiles.models import CaseParty
from casefiles.sentences import custody_from, sentences_for_case
from casefiles.services.sources import case_sources
from casefiles.timeline import case_timeline, complete_entries, timeline_kinds, timeline_page
from casefiles.views.base import CASES_PER_PAGE, view_case_required


def _case_list_queryset(request: HttpRequest):
    cases = (
        selectors.cases_visible_to(request.user)
        .annotate(detained_now=detained_now_mark())
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=CaseParty.objects.filter(person__isnull=False)
                .select_related("person")
                .order_by("role", "pk"),
                to_attr="person_parties",
            )
        )
    )
    return CaseFilterSet(request.GET or None, queryset=cases, request=request)


@require_GET
@view_case_required
def case_list(request: HttpRequest) -> HttpResponseBase:
    filterset = _case_list_queryset(request)
    cases = filterset.qs
    if request.GET.get("format") == "csv":
        return _cases_csv(cases)
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/case_list.html",
        {"filterset": filterset, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: object) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _cases_csv(cases) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = ["Reference", "Title", "Country", "Status", "Opened", "Detained now", "Persons"]

    def rows():
        yield writer.writerow(header)
        for case in cases.iterator(chunk_size=500):
            persons = "; ".join(party.person.name for party in case.person_parties)
            yield writer.writerow(
                [
                    _csv_safe(case.reference),
                    _csv_safe(case.title),
                    case.country.name,
                    case.get_status_display(),
                    case.opened_on.isoformat(),
                    "yes" if case.detained_now else "no",
                    _csv_safe(persons),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cases-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response


# The Charges card lists this many; a case of hundreds links to the timeline for the rest.
CHARGES_ON_CARD = 20


def _timeline_context(request: HttpRequest, case) -> dict:
    """The page of the case's timeline the query string asks for, with its filters: kinds
    (`kind`, repeated), one person (`person`) and the page counted back from the latest
    (`page`; without it, the page holding the entries just logged, `new`, or the latest)."""
    kinds = [kind for kind in request.GET.getlist("kind") if kind in timeline_kinds()]
    person_id = record_id(request.GET.get("person", ""))
    # Several entries may be new at once: a case opened with its charges and hearing.
    new_entries = request.GET.getlist("new")
    entries = case_timeline(
        case, user=request.user, kinds=kinds, person_id=person_id, complete=False
    )
    page = timeline_page(entries, number=record_id(request.GET.get("page", "")), marked=new_entries)
    complete_entries(page.entries)
    # The earlier and later pages keep the filters (not the marks: they are this page's).
    filters = QueryDict(mutable=True)
    filters.setlist("kind", kinds)
    if person_id is not None:
        filters["person"] = str(person_id)
    earlier, later = filters.copy(), filters.copy()
    earlier["page"] = str(page.number + 1)
    if page.number > 2:
        later["page"] = str(page.number - 1)
    return {
        "timeline": page.entries,
        "timeline_page": page,
        "earlier_query": earlier.urlencode(),
        "later_query": later.urlencode(),
        "kinds": timeline_kinds(),
        "selected_kinds": kinds,
        "selected_person": person_id,
        "new_entries": new_entries,
    }


@require_GET
@view_case_required
def case_timeline_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of the case's timeline alone: the case page's "Earlier entries" fetches it
    and puts it in place (without JavaScript the link opens the case page at that page)."""
    case = get_object_or_404(selectors.cases_visible_to(request.user), pk=pk)
    context = _timeline_context(request, case) | {
        "case": case,
        "today": timezone.localdate(),
        "fragment": True,
    }
    return render(request, "staff/_timeline.html", context)


@require_GET
@view_case_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    cases = selectors.cases_visible_to(request.user)
    case = selectors.case_for_page(cases, pk)
    # Those held today in this case, counted across every case the user may see.
    custody = selectors.case_custody_runs_now(cases, case, today=today)
    persons = {party.person.pk: party.person for party in case.parties.all() if party.person}
    return render(
        request,
        "staff/case_detail.html",
        _timeline_context(request, case)
        | {
            "case": case,
            "assigned_staff": selectors.assigned_staff_names(case),
            "charges_shown": CHARGES_ON_CARD,
            "custody_runs": custody,
            "sentences": sentences_for_case(case, custody=custody_from(cases, today=today)),
            "persons": sorted(persons.values(), key=lambda person: person.name),
            "today": today,
            "can_log": request.user.has_perms(["casefiles.add_detention", "casefiles.add_hearing"]),
            "can_add_sentence_step": request.user.has_perm("casefiles.add_sentencestep"),
            "can_add_charge": request.user.has_perm("casefiles.add_charge"),
            "can_change_charge": request.user.has_perm("casefiles.change_charge"),
            "can_record_verdict": request.user.has_perms(
                ["casefiles.change_charge", "casefiles.add_sentencestep"]
            ),
            "can_add_event": request.user.has_perms(
                ["casefiles.add_event", "casefiles.add_eventparticipant"]
            ),
            "case_sources": case_sources(case=case, user=request.user),
            "can_add_source": request.user.has_perm("casefiles.add_source"),
            "can_edit_source": request.user.has_perm("casefiles.change_source"),
            "case_actions": case_actions_for(request.user, case.pk),
            "case_cards": case_cards_for(request.user, case),
        },
    )
