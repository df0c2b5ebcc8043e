"""Adding and correcting persons from the staff pages: their names in every script, their
occupation, the other names they are known by and their ties to other persons.

A person already on file must not be created twice: a new person whose name (in any
script, as the search folds it) is borne by someone the user may see is refused unless the
user says it is a namesake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Exists, Model, OuterRef

from casefiles.models import SearchName
from casefiles.search import persons_matching, search_key
from people.choices import AliasKind, Script
from people.models import Alias, Person, Relationship
from people.visibility import AnyUser


@dataclass(frozen=True)
class NewPerson:
    """A person typed on a form rather than picked."""

    family_name: str
    given_name: str = ""
    name_original: str = ""
    original_script: str = ""
    occupation: str = ""
    # Ticked after the page named a known person with the same name: a namesake.
    create_anyway: bool = False


@dataclass(frozen=True)
class AliasLine:
    """Another name a person is known by, as one row of the aliases formset gives it."""

    name: str
    script: str = Script.LATIN
    kind: str = AliasKind.SPELLING


@dataclass(frozen=True)
class RelationshipLine:
    """`person` is the `kind` of `other` (the brother of, …)."""

    other: Person
    kind: str
    notes: str = ""


def known_namesakes(
    *, given_name: str, family_name: str, name_original: str, user: AnyUser
) -> list[Person]:
    """Persons the user may see who bear exactly this name (in any script, as the search
    folds it). Persons the user may not see are not named, nor counted: that would tell
    them someone is on file."""
    visible = Person.objects.visible_to(user)
    found: dict[int, Person] = {}
    for name in (f"{given_name} {family_name}", name_original):
        key = search_key(name)
        if not key:
            continue
        exact = SearchName.objects.filter(person=OuterRef("pk"), key=key)
        for person in persons_matching(name, visible).filter(Exists(exact)):
            found[person.pk] = person
    return sorted(found.values(), key=lambda person: person.name)


def namesake_refusal(new_person: NewPerson, user: AnyUser) -> str | None:
    """Why `new_person` may not be created as typed, or None: someone visible bears the name
    and the user has not said this is a different person."""
    if new_person.create_anyway:
        return None
    namesakes = known_namesakes(
        given_name=new_person.given_name,
        family_name=new_person.family_name,
        name_original=new_person.name_original,
        user=user,
    )
    if not namesakes:
        return None
    names = "; ".join(
        f"{known.name} ({known.name_original})" if known.name_original else known.name
        for known in namesakes
    )
    return (
        f"Already known: {names}. Pick them above, or tick “create anyway” if this is a "
        "different person with the same name."
    )


def errors_into(errors: dict[str, list[str]], record: Model, prefix: str = "") -> None:
    """Validate one record, adding its errors under the form's names (prefix + field)."""
    try:
        record.full_clean()
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            errors.setdefault(NON_FIELD_ERRORS, []).extend(error.messages)
            return
        for field, messages in error.message_dict.items():
            name = field if field == NON_FIELD_ERRORS else f"{prefix}{field}"
            errors.setdefault(name, []).extend(messages)


def person_new_checked(
    new_person: NewPerson, *, user: AnyUser, errors: dict[str, list[str]], prefix: str = ""
) -> Person:
    """An unsaved Person from a typed name, its errors (namesakes included) added to
    `errors` under `prefix`ed names. Shared by every page that may type a new person."""
    person = Person(
        given_name=new_person.given_name,
        family_name=new_person.family_name,
        name_original=new_person.name_original,
        original_script=new_person.original_script,
        occupation=new_person.occupation,
    )
    errors_into(errors, person, prefix)
    refusal = namesake_refusal(new_person, user)
    if refusal:
        errors.setdefault(f"{prefix}family_name", []).append(refusal)
    return person


