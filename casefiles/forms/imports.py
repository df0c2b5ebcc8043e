"""The spreadsheet import's upload form: the file and what its rows are."""

from __future__ import annotations

from django import forms

from casefiles.importing import FORMATS, IMPORT_MAX_BYTES, ImportFileError, file_format
from casefiles.models import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Each row is a", choices=ImportKind.choices, initial=ImportKind.PERSONS
    )
    file = forms.FileField(
        label="Spreadsheet",
        help_text=f"CSV (UTF-8) or XLSX, at most {IMPORT_MAX_BYTES // 1024 // 1024} MB; the "
        "first row names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{f}" for f in FORMATS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is too large ({upload.size / 1024 / 1024:.1f} MB): at most "
                f"{IMPORT_MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
            )
        return upload
