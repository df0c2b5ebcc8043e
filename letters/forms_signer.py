"""The public signer page's two forms: sign, or decline with a reason."""

from __future__ import annotations

from django import forms

from people.uploads import FileContentValidator, signature_image_validators

CAPACITY_CHOICES = [
    ("mep", "I am the MEP"),
    ("office", "I am signing for the MEP as …"),
]
# A PNG data URL of a drawn signature: base64 of at most 2 MB (people.uploads).
DRAWN_MAX_CHARS = 2_900_000


class _Capacity(forms.Form):
    capacity = forms.ChoiceField(choices=CAPACITY_CHOICES, initial="mep", widget=forms.RadioSelect)
    office_role = forms.CharField(
        label="Your role in the MEP's office",
        max_length=200,
        required=False,
        help_text='For example "Head of office" or "Accredited assistant".',
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("capacity") == "office" and not cleaned.get("office_role", "").strip():
            self.add_error("office_role", "Say in which capacity you sign for the MEP.")
        return cleaned

    @property
    def on_behalf_as(self) -> str:
        if self.cleaned_data.get("capacity") != "office":
            return ""
        return self.cleaned_data.get("office_role", "").strip()


class SignerSignForm(_Capacity):
    full_name = forms.CharField(
        label="Your full name, as it should appear", max_length=200, strip=True
    )
    signature_drawn = forms.CharField(
        required=False, max_length=DRAWN_MAX_CHARS, widget=forms.HiddenInput
    )
    signature_upload = forms.ImageField(
        label="Or upload an image of your signature",
        required=False,
        help_text="PNG or JPEG, at most 2 MB.",
        validators=[*signature_image_validators(), FileContentValidator()],
    )


class SignerDeclineForm(_Capacity):
    reason = forms.CharField(
        label="Why you decline", max_length=2_000, widget=forms.Textarea(attrs={"rows": 3})
    )
