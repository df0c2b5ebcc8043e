"""Forms for the staff letter pages."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import global_settings
from django_countries import countries

from casefiles.forms import RecordChoiceField
from letters.choices import LetterheadChoice, RecipientKind, SignedVia
from letters.models import BODY_MAX, LetterTemplate
from people.choices import OrganisationKind
from people.fields import validate_fact_date
from people.models import ADDRESS_MAX, Organisation
from people.uploads import signature_image_validators


class LetterCreateForm(forms.Form):
    template = RecordChoiceField(
        queryset=LetterTemplate.objects.all(),
        help_text="Written out over this case's facts; edit freely afterwards.",
    )
    reference = forms.CharField(max_length=40)
    subject = forms.CharField(
        max_length=300, required=False, help_text="Leave empty to take the template's subject."
    )
    place = forms.CharField(max_length=100, initial="Brussels")
    dated_on = forms.DateField(
        label="Date",
        initial=datetime.date.today,
        # A date input only shows a value written as ISO 8601.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_fact_date],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        templates = list(self.fields["template"].queryset[:2])
        if len(templates) == 1:
            self.fields["template"].initial = templates[0].pk


class SignatureForm(forms.Form):
    via = forms.ChoiceField(label="Signed by", choices=SignedVia.choices)
    signature_image = forms.ImageField(
        label="Scanned signature",
        required=False,
        help_text="Needed for a scanned signature: PNG or JPEG, at most 2 MB.",
        validators=signature_image_validators(),
    )


class RecipientForm(forms.Form):
    """What is printed for a recipient: the bold line and the address block, as sent."""

    kind = forms.ChoiceField(choices=RecipientKind.choices, initial=RecipientKind.CC)
    title_line = forms.CharField(
        max_length=300, help_text='The bold line: "The President of the Republic of Kazakhstan".'
    )
    address_block = forms.CharField(
        max_length=ADDRESS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Honorific and name, address lines and emails, one per line.",
    )


class RecipientNewForm(forms.Form):
    """A recipient nobody has recorded yet: person, organisation and position in one go."""

    kind = forms.ChoiceField(choices=RecipientKind.choices, initial=RecipientKind.CC)
    person_title = forms.CharField(label="Form of address", max_length=20, required=False)
    given_name = forms.CharField(max_length=200, required=False)
    family_name = forms.CharField(max_length=200)
    name_original = forms.CharField(label="Name in original script", max_length=400, required=False)
    organisation = RecordChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="An organisation already recorded, or give a new one's name below.",
    )
    organisation_name = forms.CharField(label="New organisation", max_length=300, required=False)
    organisation_kind = forms.ChoiceField(
        label="Its kind", choices=[("", "—"), *OrganisationKind.choices], required=False
    )
    organisation_country = forms.ChoiceField(
        label="Its country", choices=[("", "—"), *countries], required=False
    )
    position_title = forms.CharField(
        label="Position", max_length=300, help_text='e.g. "Prosecutor General".'
    )
    honorific = forms.CharField(max_length=40, required=False, help_text='e.g. "H.E."')
    postal_address = forms.CharField(
        max_length=ADDRESS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One line each.",
    )
    emails = forms.CharField(
        max_length=ADDRESS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line.",
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations


class SignatoryLineForm(forms.Form):
    signs_as = forms.CharField(
        label="Signs as",
        max_length=300,
        help_text='The line under the name, as printed: "MEP (Renew Europe Group; Lithuania)".',
    )


class LetterTextForm(forms.Form):
    """The letter's own words. Saving a text that somebody has signed needs
    ``asking_signatories_again``: their signatures then read "signed an earlier text"."""

    TEXT_FIELDS = (
        "subject",
        "show_subject",
        "place",
        "dated_on",
        "language",
        "letterhead",
        "salutation",
        "body",
        "closing",
    )

    subject = forms.CharField(max_length=300)
    # Left out of a post (an older form, a script), these three stay as the letter has them.
    show_subject = forms.TypedChoiceField(
        label="Subject line",
        choices=[("yes", "Printed above the salutation"), ("no", "Not printed")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    language = forms.TypedChoiceField(
        choices=[(code, name) for code, name in global_settings.LANGUAGES if len(code) <= 8],
        empty_value=None,
        required=False,
        help_text="The language the letter is written in.",
    )
    letterhead = forms.TypedChoiceField(
        choices=LetterheadChoice.choices,
        empty_value=None,
        required=False,
        help_text="None, or the organisation's letterhead that an Administrator sets.",
    )
    place = forms.CharField(max_length=100)
    dated_on = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_fact_date],
    )
    salutation = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 20}),
        max_length=BODY_MAX,
        help_text="Markdown: **bold**, *italic*, a blank line between paragraphs. Use “Cite a "
        "source” and “Insert a fact” to add footnotes.",
    )
    closing = forms.CharField(max_length=200)
    asking_signatories_again = forms.BooleanField(
        required=False,
        label="I understand that they will be asked to sign again.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        shown = self.initial.get("show_subject")
        if isinstance(shown, bool):
            self.initial["show_subject"] = "yes" if shown else "no"
        language = self.initial.get("language")
        field = self.fields["language"]
        if language and language not in dict(field.choices):
            field.choices = [(language, language), *field.choices]


# A letter about more cases than this is a campaign, not a letter.
OTHER_CASES_MAX = 20


class LetterOtherCasesForm(forms.Form):
    """The create-letter page's other cases: references typed, each a case the user may see."""

    other_cases = forms.CharField(
        label="Also about cases",
        max_length=1_000,
        required=False,
        help_text="References of other cases this letter concerns, separated by commas.",
    )

    def __init__(self, *args, cases, main_case, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = cases  # the cases the user may see
        self.main_case = main_case

    def clean_other_cases(self) -> list:
        references = []
        for part in self.cleaned_data["other_cases"].replace(";", ",").split(","):
            reference = part.strip()
            if reference and reference not in references and reference != self.main_case.reference:
                references.append(reference)
        if len(references) > OTHER_CASES_MAX:
            raise forms.ValidationError(f"At most {OTHER_CASES_MAX} other cases.")
        found = {case.reference: case for case in self.cases.filter(reference__in=references)}
        missing = [reference for reference in references if reference not in found]
        if missing:
            raise forms.ValidationError("No such case: " + ", ".join(missing) + ".")
        return [found[reference] for reference in references]


class LetterTemplateForm(forms.Form):
    """A letter template's texts, in the template language (letters.templating)."""

    name = forms.CharField(max_length=200)
    subject = forms.CharField(max_length=300, required=False)
    salutation = forms.CharField(max_length=200, initial="Your Excellency,")
    body = forms.CharField(
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text="Markdown with the vocabulary below: {{ prisoner.title_name }}, "
        "{% for charge in charges %}…{% endfor %}, {{ charge|cite }}.",
    )
    closing = forms.CharField(max_length=200, initial="Sincerely,")

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if read_only:
            for field in self.fields.values():
                field.disabled = True
