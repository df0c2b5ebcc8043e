"""Staff pages: dashboard, case list and page, logging detentions and hearings, search,
calendar feed. Thin: selectors read, services write, every view checks the role."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casefiles import selectors, services
from casefiles.calendar import calendar_for_user
from casefiles.case_actions import case_actions_for
from casefiles.filtersets import CaseFilterSet, detained_now_condition
from casefiles.forms import DetentionLogForm, HearingLogForm, apply_service_errors, record_id
from casefiles.models import CalendarFeed, CaseParty, Source
from casefiles.search import (
    SearchResults,
    cases_matching,
    organisations_matching,
    persons_matching,
)
from casefiles.timeline import case_timeline, timeline_kinds
from people.models import Person, Position

view_case_required = permission_required("casefiles.view_case", raise_exception=True)
CASES_PER_PAGE = 25
SEARCH_LIMIT = 50
PICKER_LIMIT = 20
# A brief is a few pages; a render taking longer than this is stopped.
BRIEF_PDF_TIME_LIMIT = 30


def _staff(request: HttpRequest) -> User:
    """The logged-in user (LoginRequiredMiddleware lets no anonymous request through)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@require_GET
@view_case_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cases = selectors.cases_visible_to(request.user)
    detained = selectors.with_days_in_custody(
        selectors.detentions_current(cases, today=today), today=today
    )
    return render(
        request,
        "staff/dashboard.html",
        {
            "today": today,
            "detained": detained,
            "ending": selectors.detentions_ending(cases, today=today),
            "hearings": selectors.hearings_upcoming(cases, today=today),
            "changes": selectors.changes_latest(cases),
            "undelivered": selectors.reminders_undelivered(cases),
            "upcoming_days": selectors.UPCOMING_DAYS,
        },
    )


