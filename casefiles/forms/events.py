"""The event form: what happened, when (as precisely as known), who took part, what reports it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_countries import countries

from casefiles.choices import EventKind, ParticipantRole
from casefiles.forms import (
    DATE,
    RecordChoiceField,
    RecordMultipleChoiceField,
    _person_label,
    record_id,
)
from casefiles.forms.pickers import organisations_grouped
from casefiles.models import DESCRIPTION_MAX, Case, Event, Source
from casefiles.services import NewSource
from casefiles.services.events import NewOrganisation, Participant
from casefiles.services.sources import case_sources
from people.choices import OrganisationKind
from people.dates import DatePrecision
from people.fields import state_text_limit, validate_fact_date
from people.models import Organisation, Person

PARTICIPANT_ROWS = 3


class EventForm(forms.Form):
    kind = forms.ChoiceField(
        choices=EventKind.choices,
        initial=EventKind.SEARCH,
        help_text="Decisions of international bodies (a UN opinion, an international court's "
        "judgment, a parliament's resolution) show on the timeline as such.",
    )
    title = forms.CharField(
        max_length=300,
        help_text="E.g. “WGAD Opinion No. 12/2022: the detention is arbitrary”.",
    )
    occurred_on = forms.DateField(label="Date", widget=DATE, validators=[validate_fact_date])
    precision = forms.ChoiceField(
        label="Date known to",
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        help_text="Known only to the month or year? Any day in it will do.",
    )
    place = forms.CharField(max_length=200, required=False)
    description = state_text_limit(
        forms.CharField(
            required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
        )
    )
    sources = RecordMultipleChoiceField(
        queryset=Source.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="This case's sources. A new one can be typed below.",
    )
    # The model's own field: http(s) only, with the same message as in the back office.
    source_url = Source._meta.get_field("url").formfield(label="New source URL", required=False)
    source_title = forms.CharField(label="Source title", max_length=500, required=False)
    source_publisher = forms.CharField(label="Publisher", max_length=300, required=False)
    source_published_on = forms.DateField(
        label="Published on", required=False, widget=DATE, validators=[validate_fact_date]
    )
    new_organisation_name = forms.CharField(
        label="New organisation",
        max_length=300,
        required=False,
        help_text="Not in the lists below? E.g. UN Working Group on Arbitrary Detention.",
    )
    new_organisation_kind = forms.ChoiceField(
        label="Kind", choices=[("", "—")] + OrganisationKind.choices, required=False
    )
    new_organisation_country = forms.ChoiceField(
        label="Country",
        choices=[("", "None (international)")] + list(countries),
        required=False,
    )
    new_organisation_role = forms.ChoiceField(
        label="Its part in the event",
        choices=[("", "—")] + ParticipantRole.choices,
        required=False,
    )

    def __init__(self, *args, case: Case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        field = cast(forms.ModelMultipleChoiceField, self.fields["sources"])
        field.queryset = case_sources(case=case, user=user)
        initial = kwargs.get("initial", {}).get("participants")
        offers = ParticipantOffers.read(case=case, user=user, data=self.data, initial=initial)
        self.participants = ParticipantFormSet(
            self.data or None,
            prefix="participants",
            form_kwargs={"offers": offers},
            initial=initial,
        )

    def is_valid(self) -> bool:
        # Both, so every error shows at once.
        valid = super().is_valid()
        return self.participants.is_valid() and valid

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if any(data.get(name) for name in ("source_title", "source_publisher")) and not data.get(
            "source_url"
        ):
            self.add_error("source_url", "Give the source's web address.")
        if data.get("source_url") and not data.get("source_title"):
            self.add_error("source_title", "Give the source's title.")
        if data.get("new_organisation_name"):
            if not data.get("new_organisation_kind"):
                self.add_error("new_organisation_kind", "What kind of organisation is it?")
            if not data.get("new_organisation_role"):
                self.add_error("new_organisation_role", "What part did it play in the event?")
        elif data.get("new_organisation_kind") or data.get("new_organisation_role"):
            self.add_error("new_organisation_name", "Give the new organisation's name.")
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "user": self.user,
            "kind": data["kind"],
            "title": data["title"],
            "occurred_on": data["occurred_on"],
            "precision": data["precision"],
            "place": data.get("place", ""),
            "description": data.get("description", ""),
            "sources": list(data.get("sources") or []),
            "new_source": NewSource(
                url=data["source_url"],
                title=data["source_title"],
                publisher=data.get("source_publisher", ""),
                published_on=data.get("source_published_on"),
            )
            if data.get("source_url")
            else None,
            "new_organisation": NewOrganisation(
                name=data["new_organisation_name"],
                kind=data["new_organisation_kind"],
                country=data.get("new_organisation_country", ""),
                role=data["new_organisation_role"],
            )
            if data.get("new_organisation_name")
            else None,
            "participants": [
                Participant(
                    role=row.cleaned_data["role"],
                    person=row.cleaned_data.get("person"),
                    organisation=row.cleaned_data.get("organisation"),
                )
                # A row naming nobody is an empty row (or one cleared to remove them).
                for row in self.participants.forms
                if row.cleaned_data.get("person") or row.cleaned_data.get("organisation")
            ],
        }

    @staticmethod
    def initial_for(event: Event) -> dict:
        """The edit page's starting values: the event as recorded."""
        return {
            "kind": event.kind,
            "title": event.title,
            "occurred_on": event.occurred_on,
            "precision": event.precision,
            "place": event.place,
            "description": event.description,
            "sources": [source.pk for source in event.sources.all()],
            "participants": [
                {
                    "person": participant.person_id,
                    "organisation": participant.organisation_id,
                    "role": participant.role,
                }
                for participant in event.participants.all()
            ],
        }


