"""The source forms: add a source (or cite a known one) for facts of a case; correct one."""

from __future__ import annotations

from typing import cast

from django import forms

from casefiles.forms import (
    DATE,
    RecordChoiceField,
    _posted,
    record_id,
)
from casefiles.models import Case, Source
from casefiles.services.sources import case_facts
from people.fields import validate_fact_date

# How many sources a title search offers at most.
SOURCE_MATCHES = 20


class SourceFieldsForm(forms.Form):
    """A source's own details: a web address or an uploaded file, its title, who published
    it and when. The model's own fields, so the checks (http(s) only; the uploads we accept)
    and their messages are the back office's."""

    url = Source._meta.get_field("url").formfield(label="URL", required=False)
    file = Source._meta.get_field("file").formfield(label="Or upload a file", required=False)
    title = forms.CharField(max_length=500, required=False)
    publisher = forms.CharField(max_length=300, required=False)
    published_on = forms.DateField(
        label="Published on", required=False, widget=DATE, validators=[validate_fact_date]
    )

    def source_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "url": data.get("url", ""),
            "file": data.get("file") or None,
            "title": data.get("title", ""),
            "publisher": data.get("publisher", ""),
            "published_on": data.get("published_on"),
        }


class SourceAddForm(SourceFieldsForm):
    existing = RecordChoiceField(
        label="Or a known source",
        queryset=Source.objects.none(),
        required=False,
        empty_label="—",
        help_text="Search by title above to list known sources.",
    )
    facts = forms.MultipleChoiceField(
        label="Facts it supports",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text="A source must support at least one fact of this case.",
    )

    def __init__(self, *args, case: Case, user, query: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        visible = Source.objects.visible_to(user)
        field = cast(forms.ModelChoiceField, self.fields["existing"])
        field.queryset = visible
        # Offered: the sources whose title matches the search, and whichever was posted.
        posted = [pk for pk in map(record_id, _posted(self.data, "existing")) if pk is not None]
        matches = list(visible.filter(title__icontains=query)[:SOURCE_MATCHES]) if query else []
        matches += [source for source in visible.filter(pk__in=posted) if source not in matches]
        field.widget.choices = [("", "—")] + [
            (
                source.pk,
                f"{source.title} ({source.publisher})" if source.publisher else source.title,
            )
            for source in matches
        ]
        cast(forms.ChoiceField, self.fields["facts"]).choices = [
            (fact.anchor, fact.label) for fact in case_facts(case)
        ]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        typed = any(data.get(name) for name in ("url", "file", "title", "publisher"))
        if data.get("existing"):
            if typed:
                self.add_error("existing", "Choose a known source or describe a new one, not both.")
        elif "existing" not in self.errors:
            if not data.get("title"):
                self.add_error("title", "Give the source's title.")
            if not data.get("url") and not data.get("file") and "url" not in self.errors:
                self.add_error("url", "Give the source's web address or upload the file.")
        return data
