"""Forms for the staff letter pages."""

from __future__ import annotations

import datetime

from django import forms

from casefiles.forms import RecordChoiceField
from letters.choices import SignedVia
from letters.models import LetterTemplate
from people.fields import validate_fact_date
from people.uploads import signature_image_validators


class LetterCreateForm(forms.Form):
    template = RecordChoiceField(
        queryset=LetterTemplate.objects.all(),
        help_text="Its placeholders are filled with this case's facts; edit freely afterwards.",
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
