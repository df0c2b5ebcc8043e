"""Forms that correct a recorded detention or hearing: the logging forms, filled in from the
record, without the choice of person (a detention of someone else is a new detention)."""

from __future__ import annotations

from django import forms

from casefiles.forms import DATE, DetentionLogForm, HearingLogForm
from casefiles.models import Detention, Hearing
from people.fields import validate_fact_date


class DetentionEditForm(DetentionLogForm):
    def __init__(self, *args, detention: Detention, user, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "measure": detention.measure,
                "started_on": detention.started_on,
                "started_on_precision": detention.started_on_precision,
                "term": f"{detention.term_length} {detention.term_unit}"
                if detention.term_length
                else "",
                "planned_end": detention.planned_end,
                "actual_end": detention.actual_end,
                "facility": detention.facility,
                "notes": detention.notes,
            },
        )
        super().__init__(*args, case=detention.case, user=user, **kwargs)
        del self.fields["person"]
        self.detention = detention

    def clean(self) -> dict:
        # The term changed but the planned end shown is the old one: the new term decides.
        data = self.cleaned_data
        term = data.get("term")
        old_term = (self.detention.term_length, self.detention.term_unit)
        if term and term != old_term and data.get("planned_end") == self.detention.planned_end:
            data["planned_end"] = None
        return super().clean()

    def service_arguments(self) -> dict:
        self.cleaned_data["person"] = self.detention.person  # not offered: it stays
        arguments = super().service_arguments()
        del arguments["case"]
        del arguments["person"]
        return {
            "detention": self.detention,
            "ordered_by": self.detention.ordered_by,
            **arguments,
        }


class HearingEditForm(HearingLogForm):
    postponed = forms.BooleanField(
        label="Postponed", required=False, help_text="The hearing did not take place this day."
    )
    next_held_on = forms.DateField(
        label="Postponed to",
        required=False,
        widget=DATE,
        validators=[validate_fact_date],
        help_text="Given, the next hearing is logged too.",
    )
    next_starts_at = forms.TimeField(
        label="Time of the next hearing",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def __init__(self, *args, hearing: Hearing, user, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "held_on": hearing.held_on,
                "starts_at": hearing.starts_at,
                "kind": hearing.kind,
                "defendants": [person.pk for person in hearing.defendants.all()],
                "court": hearing.court_id,
                "outcome": hearing.outcome,
                "postponed": hearing.postponed,
            },
        )
        super().__init__(*args, case=hearing.case, user=user, **kwargs)
        self.hearing = hearing

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        # A date to postpone to says the hearing was postponed.
        if data.get("next_held_on"):
            data["postponed"] = True
        return data

    def service_arguments(self) -> dict:
        arguments = super().service_arguments()
        del arguments["case"]
        data = self.cleaned_data
        return {
            "hearing": self.hearing,
            **arguments,
            "postponed": data.get("postponed", False),
            "next_held_on": data.get("next_held_on"),
            "next_starts_at": data.get("next_starts_at"),
        }
