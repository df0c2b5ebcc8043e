"""The letter page as the editor of its recipients and signatories.

Writes are POST only and need the Letters role (letters.change_letter), as Generate PDF
does; creating a person, organisation and position on the spot also needs the right to add
those. The letter is read through the letters' visibility rule, so a letter of a restricted
case is 404 for those who may not see the case, and the picker offers only positions and
persons the user may see. Every write goes through letters.services_recipients, which the
back office uses too. Without JavaScript each action is a plain form and a redirect back to
the letter page; letter_page.js only fills the picker's results as one types.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_countries import countries

from casefiles.forms import apply_service_errors, record_id
from casefiles.search import organisations_matching, persons_matching
from letters.choices import RecipientKind
from letters.forms import RecipientForm, RecipientNewForm, SignatoryLineForm
from letters.models import Letter, LetterRecipient, LetterSignatory
from letters.services_recipients import (
    letter_is_frozen,
    recipient_add,
    recipient_create_with_position,
    recipient_move,
    recipient_remove,
    recipient_update,
    signatory_add,
    signatory_move,
    signatory_remove,
    signatory_update,
)
from people.choices import OrganisationKind
from people.meps import directory_members, signature_on
from people.models import Organisation, Person, Position

PICKER_LIMIT = 20
# "The members of DROI": a committee or a group is listed whole, up to this many.
DIRECTORY_LIMIT = 100
QUERY_MAX = 200
WRITE = "letters.change_letter"
CREATE_PEOPLE = ("people.add_person", "people.add_organisation", "people.add_position")


def _letter(request: HttpRequest, pk: int) -> Letter:
    return get_object_or_404(Letter.objects.visible_to(request.user), pk=pk)


def _recipient(request: HttpRequest, pk: int) -> LetterRecipient:
    letters = Letter.objects.visible_to(request.user)
    return get_object_or_404(
        LetterRecipient.objects.filter(letter__in=letters).select_related("letter"), pk=pk
    )


def _signatory(request: HttpRequest, pk: int) -> LetterSignatory:
    letters = Letter.objects.visible_to(request.user)
    return get_object_or_404(
        LetterSignatory.objects.filter(letter__in=letters).select_related("letter", "person"),
        pk=pk,
    )


def _back(letter_id: int, anchor: str) -> HttpResponse:
    return redirect(reverse("letters:detail", args=[letter_id]) + f"#{anchor}")


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _typed(data, name: str) -> str:
    """A typed value as text the database can hold (PostgreSQL refuses NUL characters)."""
    return str(data.get(name, "")).replace("\x00", "")


def _chosen(queryset, value: str | None):
    """The record with this id among those the user may see, or None (hidden looks missing)."""
    pk = record_id(value)
    return None if pk is None else queryset.filter(pk=pk).first()


# --- The picker ---------------------------------------------------------------------------


def positions_for_picker(user, query: str):
    """Positions the user may see whose holder's name (any script, any spelling), whose
    organisation or whose title matches what was typed."""
    visible = Position.objects.visible_to(user)
    persons = persons_matching(query, Person.objects.visible_to(user))
    organisations = organisations_matching(query, Organisation.objects.visible_to(user))
    return (
        visible.filter(
            Q(person__in=persons) | Q(organisation__in=organisations) | Q(title__icontains=query)
        )
        .select_related("person", "organisation")
        .order_by("person__family_name", "person__given_name", "-started_on", "pk")
    )


def signatories_for_picker(
    user, query: str, letter: Letter, directory: dict | None = None
) -> list[tuple[Person, Position, str]]:
    """Persons the user may see who hold a position, each with the one they sign in on the
    letter's date and the line that will be printed under their name. ``directory`` narrows
    them to a political group, a committee or a country on that date."""
    positions = Position.objects.visible_to(user).select_related("organisation")
    persons = Person.objects.visible_to(user)
    if query:
        persons = persons_matching(query, persons)
    limit = PICKER_LIMIT
    if directory:
        persons = directory_members(persons, positions, day=letter.dated_on, **directory)
        limit = DIRECTORY_LIMIT
    persons = (
        persons.filter(positions__in=positions)
        .distinct()
        .order_by("family_name", "given_name", "pk")
        .prefetch_related(Prefetch("positions", queryset=positions))[:limit]
    )
    offered = []
    for person in persons:
        signature = signature_on(
            list(person.positions.all()), letter.dated_on, citizenship=person.citizenship
        )
        if signature is not None:
            offered.append((person, *signature))
    return offered


def _directory_filters(request: HttpRequest) -> tuple[dict, dict]:
    """The group, committee and country chosen on the signatory picker (each optional; an
    unknown or hidden one is ignored), and the choices offered."""
    organisations = Organisation.objects.visible_to(request.user).filter(parent__isnull=False)
    groups = organisations.filter(kind=OrganisationKind.POLITICAL_GROUP)
    committees = organisations.filter(kind=OrganisationKind.PARLIAMENTARY_COMMITTEE)
    chosen: dict = {}
    for name, queryset in (("group", groups), ("committee", committees)):
        value = _typed(request.GET, name).strip()[:QUERY_MAX]
        if value:
            found = _chosen(queryset, value) if value.isdigit() else None
            found = found or queryset.filter(abbreviation__iexact=value).first()
            if found is not None:
                chosen[name] = found
    country = _typed(request.GET, "country").strip().upper()[:2]
    if country and country in dict(countries):
        chosen["country"] = country
    choices = {
        "groups": list(groups.order_by("name")),
        "committees": list(committees.order_by("abbreviation")),
        "countries": list(countries),
        "chosen": chosen,
    }
    return chosen, choices


@require_GET
@permission_required(WRITE, raise_exception=True)
def picker(request: HttpRequest, pk: int) -> HttpResponse:
    """Recipients (``?for=recipient``) or signatories (``?for=signatory``) matching ``q``:
    a fragment for letter_page.js, or a page of its own without JavaScript."""
    letter = _letter(request, pk)
    query = _typed(request.GET, "q").strip()[:QUERY_MAX]
    picking = "signatory" if request.GET.get("for") == "signatory" else "recipient"
    context = {"letter": letter, "query": query, "picking": picking, "positions": [], "persons": []}
    directory: dict = {}
    if picking == "signatory":
        directory, context["directory"] = _directory_filters(request)
        context["filtered"] = bool(directory)
    if query or directory:
        if picking == "recipient":
            context["positions"] = list(positions_for_picker(request.user, query)[:PICKER_LIMIT])
        else:
            context["persons"] = signatories_for_picker(request.user, query, letter, directory)
    fragment = request.headers.get("X-Requested-With") == "fetch"
    template = "letters/_picker.html" if fragment else "letters/picker.html"
    return render(request, template, context)


# --- Recipients ---------------------------------------------------------------------------


@require_POST
@permission_required(WRITE, raise_exception=True)
def recipient_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a recipient from a position (its title and address copied) or typed in full."""
    letter = _letter(request, pk)
    kind = _typed(request.POST, "kind") or RecipientKind.CC
    position = _chosen(Position.objects.visible_to(request.user), request.POST.get("position"))
    if position is None and request.POST.get("position"):
        messages.error(request, "That position is not there any more; search again.")
        return _back(letter.pk, "recipients")
    if position is None and not _typed(request.POST, "title_line").strip():
        messages.error(request, "Choose a recipient from the search, or add a new one.")
        return _back(letter.pk, "recipients")
    try:
        recipient = recipient_add(
            letter=letter,
            kind=kind,
            position=position,
            title_line=_typed(request.POST, "title_line"),
            address_block=_typed(request.POST, "address_block"),
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{recipient.title_line} added ({recipient.get_kind_display()}).")
    return _back(letter.pk, "recipients")


@permission_required(WRITE, raise_exception=True)
@permission_required(CREATE_PEOPLE, raise_exception=True)
def recipient_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a new person, organisation and position, and add them as a recipient."""
    letter = _letter(request, pk)
    organisations = Organisation.objects.visible_to(request.user).order_by("name")
    form = RecipientNewForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            recipient = recipient_create_with_position(letter=letter, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{recipient.title_line} recorded and added.")
            return _back(letter.pk, "recipients")
    return render(
        request,
        "letters/recipient_new.html",
        {"letter": letter, "form": form, "frozen": letter_is_frozen(letter)},
    )


@permission_required(WRITE, raise_exception=True)
def recipient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the printed title line, address block and kind of one recipient."""
    recipient = _recipient(request, pk)
    initial = {
        "kind": recipient.kind,
        "title_line": recipient.title_line,
        "address_block": recipient.address_block,
    }
    form = RecipientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recipient_update(recipient=recipient, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{recipient.title_line} saved.")
            return _back(recipient.letter_id, "recipients")
    return render(
        request,
        "letters/recipient_edit.html",
        {
            "letter": recipient.letter,
            "recipient": recipient,
            "form": form,
            "frozen": letter_is_frozen(recipient.letter),
        },
    )


@require_POST
@permission_required(WRITE, raise_exception=True)
def recipient_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    recipient = _recipient(request, pk)
    try:
        recipient_move(recipient=recipient, direction=_typed(request.POST, "direction"))
    except ValidationError as exc:
        _refused(request, exc)
    return _back(recipient.letter_id, "recipients")


@require_POST
@permission_required(WRITE, raise_exception=True)
def recipient_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    recipient = _recipient(request, pk)
    try:
        recipient_remove(recipient=recipient)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{recipient.title_line} removed.")
    return _back(recipient.letter_id, "recipients")


# --- Signatories --------------------------------------------------------------------------


@require_POST
@permission_required(WRITE, raise_exception=True)
def signatory_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite a person to sign; their line comes from the position valid on the letter's date."""
    letter = _letter(request, pk)
    person = _chosen(Person.objects.visible_to(request.user), request.POST.get("person"))
    if person is None:
        messages.error(request, "Choose a signatory from the search.")
        return _back(letter.pk, "signatories")
    position = _chosen(
        Position.objects.visible_to(request.user).filter(person=person),
        request.POST.get("position"),
    )
    try:
        signatory = signatory_add(
            letter=letter,
            person=person,
            position=position,
            signs_as=_typed(request.POST, "signs_as"),
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{person.signature_name} added as a signatory.")
        return _back(signatory.letter_id, "signatories")
    return _back(letter.pk, "signatories")


@permission_required(WRITE, raise_exception=True)
def signatory_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the line printed under a signatory's name."""
    signatory = _signatory(request, pk)
    form = SignatoryLineForm(request.POST or None, initial={"signs_as": signatory.signs_as})
    if request.method == "POST" and form.is_valid():
        try:
            signatory_update(signatory=signatory, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{signatory.person.signature_name} saved.")
            return _back(signatory.letter_id, "signatories")
    return render(
        request,
        "letters/signatory_edit.html",
        {
            "letter": signatory.letter,
            "signatory": signatory,
            "form": form,
            "frozen": letter_is_frozen(signatory.letter),
        },
    )


@require_POST
@permission_required(WRITE, raise_exception=True)
def signatory_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    signatory = _signatory(request, pk)
    try:
        signatory_move(signatory=signatory, direction=_typed(request.POST, "direction"))
    except ValidationError as exc:
        _refused(request, exc)
    return _back(signatory.letter_id, "signatories")


@require_POST
@permission_required(WRITE, raise_exception=True)
def signatory_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    signatory = _signatory(request, pk)
    try:
        signatory_remove(signatory=signatory)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{signatory.person.signature_name} removed.")
    return _back(signatory.letter_id, "signatories")
