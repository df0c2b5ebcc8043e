"""Forms for charges and verdicts. They parse and present; services.charges decides."""

from __future__ import annotations

from typing import cast

from django import forms

from casefiles.choices import DECIDED_CHARGE_STATUSES, ChargeStatus, SentenceKind
from casefiles.forms import (
    DATE,
    RecordChoiceField,
    RecordMultipleChoiceField,
    _default_person,
    _offer_persons,
    record_id,
)
from casefiles.forms.pickers import offer_organisations
from casefiles.models import SENTENCE_MONTHS_MAX, Article, Case, Charge
from casefiles.services.charges import ChargeDraft
from people.choices import OrganisationKind
from people.dates import DatePrecision
from people.fields import validate_fact_date
from people.models import Organisation, Person

_PRECISION_HELP = "Known only to the month or year? Any day in it will do."


def charge_fields() -> dict[str, forms.Field]:
    """A charge's own fields, shared by the charge page and the New case page's rows."""
    return {
        "article": RecordChoiceField(
            queryset=Article.objects.none(),
            required=False,
            empty_label="Not on file: type it below",
            help_text="Articles of the case's country's code.",
        ),
        "article_number": forms.CharField(
            label="New article: number", max_length=20, required=False
        ),
        "article_part": forms.CharField(label="Part", max_length=20, required=False),
        "article_title": forms.CharField(
            label="Wording of the offence",
            max_length=500,
            required=False,
            help_text="As worded in the code.",
        ),
        "description": forms.CharField(
            max_length=500,
            required=False,
            help_text="When the article is not known, what the charge is.",
        ),
        "brought_on": forms.DateField(
            label="Charged on", required=False, widget=DATE, validators=[validate_fact_date]
        ),
        "brought_on_precision": forms.ChoiceField(
            label="Charge date known to",
            choices=DatePrecision.choices,
            initial=DatePrecision.DAY,
            required=False,
            help_text=_PRECISION_HELP,
        ),
        "status": forms.ChoiceField(choices=ChargeStatus.choices, initial=ChargeStatus.CHARGED),
    }


def offer_articles(form: forms.Form, name: str, *, case_country: str) -> None:
    """Field `name` offers (and accepts) only the case's country's articles: Charge.clean
    refuses any other, and a list of every country's code helps nobody."""
    field = cast(forms.ModelChoiceField, form.fields[name])
    field.queryset = Article.objects.filter(jurisdiction=case_country)


def charge_draft(data: dict, prefix: str = "") -> ChargeDraft:
    def value(name: str, default=""):
        return data.get(f"{prefix}{name}") or default

    return ChargeDraft(
        article=data.get(f"{prefix}article"),
        article_number=value("article_number"),
        article_part=value("article_part"),
        article_title=value("article_title"),
        description=value("description"),
        brought_on=data.get(f"{prefix}brought_on"),
        brought_on_precision=value("brought_on_precision", DatePrecision.DAY),
        status=value("status", ChargeStatus.CHARGED),
        decided_on=data.get(f"{prefix}decided_on"),
        decided_on_precision=value("decided_on_precision", DatePrecision.DAY),
    )


class ChargeForm(forms.Form):
    """Bring a charge (or correct one): the person, the article, the dates and the status."""

    person = RecordChoiceField(
        queryset=Person.objects.all(),
        help_text="A party to this case; add them to the case first.",
    )

    def __init__(self, *args, case: Case, user, charge: Charge | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.charge = charge
        self.fields.update(charge_fields())
        self.fields["decided_on"] = forms.DateField(
            label="Decided on",
            required=False,
            widget=DATE,
            validators=[validate_fact_date],
            help_text="For a charge acquitted, convicted or dropped.",
        )
        self.fields["decided_on_precision"] = forms.ChoiceField(
            label="Decision date known to",
            choices=DatePrecision.choices,
            initial=DatePrecision.DAY,
            required=False,
        )
        _offer_persons(self, "person", case=case, user=user, blank=True)
        offer_articles(self, "article", case_country=case.country)
        if not self.is_bound:
            if charge is not None:
                self.initial.update(
                    {
                        "person": charge.person_id,
                        "article": charge.article_id,
                        "description": charge.description,
                        "brought_on": charge.brought_on,
                        "brought_on_precision": charge.brought_on_precision,
                        "status": charge.status,
                        "decided_on": charge.decided_on,
                        "decided_on_precision": charge.decided_on_precision,
                    }
                )
            else:
                default = _default_person(case)
                if default and "person" not in self.initial:
                    self.initial["person"] = default.pk

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"person": data["person"], "draft": charge_draft(data)}


