"""The letter editor's helpers: cite a source by picking it, insert a sentence about a fact,
preview the text being edited, and compare a revision with the one before.

Picking needs the Letters role (letters.change_letter) like every write on the letter page;
comparing revisions needs only to see the letter. The letter is read through the letters'
visibility rule and every source and fact through the cases' (letters.services_cite): what
the user may not see is never offered and answers 404 like a missing record. With
JavaScript (static/letters/letter_editor.js) a pick goes into the body at the cursor and
nothing is written until "Save text"; without it, each is a form that appends to the stored
body through the services and returns to the editor.
"""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from casefiles.forms import record_id
from letters.forms import LetterTextForm
from letters.models import Letter, LetterRevision
from letters.rendering import LetterContentError, letter_html
from letters.services_cite import (
    FACT_KIND_LABELS,
    QUERY_MAX,
    citations_hidden,
    fact_sentence,
    facts_offered,
    letter_cite_append,
    letter_fact_append,
    parse_fact_choice,
    revision_previous,
    revision_text,
    source_for_citing,
    source_refusal,
    sources_matching,
    text_compare,
)
from letters.services_revisions import CLOSED

WRITE = "letters.change_letter"


def _letter(request: HttpRequest, pk: int) -> Letter:
    return get_object_or_404(Letter.objects.visible_to(request.user), pk=pk)


def _editor(letter_id: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("letters:edit", args=[letter_id]) + (f"#{anchor}" if anchor else ""))


def _is_fetch(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("asking_signatories_again") == "on"


# --- Citing a source ----------------------------------------------------------------------


@require_GET
@permission_required(WRITE, raise_exception=True)
def cite_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter's sources whose title, publisher or URL match ``q``: a fragment for
    letter_editor.js, or a page of its own without JavaScript."""
    letter = _letter(request, pk)
    query = str(request.GET.get("q", "")).replace("\x00", "").strip()[:QUERY_MAX]
    sources = sources_matching(letter=letter, user=request.user, query=query)
    context = {
        "letter": letter,
        "query": query,
        "sources": [(source, source_refusal(source)) for source in sources],
        "closed": letter.status in CLOSED,
    }
    template = "letters/_cite_results.html" if _is_fetch(request) else "letters/cite.html"
    return render(request, template, context)


@require_POST
@permission_required(WRITE, raise_exception=True)
def cite_append(request: HttpRequest, pk: int) -> HttpResponse:
    """Without JavaScript: cite the chosen source at the end of the stored body."""
    letter = _letter(request, pk)
    source = source_for_citing(
        letter=letter, user=request.user, source_id=record_id(request.POST.get("source"))
    )
    if source is None:
        messages.error(request, "That source is not among this letter's sources; search again.")
        return _editor(letter.pk, "cite")
    try:
        letter_cite_append(
            letter=letter, source=source, asking_signatories_again=_confirmed(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{source.title}” cited at the end of the text.")
    return _editor(letter.pk, "id_body")


# --- Inserting a fact ---------------------------------------------------------------------


def _fact_sentence_or_404(request: HttpRequest, letter: Letter, value: str) -> str:
    choice = parse_fact_choice(value)
    sentence = (
        fact_sentence(letter=letter, user=request.user, kind=choice[0], pk=choice[1])
        if choice
        else None
    )
    if sentence is None:
        raise Http404("No such fact in this letter's cases.")
    return sentence


@permission_required(WRITE, raise_exception=True)
def fact_insert(request: HttpRequest, pk: int) -> HttpResponse:
    """GET ``?fact=kind:id``: the sentence about that fact, as text for letter_editor.js to
    put at the cursor. POST (without JavaScript): append it to the stored body."""
    letter = _letter(request, pk)
    if request.method == "GET":
        sentence = _fact_sentence_or_404(request, letter, str(request.GET.get("fact", "")))
        return HttpResponse(sentence, content_type="text/plain; charset=utf-8")
    if request.method != "POST":
        return HttpResponse(status=405)
    value = str(request.POST.get("fact", ""))
    if not value:
        messages.error(request, "Choose a fact to insert.")
        return _editor(letter.pk, "facts")
    sentence = _fact_sentence_or_404(request, letter, value)
    try:
        letter_fact_append(
            letter=letter, sentence=sentence, asking_signatories_again=_confirmed(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The sentence is added at the end of the text.")
    return _editor(letter.pk, "id_body")


def fact_choices(letter: Letter, user) -> list[tuple[str, list]]:
    """The "Insert fact" menu: (group label, facts) for each kind the case has."""
    offered = facts_offered(letter=letter, user=user)
    return [(FACT_KIND_LABELS[kind], facts) for kind, facts in offered.items() if facts]


# --- The preview of the text being edited -------------------------------------------------


def _field_label(form: LetterTextForm, name: str) -> str:
    field = form.fields.get(name)
    return f"{field.label or name.replace('_', ' ').capitalize()}: " if field else ""


@require_POST
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})  # type: ignore[arg-type]
@permission_required(WRITE, raise_exception=True)
def preview_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF's own HTML for the text in the editor's form, before it is saved (shown in
    the editor's frame). Nothing is written."""
    letter = _letter(request, pk)
    form = LetterTextForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{_field_label(form, name)}{' '.join(str(error) for error in errors)}"
            for name, errors in form.errors.items()
        )
        return HttpResponse(
            format_html("<p>The preview waits for a complete text — {}</p>", problems),
            status=422,
        )
    hidden = citations_hidden(body=form.cleaned_data["body"], user=request.user)
    if hidden:
        return HttpResponse(format_html("<p>{}</p>", hidden), status=422)
    for name in LetterTextForm.TEXT_FIELDS:
        if form.cleaned_data[name] is not None:  # left out: as the letter has it
            setattr(letter, name, form.cleaned_data[name])  # this copy is never saved
    try:
        return HttpResponse(letter_html(letter, for_pdf=False))
    except LetterContentError as exc:
        return HttpResponse(
            format_html("<p>This letter cannot be printed yet: {}</p>", exc), status=422
        )


# --- Comparing revisions ------------------------------------------------------------------


@require_GET
@permission_required("letters.view_letter", raise_exception=True)
def revision_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """A revision word by word against the one before it — or, with ``?with=current``,
    against the letter's text as it stands now."""
    revision = get_object_or_404(
        LetterRevision.objects.visible_to(request.user).select_related("letter"), pk=pk
    )
    letter = revision.letter
    if request.GET.get("with") == "current":
        older, newer = revision, None
        diffs = text_compare(revision_text(revision), letter.text_fields())
    else:
        previous = revision_previous(revision)
        if previous is None:
            messages.info(request, f"Revision {revision.number} is the first; nothing before it.")
            return redirect("letters:detail", pk=letter.pk)
        older, newer = previous, revision
        diffs = text_compare(revision_text(previous), revision_text(revision))
    return render(
        request,
        "letters/revision_compare.html",
        {
            "letter": letter,
            "older": older,
            "newer": newer,
            "diffs": diffs,
            "unchanged": not any(diff.changed for diff in diffs),
        },
    )