def _checked_lines(
    *,
    person: Person,
    user: AnyUser,
    aliases: Iterable[AliasLine],
    relationships: Iterable[RelationshipLine],
    errors: dict[str, list[str]],
) -> tuple[list[AliasLine], list[RelationshipLine]]:
    alias_lines = list(aliases)
    relationship_lines = list(relationships)
    names = [line.name.strip() for line in alias_lines]
    if len(set(names)) != len(names):
        errors.setdefault("aliases", []).append("Each other name only once, please.")
    for alias_line in alias_lines:
        alias = Alias(
            person=person,
            name=alias_line.name.strip(),
            script=alias_line.script,
            kind=alias_line.kind,
        )
        # The person may be unsaved; its constraint is checked above, by name.
        try:
            alias.full_clean(exclude=["person"], validate_constraints=False)
        except ValidationError as error:
            errors.setdefault("aliases", []).extend(error.messages)
    visible = Person.objects.visible_to(user)
    others = {line.other.pk for line in relationship_lines}
    if others - set(visible.filter(pk__in=others).values_list("pk", flat=True)):
        errors.setdefault("relationships", []).append("Choose a person from the list.")
    keys = [(line.other.pk, line.kind) for line in relationship_lines]
    if len(set(keys)) != len(keys):
        errors.setdefault("relationships", []).append("This relationship is already recorded.")
    for tie_line in relationship_lines:
        if person.pk is not None and tie_line.other.pk == person.pk:
            errors.setdefault("relationships", []).append(
                "A person cannot be related to themselves."
            )
            continue
        tie = Relationship(
            person=person, other=tie_line.other, kind=tie_line.kind, notes=tie_line.notes
        )
        try:
            tie.full_clean(exclude=["person"], validate_constraints=False)
        except ValidationError as error:
            errors.setdefault("relationships", []).extend(error.messages)
    return alias_lines, relationship_lines


def _lines_save(
    *,
    person: Person,
    user: AnyUser,
    aliases: list[AliasLine],
    relationships: list[RelationshipLine],
) -> None:
    """Make the person's other names and their ties to persons the user may see exactly
    these. Ties to persons the user may not see are theirs to keep: left as they are."""
    wanted = {line.name.strip(): line for line in aliases}
    for alias in person.aliases.all():
        alias_line = wanted.pop(alias.name, None)
        if alias_line is None:
            alias.delete()
        elif (alias.script, alias.kind) != (alias_line.script, alias_line.kind):
            alias.script, alias.kind = alias_line.script, alias_line.kind
            alias.save()
    for name, alias_line in wanted.items():
        Alias.objects.create(
            person=person, name=name, script=alias_line.script, kind=alias_line.kind
        )

    visible = Person.objects.visible_to(user)
    ties = {(line.other.pk, line.kind): line for line in relationships}
    for tie in person.relationships.filter(other__in=visible):
        tie_line = ties.pop((tie.other_id, tie.kind), None)
        if tie_line is None:
            tie.delete()
        elif tie.notes != tie_line.notes:
            tie.notes = tie_line.notes
            tie.save()
    for tie_line in ties.values():
        Relationship.objects.create(
            person=person, other=tie_line.other, kind=tie_line.kind, notes=tie_line.notes
        )


@transaction.atomic
def person_create(
    *,
    user: AnyUser,
    new_person: NewPerson,
    title: str = "",
    aliases: Iterable[AliasLine] = (),
    relationships: Iterable[RelationshipLine] = (),
) -> Person:
    """A new person with their other names and ties; refused, writing nothing, when a
    visible person bears the name and `create_anyway` is not set."""
    errors: dict[str, list[str]] = {}
    person = person_new_checked(new_person, user=user, errors=errors)
    person.title = title
    alias_lines, relationship_lines = _checked_lines(
        person=person, user=user, aliases=aliases, relationships=relationships, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    person.save()
    _lines_save(person=person, user=user, aliases=alias_lines, relationships=relationship_lines)
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    user: AnyUser,
    given_name: str,
    family_name: str,
    name_original: str = "",
    original_script: str = "",
    occupation: str = "",
    title: str = "",
    aliases: Iterable[AliasLine] = (),
    relationships: Iterable[RelationshipLine] = (),
) -> Person:
    """Correct a person's names and occupation and set their other names and ties.
    The person must be one the user may see; every part is checked before anything is
    written."""
    if not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        raise ValidationError("This person is not one you may change.")
    errors: dict[str, list[str]] = {}
    person.given_name = given_name
    person.family_name = family_name
    person.name_original = name_original
    person.original_script = original_script
    person.occupation = occupation
    person.title = title
    errors_into(errors, person)
    alias_lines, relationship_lines = _checked_lines(
        person=person, user=user, aliases=aliases, relationships=relationships, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    person.save()
    _lines_save(person=person, user=user, aliases=alias_lines, relationships=relationship_lines)
    return person
