"""The event form: what happened, when (as precisely as known), who took part, what reports it."""

from __future__ import annotations

from typing import cast

from django import forms
from django_countries import countries

from casefiles.choices import EventKind, ParticipantRole
from casefiles.forms import DATE, RecordChoiceField, RecordMultipleChoiceField, _offer_persons
from casefiles.forms.pickers import offer_organisations
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
        participant_kwargs = {"case": case, "user": user}
        initial = kwargs.get("initial", {}).get("participants")
        self.participants = ParticipantFormSet(
            self.data or None,
            prefix="participants",
            form_kwargs=participant_kwargs,
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


class ParticipantForm(forms.Form):
    """One person or organisation and the part they played."""

    person = RecordChoiceField(queryset=Person.objects.none(), required=False)
    organisation = RecordChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="—"
    )
    role = forms.ChoiceField(choices=ParticipantRole.choices, initial=ParticipantRole.TARGET)

    def __init__(self, *args, case: Case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _offer_persons(self, "person", case=case, user=user, blank=True)
        offer_organisations(self, "organisation", user=user, country=case.country)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        person, organisation = data.get("person"), data.get("organisation")
        if person and organisation:
            raise forms.ValidationError("Choose either a person or an organisation, not both.")
        return data


# Each row offers its own choices (a few queries), so a post claiming thousands of rows is
# refused rather than built.
PARTICIPANTS_MAX = 20
ParticipantFormSet = forms.formset_factory(
    ParticipantForm,
    extra=PARTICIPANT_ROWS,
    max_num=PARTICIPANTS_MAX,
    absolute_max=PARTICIPANTS_MAX,
    validate_max=True,
)
