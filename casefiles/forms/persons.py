"""The Person form: names in every script, occupation, other names (the `aliases` formset)
and ties to other persons (the `relationships` formset). Health conditions are not on it:
they are sensitive and stay in the back office, for the Health data role."""

from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError

from casefiles.forms import (
    RecordChoiceField,
    _person_label,
    _posted,
    apply_service_errors,
    record_id,
)
from casefiles.services.persons import AliasLine, NewPerson, RelationshipLine
from people.choices import AliasKind, RelationshipKind, Script
from people.models import Person, Relationship

ALIASES = "aliases"
RELATIONSHIPS = "relationships"
# Forms a formset accepts at most: generous for any person, small enough that a script
# cannot post thousands.
LINES_MAX = 50


class PersonForm(forms.Form):
    title = forms.CharField(
        max_length=20, required=False, help_text="As addressed in letters: Mr, Mrs, Ms."
    )
    given_name = forms.CharField(max_length=200, required=False)
    family_name = forms.CharField(max_length=200, help_text="In Latin letters.")
    name_original = forms.CharField(
        label="Name in the original script",
        max_length=400,
        required=False,
        help_text="E.g. Бекжан Мендыгазиев.",
    )
    original_script = forms.ChoiceField(
        label="Script", choices=[("", "—")] + Script.choices, required=False
    )
    occupation = forms.CharField(
        max_length=200, required=False, help_text="E.g. lawyer, journalist."
    )
    create_anyway = forms.BooleanField(
        label="Create anyway: a different person with the same name", required=False
    )


class AliasForm(forms.Form):
    name = forms.CharField(max_length=400)
    script = forms.ChoiceField(choices=Script.choices, initial=Script.LATIN)
    kind = forms.ChoiceField(choices=AliasKind.choices, initial=AliasKind.SPELLING)


class RelationshipForm(forms.Form):
    other = RecordChoiceField(
        label="Person", queryset=Person.objects.none(), empty_label="Choose a person"
    )
    # An initial kind, so that the blank row left on the page is not taken as filled in.
    kind = forms.ChoiceField(
        label="Is their", choices=RelationshipKind.choices, initial=RelationshipKind.RELATIVE
    )
    notes = forms.CharField(max_length=400, required=False)

    def __init__(self, *args, user, offered: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        visible = Person.objects.visible_to(user)
        field = cast(forms.ModelChoiceField, self.fields["other"])
        field.queryset = visible
        # Offered: the person's current ties, and whoever the picker found and was posted.
        posted = [pk for pk in map(record_id, _posted(self.data, self.add_prefix("other")))]
        ids = [pk for pk in offered + posted if pk is not None]
        field.widget.choices = [("", "Choose a person")] + [
            (known.pk, _person_label(known)) for known in visible.filter(pk__in=ids)
        ]


AliasFormSet = forms.formset_factory(
    AliasForm, extra=1, can_delete=True, max_num=LINES_MAX, validate_max=True
)
RelationshipFormSet = forms.formset_factory(
    RelationshipForm, extra=1, can_delete=True, max_num=LINES_MAX, validate_max=True
)


class PersonPage:
    """The Person form with its two formsets, bound together."""

    def __init__(self, data=None, *, user, person: Person | None = None) -> None:
        self.user = user
        self.person = person
        initial: dict = {}
        aliases: list[dict] = []
        ties: list[dict] = []
        if person is not None:
            initial = {
                name: getattr(person, name)
                for name in (
                    "title",
                    "given_name",
                    "family_name",
                    "name_original",
                    "original_script",
                    "occupation",
                )
            }
            aliases = [
                {"name": alias.name, "script": alias.script, "kind": alias.kind}
                for alias in person.aliases.all()
            ]
            visible_ties = Relationship.objects.filter(
                person=person, other__in=Person.objects.visible_to(user)
            ).order_by("pk")
            ties = [
                {"other": tie.other_id, "kind": tie.kind, "notes": tie.notes}
                for tie in visible_ties
            ]
        self.form = PersonForm(data, initial=initial)
        if person is not None:
            del self.form.fields["create_anyway"]  # namesakes matter only when creating
        self.aliases = AliasFormSet(data, initial=aliases, prefix=ALIASES)
        self.relationships = RelationshipFormSet(
            data,
            initial=ties,
            prefix=RELATIONSHIPS,
            form_kwargs={"user": user, "offered": [tie["other"] for tie in ties]},
        )

    @property
    def errors(self) -> bool:
        return bool(
            self.form.errors
            or any(self.aliases.errors)
            or self.aliases.non_form_errors()
            or any(self.relationships.errors)
            or self.relationships.non_form_errors()
        )

    def is_valid(self) -> bool:
        # All three, so each shows its own errors.
        return all([self.form.is_valid(), self.aliases.is_valid(), self.relationships.is_valid()])

    def _lines(self, formset) -> list[dict]:
        return [
            form.cleaned_data
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def service_arguments(self) -> dict:
        data = self.form.cleaned_data
        aliases = [
            AliasLine(name=line["name"], script=line["script"], kind=line["kind"])
            for line in self._lines(self.aliases)
        ]
        relationships = [
            RelationshipLine(other=line["other"], kind=line["kind"], notes=line.get("notes", ""))
            for line in self._lines(self.relationships)
        ]
        common = {
            "user": self.user,
            "title": data.get("title", ""),
            "aliases": aliases,
            "relationships": relationships,
        }
        if self.person is None:
            return common | {
                "new_person": NewPerson(
                    given_name=data.get("given_name", ""),
                    family_name=data["family_name"],
                    name_original=data.get("name_original", ""),
                    original_script=data.get("original_script", ""),
                    occupation=data.get("occupation", ""),
                    create_anyway=data.get("create_anyway", False),
                )
            }
        return common | {
            "person": self.person,
            "given_name": data.get("given_name", ""),
            "family_name": data["family_name"],
            "name_original": data.get("name_original", ""),
            "original_script": data.get("original_script", ""),
            "occupation": data.get("occupation", ""),
        }

    def apply_errors(self, error: ValidationError) -> None:
        """A service's refusal shown on the form: the formsets' errors above them."""
        if hasattr(error, "error_dict"):
            for name in (ALIASES, RELATIONSHIPS):
                for message in error.message_dict.get(name, []):
                    self.form.add_error(None, message)
            rest = {
                field: messages
                for field, messages in error.message_dict.items()
                if field not in (ALIASES, RELATIONSHIPS)
            }
            if rest:
                apply_service_errors(self.form, ValidationError(rest))
        else:
            apply_service_errors(self.form, error)