class OfferedRecordField(RecordChoiceField):
    """A record chosen among those offered, read once for every row of a formset: a row's
    choice is looked up among them, not queried (a hundred rows, no query each)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offered: dict[int, Any] = {}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        record = self.offered.get(record_id(value) or 0)
        if record is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return record


@dataclass(frozen=True)
class ParticipantOffers:
    """What every participant row offers: the persons and organisations the user may see,
    persons as the case's parties, those already taking part and those posted (any row),
    organisations all, the case's country first."""

    persons: dict[int, Person]
    person_choices: list
    organisations: dict[int, Organisation]
    organisation_choices: list

    @classmethod
    def read(cls, *, case: Case, user, data, initial: list[dict] | None) -> ParticipantOffers:
        # One value per row the formset accepts: a post naming thousands reads none of them.
        posted = [data.get(f"participants-{row}-person") for row in range(PARTICIPANTS_MAX)]
        named = [row.get("person") for row in initial or []] + posted
        ids = [pk for pk in map(record_id, named) if pk is not None]
        persons = {
            person.pk: person
            for person in Person.objects.visible_to(user)
            .filter(Q(case_parties__case=case) | Q(pk__in=ids))
            .distinct()
        }
        _, offered, groups = organisations_grouped(user=user, country=case.country)
        return cls(
            persons=persons,
            person_choices=[("", "Choose a person")]
            + [(pk, _person_label(person)) for pk, person in persons.items()],
            organisations={organisation.pk: organisation for organisation in offered},
            organisation_choices=[("", "—"), *groups],
        )


class ParticipantForm(forms.Form):
    """One person or organisation and the part they played."""

    person = OfferedRecordField(queryset=Person.objects.none(), required=False)
    organisation = OfferedRecordField(
        queryset=Organisation.objects.none(), required=False, empty_label="—"
    )
    role = forms.ChoiceField(choices=ParticipantRole.choices, initial=ParticipantRole.TARGET)

    def __init__(self, *args, offers: ParticipantOffers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        person = cast(OfferedRecordField, self.fields["person"])
        person.offered = offers.persons
        person.widget.choices = offers.person_choices
        organisation = cast(OfferedRecordField, self.fields["organisation"])
        organisation.offered = offers.organisations
        organisation.widget.choices = offers.organisation_choices
        if self._names_a_person_only():
            # A row that names a person lists no organisation: a register's hundreds, on
            # each of a mass arrest's rows, made the page megabytes. Any organisation is
            # still accepted; the free rows list them all.
            organisation.widget.choices = offers.organisation_choices[:1]

    def _names_a_person_only(self) -> bool:
        if self.is_bound:
            person, organisation = (
                self.data.get(self.add_prefix(n)) for n in ("person", "organisation")
            )
        else:
            person, organisation = self.initial.get("person"), self.initial.get("organisation")
        return bool(person) and not organisation

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        person, organisation = data.get("person"), data.get("organisation")
        if person and organisation:
            raise forms.ValidationError("Choose either a person or an organisation, not both.")
        return data


# A mass arrest names dozens. Every row's choices are read once for the whole form, so a row
# costs no query; a post claiming more rows than this is refused rather than built.
PARTICIPANTS_MAX = 100
ParticipantFormSet = forms.formset_factory(
    ParticipantForm,
    extra=PARTICIPANT_ROWS,
    max_num=PARTICIPANTS_MAX,
    absolute_max=PARTICIPANTS_MAX,
    validate_max=True,
)
