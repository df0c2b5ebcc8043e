"""Forms for logging facts. They parse and present; the services decide what is valid."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django_countries import countries

from casefiles.choices import DetentionMeasure, HearingKind, PartyRole
from casefiles.forms.pickers import offer_facilities, offer_organisations
from casefiles.models import SUMMARY_MAX, Article, Case, Source
from casefiles.services import (
    FirstDetention,
    FirstHearing,
    NewPerson,
    NewSource,
    term_end,
    term_parse,
)
from people.choices import OrganisationKind, Script
from people.dates import DatePrecision
from people.fields import (
    FACT_DATE_MAX,
    FACT_DATE_MIN,
    state_text_limit,
    validate_fact_date,
)
from people.models import NOTES_MAX, Organisation, Person

DATE: forms.DateInput = forms.DateInput(
    attrs={"type": "date", "min": FACT_DATE_MIN.isoformat(), "max": FACT_DATE_MAX.isoformat()},
    format="%Y-%m-%d",
)
# Parties a detention or hearing is most often about, offered first.
_DETAINABLE_ROLES = (PartyRole.POLITICAL_PRISONER, PartyRole.DEFENDANT)


def _posted(data, name: str) -> list[str]:
    """The values posted for a field (none when the form is not bound)."""
    return list(data.getlist(name)) if hasattr(data, "getlist") else []


# The largest primary key the databases store (a signed 64-bit integer).
_ID_MAX = 2**63 - 1


def record_id(value: object) -> int | None:
    """A posted or queried id as an int, or None when it cannot be one: not ASCII digits
    ("²" is a digit to str.isdigit but not to int) or too large for the database."""
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= _ID_MAX else None


class RecordChoiceField(forms.ModelChoiceField):
    """A record chosen by id; an id no database could hold is an invalid choice, not an
    OverflowError from the database driver."""

    def to_python(self, value):
        if value not in self.empty_values and record_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class RecordMultipleChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        for pk in value or []:
            if record_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)


def _person_label(person: Person) -> str:
    return f"{person.name} ({person.name_original})" if person.name_original else person.name


def _offer_persons(form: forms.Form, name: str, *, case: Case, user, blank: bool = False) -> None:
    """Field `name` accepts only persons the user may see, and offers the case's parties plus
    whoever the picker found and the user posted — so a refused choice is shown back with
    its message rather than silently dropped, while a hidden person is "not one of the
    available choices"."""
    visible = Person.objects.visible_to(user)
    field = cast(forms.ModelChoiceField, form.fields[name])
    field.queryset = visible
    posted_ids = [pk for pk in map(record_id, _posted(form.data, name)) if pk is not None]
    persons = visible.filter(Q(case_parties__case=case) | Q(pk__in=posted_ids)).distinct()
    choices = [(person.pk, _person_label(person)) for person in persons]
    field.widget.choices = ([("", "Choose a person")] if blank else []) + choices


