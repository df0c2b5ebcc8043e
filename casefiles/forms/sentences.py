"""Forms for sentence histories: the chain page (a person and up to six steps) and the
page that corrects one step. They parse and present; the services decide what is valid."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.functional import cached_property

from casefiles.choices import SentenceKind, SentenceStepKind
from casefiles.forms import DATE, RecordChoiceField, _default_person, _offer_persons
from casefiles.forms.pickers import offer_organisations
from casefiles.models import Article, Case, SentenceStep
from casefiles.services import SentenceChainRefused, SentenceStepDraft
from people.choices import OrganisationKind
from people.dates import DatePrecision
from people.fields import state_text_limit, validate_fact_date
from people.models import NOTES_MAX, Organisation, Person

# Who imposes or changes a sentence: courts; heads of state (pardons, amnesty decrees) and
# parliaments (amnesty laws).
SENTENCING_AUTHORITIES = (
    OrganisationKind.COURT,
    OrganisationKind.HEAD_OF_STATE,
    OrganisationKind.PARLIAMENT,
)
# Rows on the chain page: the verdict and what changed it, as most news reports them.
CHAIN_ROWS = 6


class SentenceStepFields(forms.Form):
    """One step of a sentence, as typed: the fields the chain's rows and the edit page share."""

    kind = forms.ChoiceField(label="Step", choices=[("", "—")] + SentenceStepKind.choices)
    occurred_on = forms.DateField(label="Date", widget=DATE, validators=[validate_fact_date])
    precision = forms.ChoiceField(
        label="Date known to",
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        help_text="Known only to the month or year? Any day in it will do.",
    )
    sentence_kind = forms.ChoiceField(
        label="Kind of sentence",
        choices=[("", "—")] + SentenceKind.choices,
        required=False,
        help_text="For an imposed sentence.",
    )
    length = forms.CharField(
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "e.g. 12 years", "autocomplete": "off"}),
        help_text="The sentence imposed, or by how much it was increased or reduced: "
        "“12 years”, “2 years 6 months”, “18 months”.",
    )
    reason = forms.CharField(
        max_length=200,
        required=False,
        help_text="E.g. appeal, amnesty, pardon, contempt of court.",
    )
    article = RecordChoiceField(
        queryset=Article.objects.none(), required=False, empty_label="Article not known"
    )
    court = RecordChoiceField(
        label="Court or authority",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Not known",
    )
    counts_time_held = forms.BooleanField(
        label="Counts the time already held",
        required=False,
        help_text="The sentence runs from the start of custody.",
    )
    scheduled_release_on = forms.DateField(
        label="Scheduled release", required=False, widget=DATE, validators=[validate_fact_date]
    )
    scheduled_release_precision = forms.ChoiceField(
        label="Release date known to", choices=DatePrecision.choices, initial=DatePrecision.DAY
    )
    # The services name the length by its model field.
    service_fields = {"months": "length"}

    def __init__(
        self, *args, case: Case, user, offered: SentenceStepFields | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        if offered is not None:
            # Another row of the same page: the same choices, without asking the database again.
            for name in ("article", "court"):
                field = cast(forms.ModelChoiceField, self.fields[name])
                shared = cast(forms.ModelChoiceField, offered.fields[name])
                field.queryset = shared.queryset
                field.widget.choices = shared.widget.choices
            return
        # The case's own country's code: SentenceStep.clean refuses any other.
        article = cast(forms.ModelChoiceField, self.fields["article"])
        article.queryset = Article.objects.filter(jurisdiction=case.country)
        # iter(): list() would first ask the iterator its length, one more query.
        article.widget.choices = list(iter(cast(Iterable, article.choices)))
        offer_organisations(
            self, "court", user=user, country=case.country, kinds=SENTENCING_AUTHORITIES
        )

    def clean_length(self) -> int | None:
        from casefiles.sentences import sentence_length_parse

        text = self.cleaned_data.get("length", "").strip()
        return sentence_length_parse(text) if text else None

    def draft(self) -> SentenceStepDraft:
        data = self.cleaned_data
        return SentenceStepDraft(
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            precision=data["precision"],
            sentence_kind=data.get("sentence_kind", ""),
            months=data.get("length"),
            reason=data.get("reason", ""),
            article=data.get("article"),
            court=data.get("court"),
            counts_time_held=data.get("counts_time_held", False),
            scheduled_release_on=data.get("scheduled_release_on"),
            scheduled_release_precision=data["scheduled_release_precision"],
            notes=data.get("notes", ""),
        )


class SentenceChainStepForm(SentenceStepFields):
    """One row of the chain page; a row left as it was offered is not a step."""

    def has_changed(self) -> bool:
        # How precisely a date is known says nothing on its own: a row whose only change is
        # a precision (or a script that posts no precisions for the rows it leaves empty)
        # holds no step.
        return any(
            name not in ("precision", "scheduled_release_precision") for name in self.changed_data
        )


class _SentenceChainFormSet(forms.BaseFormSet):
    def __init__(self, *args, case: Case, user, **kwargs) -> None:
        self.case, self.user = case, user
        kwargs.setdefault("prefix", "steps")
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        offered = getattr(self, "_first_row", None)
        form = super()._construct_form(i, case=self.case, user=self.user, offered=offered, **kwargs)
        if offered is None:
            self._first_row = form
        # The first row is the verdict, as it most often is; the others start empty.
        form.fields["kind"].initial = SentenceStepKind.IMPOSED if i == 0 else ""
        return form

    @cached_property
    def filled(self) -> list[SentenceChainStepForm]:
        """The rows that hold a step (call after is_valid())."""
        return [form for form in self.forms if form.has_changed()]


SentenceChainStepFormSet = cast(
    type[_SentenceChainFormSet],
    forms.formset_factory(
        SentenceChainStepForm,
        formset=_SentenceChainFormSet,
        extra=CHAIN_ROWS,
        max_num=CHAIN_ROWS,
        absolute_max=CHAIN_ROWS,
    ),
)


class SentenceChainForm(forms.Form):
    """Whose sentence the chain page records."""

    person = RecordChoiceField(
        queryset=Person.objects.all(),
        help_text="Parties to this case are listed; search to find anyone else.",
    )

    def __init__(self, *args, case: Case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        _offer_persons(self, "person", case=case, user=user, blank=True)
        if not self.is_bound:
            default = _default_person(case)
            if default and "person" not in self.initial:
                self.initial["person"] = default.pk


def chain_refusal_apply(
    refusal: SentenceChainRefused,
    *,
    chain: SentenceChainForm,
    rows: list[SentenceChainStepForm],
) -> None:
    """Show each refused step's messages on its own row (by field where the row has one),
    and the refusals about the person once, on the person."""
    person_messages: list[str] = []
    for index, fields in sorted(refusal.rows.items()):
        row = rows[index]
        for field, messages in fields.items():
            if field == "person":
                person_messages += [m for m in messages if m not in person_messages]
                continue
            field = row.service_fields.get(field, field)
            target = field if field in row.fields and field != NON_FIELD_ERRORS else None
            for message in messages:
                row.add_error(target, message)
    for message in person_messages:
        chain.add_error("person", message)


class SentenceStepEditForm(SentenceStepFields):
    """Correct one recorded step; the person and the case stay."""

    kind = forms.ChoiceField(label="Step", choices=SentenceStepKind.choices)
    notes = state_text_limit(
        forms.CharField(
            required=False, max_length=NOTES_MAX, widget=forms.Textarea(attrs={"rows": 3})
        )
    )

    def __init__(self, *args, step: SentenceStep, user, **kwargs) -> None:
        from casefiles.sentences import months_display

        kwargs.setdefault(
            "initial",
            {
                "kind": step.kind,
                "occurred_on": step.occurred_on,
                "precision": step.precision,
                "sentence_kind": step.sentence_kind,
                "length": months_display(step.months) if step.months else "",
                "reason": step.reason,
                "article": step.article_id,
                "court": step.court_id,
                "counts_time_held": step.counts_time_held,
                "scheduled_release_on": step.scheduled_release_on,
                "scheduled_release_precision": step.scheduled_release_precision,
                "notes": step.notes,
            },
        )
        super().__init__(*args, case=step.case, user=user, **kwargs)
        self.step = step

    def service_arguments(self) -> dict:
        draft = self.draft()
        return {"step": self.step, **draft.__dict__}
