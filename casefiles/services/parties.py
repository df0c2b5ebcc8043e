"""Who is in a case: adding a party (a known person, a new one, or an organisation),
changing their role, and removing one the case records nothing more about."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from casefiles.models import Case, CaseParty, party_removal_refusal
from casefiles.services.persons import NewPerson, errors_into, person_new_checked
from people.models import Organisation, Person
from people.visibility import AnyUser

CHOOSE_ONE = "Pick a known person, type a new one, or choose an organisation: one of them."


@transaction.atomic
def party_add(
    *,
    case: Case,
    user: AnyUser,
    role: str,
    person: Person | None = None,
    new_person: NewPerson | None = None,
    organisation: Organisation | None = None,
    notes: str = "",
) -> CaseParty:
    """Add a person (picked or typed) or an organisation to a case in a role. A typed person
    bearing the name of someone the user may see is refused unless it is a namesake. Errors
    are keyed by the Party form's fields (person_… for the typed person); nothing is
    written unless all of it is valid."""
    if sum(choice is not None for choice in (person, new_person, organisation)) != 1:
        raise ValidationError({"person": CHOOSE_ONE})
    if person is not None and not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        raise ValidationError({"person": "Pick a person from the list."})
    if (
        organisation is not None
        and not Organisation.objects.visible_to(user).filter(pk=organisation.pk).exists()
    ):
        raise ValidationError({"organisation": "Pick an organisation from the list."})
    errors: dict[str, list[str]] = {}
    if new_person is not None:
        person = person_new_checked(new_person, user=user, errors=errors, prefix="person_")
    party = CaseParty(case=case, person=person, organisation=organisation, role=role, notes=notes)
    if new_person is None:
        errors_into(errors, party)
    else:
        # The typed person has no id yet: the checks that need one run once it has.
        _party_fields_check(party, errors)
    if errors:
        raise ValidationError(errors)
    if new_person is not None and person is not None:
        person.save()
        party.person = person
        party.full_clean()
    party.save()
    return party


def _party_fields_check(party: CaseParty, errors: dict[str, list[str]]) -> None:
    try:
        party.full_clean(exclude=["person"], validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)


@transaction.atomic
def party_update(*, party: CaseParty, role: str, notes: str = "") -> CaseParty:
    """Change the part a party plays in the case, or the note on it."""
    party.role = role
    party.notes = notes
    party.full_clean()
    party.save()
    return party


@transaction.atomic
def party_remove(*, party: CaseParty) -> None:
    """Remove a party the case records nothing more about; refused, with the reason, while
    charges, detentions, sentence steps, hearings or events are about them."""
    refusal = party_removal_refusal(party)
    if refusal:
        raise ValidationError(refusal)
    party.delete()
