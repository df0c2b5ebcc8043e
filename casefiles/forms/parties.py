"""The Party form: who is in a case (a known person, a new one, or an organisation) and in
what role. It parses and presents; services.parties decides what is valid."""

from __future__ import annotations

from typing import cast

from django import forms

from casefiles.choices import PartyRole
from casefiles.forms import RecordChoiceField, _person_label, _posted, record_id
from casefiles.forms.pickers import offer_organisations
from casefiles.models import Case, CaseParty
from casefiles.services.persons import NewPerson
from people.choices import Script
from people.models import Organisation, Person

_PARTY_NOTES_MAX = CaseParty._meta.get_field("notes").max_length
_SOMEONE_NEW = "Someone new, or an organisation (below)"


class PartyAddForm(forms.Form):
    person = RecordChoiceField(
        queryset=Person.objects.none(),
        required=False,
        empty_label=_SOMEONE_NEW,
        label="Known person",
        help_text="Search below; if nobody is found, type the new person's name.",
    )
    person_given_name = forms.CharField(label="Given name", max_length=200, required=False)
    person_family_name = forms.CharField(
        label="Family name", max_length=200, required=False, help_text="In Latin letters."
    )
    person_name_original = forms.CharField(
        label="Name in the original script",
        max_length=400,
        required=False,
        help_text="E.g. Бекжан Мендыгазиев.",
    )
    person_original_script = forms.ChoiceField(
        label="Script", choices=[("", "—")] + Script.choices, required=False
    )
    person_occupation = forms.CharField(
        label="Occupation",
        max_length=200,
        required=False,
        help_text="E.g. lawyer, journalist.",
    )
    person_create_anyway = forms.BooleanField(
        label="Create anyway: a different person with the same name", required=False
    )
    organisation = RecordChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Not an organisation",
        help_text="Instead of a person: a company, an authority, a court.",
    )
    role = forms.ChoiceField(choices=PartyRole.choices)
    notes = forms.CharField(max_length=_PARTY_NOTES_MAX, required=False)

    def __init__(self, *args, case: Case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        visible = Person.objects.visible_to(user)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = visible
        # Offered: whoever the picker found and the user posted (or the page was given).
        wanted = _posted(self.data, "person") or [self.initial.get("person", "")]
        ids = [pk for pk in map(record_id, wanted) if pk is not None]
        self.fields["person"].widget.choices = [("", _SOMEONE_NEW)] + [
            (known.pk, _person_label(known)) for known in visible.filter(pk__in=ids)
        ]
        offer_organisations(self, "organisation", user=user, country=case.country)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        typed = data.get("person_family_name") or data.get("person_given_name")
        chosen = [
            name
            for name, given in (
                ("person", data.get("person")),
                ("person_family_name", typed),
                ("organisation", data.get("organisation")),
            )
            if given
        ]
        if not chosen and not {"person", "organisation"} & set(self.errors):
            self.add_error(
                "person_family_name",
                "Pick a known person, type a new one's family name, or choose an organisation.",
            )
        elif len(chosen) > 1:
            self.add_error(
                chosen[-1], "Only one of them: a known person, a new one, or an organisation."
            )
        elif typed and not data.get("person_family_name"):
            self.add_error("person_family_name", "Type the new person's family name.")
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        typed = bool(data.get("person_family_name"))
        return {
            "case": self.case,
            "user": self.user,
            "role": data["role"],
            "notes": data.get("notes", ""),
            "person": data.get("person"),
            "organisation": data.get("organisation"),
            "new_person": NewPerson(
                given_name=data.get("person_given_name", ""),
                family_name=data["person_family_name"],
                name_original=data.get("person_name_original", ""),
                original_script=data.get("person_original_script", ""),
                occupation=data.get("person_occupation", ""),
                create_anyway=data.get("person_create_anyway", False),
            )
            if typed
            else None,
        }


class PartyEditForm(forms.Form):
    role = forms.ChoiceField(choices=PartyRole.choices)
    notes = forms.CharField(max_length=_PARTY_NOTES_MAX, required=False)

    def __init__(self, *args, party: CaseParty, **kwargs) -> None:
        kwargs.setdefault("initial", {"role": party.role, "notes": party.notes})
        super().__init__(*args, **kwargs)
        self.party = party

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"party": self.party, "role": data["role"], "notes": data.get("notes", "")}