def _case_list_queryset(request: HttpRequest):
    cases = (
        selectors.cases_visible_to(request.user)
        .annotate(detained_now=detained_now_condition())
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


@require_GET
@view_case_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    cases = selectors.cases_visible_to(request.user)
    case = selectors.case_for_page(cases, pk)
    kinds = [kind for kind in request.GET.getlist("kind") if kind in timeline_kinds()]
    person_id = record_id(request.GET.get("person", ""))
    timeline = case_timeline(case, user=request.user, kinds=kinds, person_id=person_id)
    current = selectors.with_days_in_custody(
        selectors.detentions_current(cases.filter(pk=case.pk), today=today), today=today
    )
    persons = {party.person.pk: party.person for party in case.parties.all() if party.person}
    return render(
        request,
        "staff/case_detail.html",
        {
            "case": case,
            "timeline": timeline,
            "current_detentions": current,
            "kinds": timeline_kinds(),
            "selected_kinds": kinds,
            "persons": sorted(persons.values(), key=lambda person: person.name),
            "selected_person": person_id,
            "new_entry": request.GET.get("new", ""),
            "today": today,
            "can_log": request.user.has_perms(["casefiles.add_detention", "casefiles.add_hearing"]),
            "case_actions": case_actions_for(request.user, case.pk),
        },
    )


def _log_view(request, pk, *, form_class, service, template, anchor_prefix, noun):
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    initial = {}
    person_id = record_id(request.GET.get("person", ""))
    if person_id is not None:
        initial["person"] = person_id
        initial["defendants"] = [person_id]
    form = form_class(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = service(**form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{noun} logged.")
            anchor = f"{anchor_prefix}-{created.pk}"
            return redirect(f"{reverse('staff:case_detail', args=[case.pk])}?new={anchor}#{anchor}")
    return render(
        request, template, {"case": case, "form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_detention"], raise_exception=True)
def detention_log(request: HttpRequest, pk: int) -> HttpResponse:
    return _log_view(
        request,
        pk,
        form_class=DetentionLogForm,
        service=services.detention_log,
        template="staff/detention_form.html",
        anchor_prefix="detention",
        noun="Detention",
    )


@require_http_methods(["GET", "POST"])
@permission_required(["casefiles.view_case", "casefiles.add_hearing"], raise_exception=True)
def hearing_log(request: HttpRequest, pk: int) -> HttpResponse:
    return _log_view(
        request,
        pk,
        form_class=HearingLogForm,
        service=services.hearing_log,
        template="staff/hearing_form.html",
        anchor_prefix="hearing",
        noun="Hearing",
    )


@require_GET
@view_case_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    results = SearchResults(query=query)
    if query:
        if request.user.has_perm("people.view_person"):
            results.persons = list(
                persons_matching(query).prefetch_related("aliases")[:SEARCH_LIMIT]
            )
        if request.user.has_perm("people.view_organisation"):
            results.organisations = list(organisations_matching(query)[:SEARCH_LIMIT])
        results.cases = list(
            cases_matching(query, selectors.cases_visible_to(request.user))[:SEARCH_LIMIT]
        )
    return render(request, "staff/search.html", {"results": results, "query": query})


# --- Calendar -----------------------------------------------------------------------------


@require_GET
@view_case_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=_staff(request), revoked_at__isnull=True).first()
    token = request.session.pop("calendar_token", None)
    feed_url = (
        request.build_absolute_uri(reverse("staff:calendar_feed", args=[token])) if token else ""
    )
    return render(request, "staff/calendar.html", {"feed": feed, "feed_url": feed_url})


@require_POST
@view_case_required
def calendar_issue(request: HttpRequest) -> HttpResponse:
    _, token = services.calendar_feed_issue(user=_staff(request))
    # Shown once on the next page; only its hash is kept.
    request.session["calendar_token"] = token
    messages.success(request, "New calendar address created; any earlier one stopped working.")
    return redirect("staff:calendar")


@require_POST
@view_case_required
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_revoke(user=_staff(request))
    messages.success(request, "Calendar address revoked; subscribed calendars stop updating.")
    return redirect("staff:calendar")


@login_not_required  # authenticated by the secret token in the URL instead of a session
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = (
        CalendarFeed.objects.filter(
            token_hash=services.calendar_token_hash(token), revoked_at__isnull=True
        )
        .select_related("user")
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    body = calendar_for_user(feed.user, today=timezone.localdate())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


# --- Persons ------------------------------------------------------------------------------
# The person page lives here, not in `people`: it shows cases and detentions, and `people`
# knows nothing of cases.


@require_GET
@permission_required("casefiles.view_source", raise_exception=True)
def source_file(request: HttpRequest, pk: int) -> FileResponse:
    """An uploaded source, to logged-in staff who may read sources. Always a download, so
    an uploaded HTML or SVG file never runs in our pages."""
    source = get_object_or_404(Source.objects.exclude(file=""), pk=pk)
    return FileResponse(source.file.open("rb"), as_attachment=True)


@require_GET
@permission_required(["casefiles.view_case", "people.view_person"], raise_exception=True)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    person = get_object_or_404(
        Person.objects.prefetch_related(
            "aliases",
            Prefetch("positions", queryset=Position.objects.select_related("organisation")),
        ),
        pk=pk,
    )
    can_see_health = request.user.has_perm("people.view_healthcondition")
    cases = selectors.cases_visible_to(request.user)
    detentions = selectors.with_days_in_custody(
        person.detentions.filter(case__in=cases).select_related("case").order_by("-started_on"),
        today=today,
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
    query = request.GET.get("q", "").strip()[:200]
    persons = persons_matching(query)[:PICKER_LIMIT] if len(query) >= 2 else []
    return JsonResponse(
        {
            "results": [
                {"id": person.pk, "name": person.name, "name_original": person.name_original}
                for person in persons
            ]
        }
    )


@require_GET
@view_case_required
def case_brief(request: HttpRequest, pk: int) -> HttpResponse:
    """The case summary and full timeline on one printable page, for a meeting."""
    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    return render(request, "staff/brief.html", _brief_context(request, case))


def _brief_context(request: HttpRequest, case) -> dict:
    today = timezone.localdate()
    current = selectors.with_days_in_custody(
        selectors.detentions_current(
            selectors.cases_visible_to(request.user).filter(pk=case.pk), today=today
        ),
        today=today,
    )
    return {
        "case": case,
        "timeline": case_timeline(case, user=request.user),
        "current_detentions": current,
        "today": today,
        "prepared_by": request.user.get_username(),
    }


@require_GET
@view_case_required
def case_brief_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The brief as a PDF, through the shared renderer that fetches nothing from outside."""
    from django.conf import settings
    from django.template.loader import render_to_string

    from casefiles.pdf import PDFRenderError, css_string, render_pdf

    case = selectors.case_for_page(selectors.cases_visible_to(request.user), pk)
    context = _brief_context(request, case) | {
        "font_family": css_string(settings.PDF_FONT_FAMILY or "")
    }
    html = render_to_string("staff/brief_pdf.html", context, request=request)
    try:
        pdf = render_pdf(
            html=html,
            stylesheets=[settings.BASE_DIR / "static" / "css" / "brief_pdf.css"],
            time_limit=BRIEF_PDF_TIME_LIMIT,
        )
    except PDFRenderError as error:
        messages.error(request, f"The brief PDF could not be made: {error}")
        return redirect("staff:case_detail", pk=case.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"brief-{case.reference}-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
