"""Letter templates become the template language (letters.templating).

The old ``{{ placeholder }}`` names are rewritten into the vocabulary's words, and the
templates shipped in letters/letter_templates/*.j2 are loaded (by name: the old demo
template "Political prisoner in pretrial detention" takes the shipped text).
"""

import re

import people.fields
from django.db import migrations

# The placeholders of before, in the vocabulary's words (docs/letters.md, "Templates").
LEGACY = {
    "subject_name": "prisoner.name",
    "subject_title_name": "prisoner.title_name",
    "detention_measure": "current_detention.measure",
    "detention_start": "current_detention.started_on",
    "detention_term": "current_detention.term",
    "detention_planned_end": "current_detention.planned_end",
    "sentence": "sentences[0].phrase",
    "release_date": "sentences[0].release_on",
    "charges": 'charges|map(attribute="article")|and_list',
    "case_title": "case.title",
    "country": "country",
}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def _modern(text: str) -> str:
    return PLACEHOLDER.sub(
        lambda m: "{{ " + LEGACY[m.group(1)] + " }}" if m.group(1) in LEGACY else m.group(0),
        text,
    )


def forwards(apps, schema_editor):
    from letters.letter_templates import shipped_templates

    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    for template in LetterTemplate.objects.all():
        for field in ("subject", "body"):
            setattr(template, field, _modern(getattr(template, field)))
        template.save()
    for fields in shipped_templates():
        name = fields.pop("name")
        LetterTemplate.objects.update_or_create(name=name, defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("letters", "0013_letter_cases")]

    operations = [
        migrations.AlterField(
            model_name="historicallettertemplate",
            name="body",
            field=people.fields.BoundedTextField(
                help_text="Markdown in the letter template language, e.g. "
                "{{ prisoner.title_name }}.",
                max_length=50000,
            ),
        ),
        migrations.AlterField(
            model_name="lettertemplate",
            name="body",
            field=people.fields.BoundedTextField(
                help_text="Markdown in the letter template language, e.g. "
                "{{ prisoner.title_name }}.",
                max_length=50000,
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
