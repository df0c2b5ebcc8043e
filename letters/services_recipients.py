"""Writes on a letter's recipients and signatories: add, edit, move, remove.

The letter page and the back office both go through these. A final or sent letter's
recipients and signatories are what was sent, so every write here first locks the letter and
refuses when it is frozen; the refusal writes nothing. Field errors come back as a
ValidationError keyed by field, so a form can show each next to its input.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet

from letters.choices import LetterStatus, RecipientKind, SigningStatus
from letters.models import Letter, LetterRecipient, LetterSignatory
from people.meps import signature_on
from people.models import Organisation, Person, Position

FROZEN = (LetterStatus.FINAL, LetterStatus.SENT)
DIRECTIONS = ("up", "down")


def letter_is_frozen(letter: Letter) -> bool:
    return letter.status in FROZEN


def _letter_open(letter_id: int) -> Letter:
    """Lock the letter and refuse when it is final or sent (its recipients are as sent)."""
    letter = Letter.objects.select_for_update().get(pk=letter_id)
    if letter_is_frozen(letter):
        raise ValidationError(
            f"Letter {letter.reference} is {letter.get_status_display().lower()}; "
            "its recipients and signatories can no longer change."
        )
    return letter


def _next_order(queryset: QuerySet) -> int:
    last = queryset.aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


def _moved(rows: list, record, direction: str) -> list:
    """The rows in their new order once ``record`` moved one place up or down; the list is
    renumbered 0…n-1 so gaps and ties left by the back office disappear."""
    if direction not in DIRECTIONS:
        raise ValidationError({"direction": "Move up or down."})
    index = next(i for i, row in enumerate(rows) if row.pk == record.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    return rows


def _renumber(rows: list) -> None:
    for order, row in enumerate(rows):
        if row.order != order:
            row.order = order
            row.save(update_fields=["order"])  # save(), not update(): history keeps the move


# --- Positions: what a recipient or a signatory is taken from ------------------------------


def position_valid_on(positions: list[Position], day: datetime.date) -> Position | None:
    """Of positions already loaded (the picker prefetches them), the one valid on ``day``."""
    latest_first = sorted(
        positions, key=lambda p: (p.started_on or datetime.date.min, p.pk), reverse=True
    )
    for position in latest_first:
        started = position.started_on is None or position.started_on <= day
        not_ended = position.ended_on is None or position.ended_on >= day
        if started and not_ended:
            return position
    return latest_first[0] if latest_first else None


# --- Recipients ---------------------------------------------------------------------------


@transaction.atomic
def recipient_add(
    *,
    letter: Letter,
    kind: RecipientKind | str,
    position: Position | None = None,
    title_line: str = "",
    address_block: str = "",
) -> LetterRecipient:
    """Add an addressee or a copy (cc) at the end of its kind; the title line and address
    block are copied from ``position`` where not given, and stay editable."""
    letter = _letter_open(letter.pk)
    if position is not None:
        title_line = title_line or position.title
        address_block = address_block or position.address_block
    recipient = LetterRecipient(
        letter=letter,
        kind=kind,
        position=position,
        order=_next_order(letter.recipients.filter(kind=kind)),
        title_line=title_line.strip(),
        address_block=address_block.strip(),
    )
    recipient.full_clean()
    recipient.save()
    return recipient


@transaction.atomic
def recipient_create_with_position(
    *,
    letter: Letter,
    kind: RecipientKind | str,
    family_name: str,
    given_name: str = "",
    person_title: str = "",
    name_original: str = "",
    organisation: Organisation | None = None,
    organisation_name: str = "",
    organisation_kind: str = "",
    organisation_country: str = "",
    position_title: str,
    honorific: str = "",
    postal_address: str = "",
    emails: str = "",
) -> LetterRecipient:
    """A recipient nobody has recorded yet: the person, their organisation (an existing one,
    or a new one by name) and their position are created, then added like any other."""
    _letter_open(letter.pk)
    errors: dict[str, list[str]] = {}
    person = Person(
        title=person_title.strip(),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        name_original=name_original.strip(),
    )
    _collect(errors, person, prefix="", rename={"title": "person_title"})
    if organisation is None:
        if not organisation_name.strip():
            errors.setdefault("organisation", []).append(
                "Choose the organisation, or give the name of a new one."
            )
        else:
            organisation = Organisation(
                name=organisation_name.strip(),
                kind=organisation_kind,
                country=organisation_country,
            )
            _collect(errors, organisation, prefix="organisation_")
    if errors:
        raise ValidationError(errors)
    assert organisation is not None
    person.save()
    if organisation.pk is None:
        organisation.save()
    position = Position(
        person=person,
        organisation=organisation,
        title=position_title.strip(),
        honorific=honorific.strip(),
        postal_address=postal_address.strip(),
        emails=emails.strip(),
    )
    _collect(errors, position, prefix="", rename={"title": "position_title"})
    if errors:
        raise ValidationError(errors)
    position.save()
    return recipient_add(letter=letter, kind=kind, position=position)


def _collect(
    errors: dict[str, list[str]],
    record,
    *,
    prefix: str,
    rename: dict[str, str] | None = None,
) -> None:
    """full_clean one of several new records, gathering its errors under the form's names."""
    rename = rename or {}
    try:
        record.full_clean(exclude=["person", "organisation"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            name = rename.get(field) or (
                field if field == "__all__" or not prefix else f"{prefix}{field}"
            )
            errors.setdefault(name, []).extend(messages)


@transaction.atomic
def recipient_update(
    *,
    recipient: LetterRecipient,
    title_line: str,
    address_block: str,
    kind: RecipientKind | str | None = None,
) -> LetterRecipient:
    """Edit what is printed for a recipient; changing its kind puts it last in the new kind."""
    letter = _letter_open(recipient.letter_id)
    recipient.title_line = title_line.strip()
    recipient.address_block = address_block.strip()
    if kind is not None and kind != recipient.kind:
        recipient.kind = kind
        recipient.order = _next_order(letter.recipients.filter(kind=kind))
    recipient.full_clean()
    recipient.save()
    return recipient


@transaction.atomic
def recipient_move(*, recipient: LetterRecipient, direction: str) -> LetterRecipient:
    """One place up or down among the recipients of its kind (the addressee stays alone)."""
    letter = _letter_open(recipient.letter_id)
    rows = list(letter.recipients.filter(kind=recipient.kind).order_by("order", "pk"))
    _renumber(_moved(rows, recipient, direction))
    recipient.refresh_from_db()
    return recipient


@transaction.atomic
def recipient_remove(*, recipient: LetterRecipient) -> None:
    letter = _letter_open(recipient.letter_id)
    kind = recipient.kind
    recipient.delete()
    _renumber(list(letter.recipients.filter(kind=kind).order_by("order", "pk")))


# --- Signatories --------------------------------------------------------------------------


@transaction.atomic
def signatory_add(
    *,
    letter: Letter,
    person: Person,
    position: Position | None = None,
    signs_as: str = "",
) -> LetterSignatory:
    """Invite a person to sign, last in the order. Their line under the name comes from the
    positions valid on the letter's date unless given: an MEP's mandate, group and member
    state from the directory ("MEP (Group of the Greens/European Free Alliance; Germany)")."""
    letter = _letter_open(letter.pk)
    if position is not None and position.person_id != person.pk:
        raise ValidationError({"position": "This position is held by somebody else."})
    signature = signature_on(
        list(person.positions.select_related("organisation")),
        letter.dated_on,
        citizenship=person.citizenship,
        chosen=position,
    )
    if signature is not None:
        position = signature[0]
    if not signs_as.strip():
        if signature is None:
            raise ValidationError(
                {"signs_as": "This person holds no position; write the line under their name."}
            )
        signs_as = signature[1]
    signatory = LetterSignatory(
        letter=letter,
        person=person,
        position=position,
        order=_next_order(letter.signatories.all()),
        signs_as=signs_as.strip(),
        status=SigningStatus.INVITED,
    )
    signatory.full_clean()
    signatory.save()
    return signatory


@transaction.atomic
def signatory_update(*, signatory: LetterSignatory, signs_as: str) -> LetterSignatory:
    """Edit the line printed under a signatory's name. Once they have signed, it stays as
    they signed it."""
    _letter_open(signatory.letter_id)
    if signatory.status == SigningStatus.SIGNED and signs_as.strip() != signatory.signs_as:
        raise ValidationError(
            {"signs_as": f"{signatory.person.signature_name} has signed; their line stays."}
        )
    signatory.signs_as = signs_as.strip()
    signatory.full_clean()
    signatory.save()
    return signatory


@transaction.atomic
def signatory_move(*, signatory: LetterSignatory, direction: str) -> LetterSignatory:
    letter = _letter_open(signatory.letter_id)
    rows = list(letter.signatories.order_by("order", "pk"))
    _renumber(_moved(rows, signatory, direction))
    signatory.refresh_from_db()
    return signatory


@transaction.atomic
def signatory_remove(*, signatory: LetterSignatory) -> None:
    letter = _letter_open(signatory.letter_id)
    signatory.delete()
    _renumber(list(letter.signatories.order_by("order", "pk")))