def _default_person(case: Case) -> Person | None:
    party = (
        case.parties.filter(person__isnull=False, role__in=_DETAINABLE_ROLES)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return party.person if party else None


class DetentionLogForm(forms.Form):
    person = RecordChoiceField(
        queryset=Person.objects.all(),
        help_text="Parties to this case are listed; search to find anyone else.",
    )
    measure = forms.ChoiceField(
        choices=DetentionMeasure.choices, initial=DetentionMeasure.PRETRIAL_DETENTION
    )
    started_on = forms.DateField(label="Starts on", widget=DATE, validators=[validate_fact_date])
    started_on_precision = forms.ChoiceField(
        label="Start known to",
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        # Not posted (an older page, a script): the day is known, as before.
        required=False,
        help_text="Known only to the month or year? Any day in it will do.",
    )
    term = forms.CharField(
        label="Ordered term",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "e.g. 2 months", "autocomplete": "off"}),
        help_text="As the court ordered it: “2 months”, “10 days”, “1 year”.",
    )
    planned_end = forms.DateField(
        label="Planned end",
        required=False,
        widget=DATE,
        validators=[validate_fact_date],
        help_text="Left empty, it is computed from the start and the term.",
    )
    actual_end = forms.DateField(
        label="Actually ended on", required=False, widget=DATE, validators=[validate_fact_date]
    )
    facility = forms.CharField(max_length=300, required=False)
    notes = state_text_limit(
        forms.CharField(
            required=False, max_length=NOTES_MAX, widget=forms.Textarea(attrs={"rows": 3})
        )
    )
    # The service names the term by its model field.
    service_fields = {"term_length": "term", "term_unit": "term"}

    def __init__(self, *args, case: Case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        _offer_persons(self, "person", case=case, user=user, blank=True)
        offer_facilities(self, "facility", user=user, country=case.country)
        if not self.is_bound:
            self.initial.setdefault("started_on", timezone.localdate())
            default = _default_person(case)
            if default and "person" not in self.initial:
                self.initial["person"] = default.pk

    def clean_started_on_precision(self) -> str:
        return self.cleaned_data.get("started_on_precision") or DatePrecision.DAY

    def clean_term(self) -> tuple[int, str] | None:
        text = self.cleaned_data.get("term", "").strip()
        return term_parse(text) if text else None

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        started_on, term = data.get("started_on"), data.get("term")
        # From a start known only to the month or year, the end would be a guess.
        day_known = data.get("started_on_precision") == DatePrecision.DAY
        if started_on and term and day_known and not data.get("planned_end"):
            try:
                data["planned_end"] = term_end(started_on=started_on, length=term[0], unit=term[1])
            except ValidationError as error:
                self.add_error("term", error)
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        term = data.get("term")
        return {
            "case": self.case,
            "person": data["person"],
            "measure": data["measure"],
            "started_on": data["started_on"],
            "started_on_precision": data["started_on_precision"],
            "term_length": term[0] if term else None,
            "term_unit": term[1] if term else "",
            "planned_end": data.get("planned_end"),
            "actual_end": data.get("actual_end"),
            "facility": data.get("facility", ""),
            "notes": data.get("notes", ""),
        }


class HearingLogForm(forms.Form):
    held_on = forms.DateField(label="Date", widget=DATE, validators=[validate_fact_date])
    starts_at = forms.TimeField(
        label="Time", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    kind = forms.ChoiceField(choices=HearingKind.choices, initial=HearingKind.TRIAL)
    defendants = RecordMultipleChoiceField(
        queryset=Person.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    court = RecordChoiceField(
        queryset=Organisation.objects.filter(kind=OrganisationKind.COURT),
        required=False,
        empty_label="Court not known",
    )
    outcome = state_text_limit(
        forms.CharField(
            required=False, max_length=NOTES_MAX, widget=forms.Textarea(attrs={"rows": 3})
        )
    )

    def __init__(self, *args, case: Case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        offer_organisations(
            self, "court", user=user, country=case.country, kinds=[OrganisationKind.COURT]
        )
        # Offered: the case's parties; anyone else posted is refused by the service.
        _offer_persons(self, "defendants", case=case, user=user)
        if not self.is_bound:
            default = _default_person(case)
            if default and "defendants" not in self.initial:
                self.initial["defendants"] = [default.pk]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "case": self.case,
            "held_on": data["held_on"],
            "starts_at": data.get("starts_at"),
            "kind": data["kind"],
            "defendants": list(data.get("defendants") or []),
            "court": data.get("court"),
            "outcome": data.get("outcome", ""),
        }


class ColleagueChoiceField(RecordMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ArticleAnyCountryField(RecordChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{countries.name(obj.jurisdiction)}: {obj}"


# Charges the New case page takes at once; more are added from the case page.
CHARGE_ROWS = 6
_CHARGE_ROW_FIELDS = (
    "article",
    "article_number",
    "article_part",
    "article_title",
    "description",
    "brought_on",
    "brought_on_precision",
    "status",
)
# What makes a row a charge (not a blank row): precision and status have defaults.
_CHARGE_ROW_CONTENT = (
    "article",
    "article_number",
    "article_part",
    "article_title",
    "description",
    "brought_on",
)


def reference_suggest(*, country: str, family_name: str, year: int) -> str:
    """UZ-2024-MENDYGAZIEV: the country, the year and the family name in Latin capitals."""
    from anyascii import anyascii

    name = re.sub(r"[^A-Z0-9]+", "-", anyascii(family_name).upper()).strip("-")
    return "-".join(part for part in (country.upper(), str(year), name) if part)[
        : Case._meta.get_field("reference").max_length
    ]


class CaseOpenForm(forms.Form):
    """The New case page: the person, the case, the first detention and the source."""

    person = RecordChoiceField(
        queryset=Person.objects.none(),
        required=False,
        empty_label="Someone new (type the name below)",
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
    person_create_anyway = forms.BooleanField(
        label="Create anyway: a different person with the same name", required=False
    )
    country = forms.ChoiceField(choices=[("", "Choose a country")] + list(countries))
    title = forms.CharField(max_length=300)
    reference = forms.CharField(
        max_length=40,
        required=False,
        help_text="Left empty: country-year-FAMILYNAME, e.g. UZ-2024-MENDYGAZIEV.",
    )
    summary = state_text_limit(
        forms.CharField(
            required=False, max_length=SUMMARY_MAX, widget=forms.Textarea(attrs={"rows": 4})
        )
    )
    restricted = forms.BooleanField(
        required=False, help_text="Only the case's staff (you included) and Administrators see it."
    )
    detention_measure = forms.ChoiceField(
        label="Measure",
        choices=[("", "No detention yet")] + DetentionMeasure.choices,
        required=False,
    )
    detention_started_on = forms.DateField(
        label="Starts on", required=False, widget=DATE, validators=[validate_fact_date]
    )
    detention_term = forms.CharField(
        label="Ordered term",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "e.g. 2 months", "autocomplete": "off"}),
    )
    # The model's own field: http(s) only, with the same message as in the back office.
    source_url = Source._meta.get_field("url").formfield(label="Source URL", required=False)
    source_title = forms.CharField(label="Source title", max_length=500, required=False)
    source_publisher = forms.CharField(label="Publisher", max_length=300, required=False)
    source_published_on = forms.DateField(
        label="Published on", required=False, widget=DATE, validators=[validate_fact_date]
    )
    hearing_kind = forms.ChoiceField(
        label="First hearing",
        choices=[("", "No hearing yet")] + HearingKind.choices,
        required=False,
    )
    hearing_held_on = forms.DateField(
        label="Held on", required=False, widget=DATE, validators=[validate_fact_date]
    )
    hearing_court = RecordChoiceField(
        label="Court",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Court not known",
    )
    colleagues = ColleagueChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Put on the case's staff with you: they see it even when it is restricted, "
        "and get its reminders.",
    )
    # The service names the term by the detention's model fields.
    service_fields = {
        "detention_term_length": "detention_term",
        "detention_term_unit": "detention_term",
        "hearing_defendants": "hearing_kind",
    }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self._add_charge_rows()
        offer_organisations(
            self,
            "hearing_court",
            user=user,
            country=str(self.data.get("country", "")) if self.is_bound else "",
            kinds=[OrganisationKind.COURT],
        )
        from casefiles.selectors import staff_assignable

        colleagues = cast(forms.ModelMultipleChoiceField, self.fields["colleagues"])
        colleagues.queryset = staff_assignable().exclude(pk=user.pk)
        visible = Person.objects.visible_to(user)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = visible
        # Offered: only whoever the picker found and the user posted (no list of everyone).
        posted = [pk for pk in map(record_id, _posted(self.data, "person")) if pk is not None]
        self.fields["person"].widget.choices = [("", "Someone new (type the name below)")] + [
            (known.pk, _person_label(known)) for known in visible.filter(pk__in=posted)
        ]

    def _add_charge_rows(self) -> None:
        """charges-<n>-article, -article_number, … for n in 0‥CHARGE_ROWS-1."""
        from casefiles.forms.charges import charge_fields

        for row in range(CHARGE_ROWS):
            for name, field in charge_fields().items():
                field.required = False
                self.fields[f"charges-{row}-{name}"] = field
            # The case's country is chosen on this page: every code is offered, each article
            # named with its country, and Charge.clean refuses another country's article.
            self.fields[f"charges-{row}-article"] = ArticleAnyCountryField(
                queryset=Article.objects.all(),
                required=False,
                empty_label="Not on file: type it below",
                help_text="Articles on file; the case's country's code only.",
            )

    def charge_rows(self) -> list[dict]:
        """The charge rows for the template: their fields, and whether a row is in use (the
        first always is), so a script can fold away the unused ones."""
        rows = []
        for row in range(CHARGE_ROWS):
            fields = [self[f"charges-{row}-{name}"] for name in _CHARGE_ROW_FIELDS]
            used = row == 0 or any(
                field.errors
                or (self.is_bound and field.value() not in ("", None, "day", "charged"))
                for field in fields
            )
            rows.append({"number": row + 1, "fields": fields, "used": used})
        return rows

    def clean_detention_term(self) -> tuple[int, str] | None:
        text = self.cleaned_data.get("detention_term", "").strip()
        return term_parse(text) if text else None

    def _charge_drafts(self) -> list:
        from casefiles.forms.charges import charge_draft

        data = self.cleaned_data
        drafts = []
        for row in range(CHARGE_ROWS):
            prefix = f"charges-{row}-"
            typed = [data.get(f"{prefix}{name}") for name in _CHARGE_ROW_CONTENT]
            if any(typed):
                drafts.append(replace(charge_draft(data, prefix), row=row))
        return drafts

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("hearing_kind") and not data.get("hearing_held_on"):
            self.add_error("hearing_held_on", "When was (or is) the hearing?")
        if (data.get("hearing_held_on") or data.get("hearing_court")) and not data.get(
            "hearing_kind"
        ):
            self.add_error("hearing_kind", "Which kind of hearing is it?")
        person = data.get("person")
        typed = data.get("person_family_name") or data.get("person_given_name")
        if person is None and not typed and "person" not in self.errors:
            self.add_error("person_family_name", "Pick a known person or type a family name.")
        if person is not None and typed:
            self.add_error("person", "Pick a known person or type a new one, not both.")
        if data.get("detention_measure") and not data.get("detention_started_on"):
            self.add_error("detention_started_on", "When did the detention start?")
        if data.get("detention_term") and not data.get("detention_measure"):
            self.add_error("detention_measure", "Which measure was ordered for this term?")
        if (data.get("source_title") or data.get("source_publisher")) and not data.get(
            "source_url"
        ):
            self.add_error("source_url", "Give the source's web address.")
        if data.get("source_url") and not data.get("source_title"):
            self.add_error("source_title", "Give the source's title.")
        if not data.get("reference") and data.get("country"):
            family = person.family_name if person else data.get("person_family_name", "")
            data["reference"] = reference_suggest(
                country=data["country"], family_name=family, year=timezone.localdate().year
            )
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        person = data.get("person")
        term = data.get("detention_term")
        return {
            "created_by": self.user,
            "person": person,
            "new_person": None
            if person
            else NewPerson(
                given_name=data.get("person_given_name", ""),
                family_name=data.get("person_family_name", ""),
                name_original=data.get("person_name_original", ""),
                original_script=data.get("person_original_script", ""),
                create_anyway=data.get("person_create_anyway", False),
            ),
            "country": data["country"],
            "title": data["title"],
            "reference": data["reference"],
            "summary": data.get("summary", ""),
            "restricted": data.get("restricted", False),
            "detention": FirstDetention(
                measure=data["detention_measure"],
                started_on=data["detention_started_on"],
                term_length=term[0] if term else None,
                term_unit=term[1] if term else "",
            )
            if data.get("detention_measure")
            else None,
            "source": NewSource(
                url=data["source_url"],
                title=data["source_title"],
                publisher=data.get("source_publisher", ""),
                published_on=data.get("source_published_on"),
            )
            if data.get("source_url")
            else None,
            "charges": self._charge_drafts(),
            "hearing": FirstHearing(
                kind=data["hearing_kind"],
                held_on=data["hearing_held_on"],
                court=data.get("hearing_court"),
            )
            if data.get("hearing_kind")
            else None,
            "colleagues": list(data.get("colleagues") or []),
        }


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        aliases = getattr(form, "service_fields", {})
        for field, messages in error.message_dict.items():
            field = aliases.get(field, field)
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# Re-exported, so views keep importing every form from casefiles.forms. At the end: these
# modules use the helpers above (RecordChoiceField, _offer_persons, DATE).
from casefiles.forms.facts import DetentionEditForm, HearingEditForm  # noqa: E402, F401
from casefiles.forms.sentences import (  # noqa: E402, F401
    SentenceChainForm,
    SentenceChainStepFormSet,
    SentenceStepEditForm,
    chain_refusal_apply,
)