class ChargeChoiceField(RecordMultipleChoiceField):
    """Each charge labelled with its person and status."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.person.name}: {obj.offence} ({obj.get_status_display().lower()})"


class VerdictForm(forms.Form):
    """A verdict on some of one person's charges, with the sentence it imposed."""

    person = RecordChoiceField(queryset=Person.objects.all())
    charges = ChargeChoiceField(
        queryset=Charge.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The person's charges in this case that this verdict decides.",
    )
    outcome = forms.ChoiceField(
        choices=[(s.value, s.label) for s in DECIDED_CHARGE_STATUSES],
        initial=ChargeStatus.CONVICTED,
    )
    decided_on = forms.DateField(label="Date", widget=DATE, validators=[validate_fact_date])
    decided_on_precision = forms.ChoiceField(
        label="Date known to",
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        required=False,
        help_text=_PRECISION_HELP,
    )
    court = RecordChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Court not known"
    )
    sentence_kind = forms.ChoiceField(
        label="Sentence",
        choices=[("", "No sentence")] + SentenceKind.choices,
        required=False,
        help_text="For a conviction.",
    )
    sentence_years = forms.IntegerField(
        label="Years", required=False, min_value=0, max_value=SENTENCE_MONTHS_MAX // 12
    )
    sentence_months = forms.IntegerField(
        label="Months", required=False, min_value=0, max_value=SENTENCE_MONTHS_MAX
    )
    counts_time_held = forms.BooleanField(
        label="Counts the time already held",
        required=False,
        help_text="The sentence runs from the start of custody.",
    )
    # The sentence step's own field names, as the service reports them.
    service_fields = {
        "months": "sentence_years",
        "occurred_on": "decided_on",
        "precision": "decided_on_precision",
        "status": "outcome",
    }

    def __init__(self, *args, case: Case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        _offer_persons(self, "person", case=case, user=user, blank=True)
        # A verdict is a court's (pardons and amnesties are later sentence steps).
        offer_organisations(
            self, "court", user=user, country=case.country, kinds=[OrganisationKind.COURT]
        )
        charges = case.charges.select_related("person", "article").order_by("person", "pk")
        field = cast(forms.ModelMultipleChoiceField, self.fields["charges"])
        field.queryset = charges
        if not self.is_bound:
            default = _default_person(case)
            if default and "person" not in self.initial:
                self.initial["person"] = default.pk
        # Offered: the chosen person's charges (all of the case's when nobody is chosen yet);
        # another person's, if posted, is refused by the service with its own message.
        chosen = record_id(self.data.get("person", "") if self.is_bound else "") or record_id(
            self.initial.get("person", "")
        )
        offered = charges.filter(person_id=chosen) if chosen else charges
        if chosen and not offered.exists():
            offered = charges
        field.widget.choices = [
            (charge.pk, field.label_from_instance(charge)) for charge in offered
        ]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        years, months = data.get("sentence_years"), data.get("sentence_months")
        total = None if years is None and months is None else (years or 0) * 12 + (months or 0)
        if total is not None and total > SENTENCE_MONTHS_MAX:
            self.add_error("sentence_years", "At most 100 years.")
        data["sentence_total"] = total
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "case": self.case,
            "person": data["person"],
            "charges": list(data["charges"]),
            "outcome": data["outcome"],
            "decided_on": data["decided_on"],
            "decided_on_precision": data.get("decided_on_precision") or DatePrecision.DAY,
            "court": data.get("court"),
            "sentence_kind": data.get("sentence_kind", ""),
            "sentence_months": data.get("sentence_total"),
            "counts_time_held": data.get("counts_time_held", False),
        }
