"""A sentence is the person's in the case, not a charge's: each sentence still held on a
charge becomes the IMPOSED step of the person's sentence chain, unless the chain already
starts with one (the demo case, and anyone who used the Add sentence step page). 0015 then
removes the charge's sentence fields."""

from django.db import migrations


def copy_sentences(apps, schema_editor):
    Charge = apps.get_model("casefiles", "Charge")
    SentenceStep = apps.get_model("casefiles", "SentenceStep")
    sentenced = (
        Charge.objects.exclude(sentence_kind="")
        .select_related("case")
        .order_by("case_id", "person_id", "decided_on", "pk")
    )
    for charge in sentenced:
        if SentenceStep.objects.filter(
            case_id=charge.case_id, person_id=charge.person_id, kind="imposed"
        ).exists():
            continue  # already has its sentence (or an earlier charge just gave it one)
        if charge.decided_on:
            day, precision = charge.decided_on, charge.decided_on_precision
        elif charge.brought_on:
            day, precision = charge.brought_on, charge.brought_on_precision
        else:
            day, precision = charge.case.opened_on, "day"
        step = SentenceStep.objects.create(
            case_id=charge.case_id,
            person_id=charge.person_id,
            kind="imposed",
            occurred_on=day,
            precision=precision,
            sentence_kind=charge.sentence_kind,
            months=charge.sentence_months,
            article_id=charge.article_id,
            notes="Copied from the charge's sentence when charges stopped carrying one.",
        )
        step.sources.set(charge.sources.all())


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0013_uncertain_dates_and_international_events")]
    operations = [migrations.RunPython(copy_sentences, migrations.RunPython.noop)]
