"""The letter template language: shipped templates over the demo, the sandbox, the
vocabulary's limits (notes, health), errors with line and name, formatting, citations."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from casefiles.choices import PartyRole
from casefiles.models import CaseParty, Charge, Event
from letters.letter_templates import shipped_templates
from letters.models import LetterTemplate
from letters.rendering import body_to_html
from letters.services_templates import letter_template_render, letter_template_save
from letters.templating.environment import TemplateRenderError, render
from letters.templating.facts import FactDate, SourceFact
from letters.templating.filters import and_list, letter_date, lower_first
from letters.templating.vocabulary import letter_vocabulary, vocabulary_names
from people.models import HealthCondition

pytestmark = pytest.mark.django_db

NOTES_MARKER = "ZZ-INTERNAL-NOTE-4417"


def _fill_every_notes_field() -> None:
    for model in apps.get_models():
        if any(field.name == "notes" for field in model._meta.concrete_fields):
            model._default_manager.update(notes=NOTES_MARKER)


def test_each_shipped_template_renders_for_the_demo_case_without_leaking_notes(demo, health_editor):
    _fill_every_notes_field()
    HealthCondition.objects.update(description=NOTES_MARKER)  # never in the vocabulary
    names = {fields["name"] for fields in shipped_templates()}
    assert len(names) >= 6
    for template in LetterTemplate.objects.filter(name__in=names):
        text = letter_template_render(template=template, cases=[demo.case], author=health_editor)
        assert "Mendygazyev" in text["subject"] + text["body"], template.name
        assert NOTES_MARKER not in "".join(text.values()), template.name
        # What the template wrote is a letter body that formats, footnotes and all.
        body_to_html(text["body"])


def test_the_pretrial_template_writes_the_detention_and_the_prisoners_charges(demo, letters_user):
    template = LetterTemplate.objects.get(name="Political prisoner in pretrial detention")
    body = letter_template_render(template=template, cases=[demo.case], author=letters_user)["body"]
    assert "On 5 June 2021, Mr Bekizhan Mendygazyev was placed in pretrial detention" in body
    for charge in Charge.objects.filter(case=demo.case, person__given_name="Bekizhan"):
        assert f"“{lower_first(charge.article.title)}” ({charge.article.citation})" in body
    # Only the prisoner's charges: the relatives' prosecution is another template's subject.
    assert "Abay Mendygazyev is charged" not in body


def test_facts_cite_their_sources_and_the_citations_become_footnotes(demo, letters_user):
    template = LetterTemplate.objects.get(name="Relatives and associates targeted")
    body = letter_template_render(template=template, cases=[demo.case], author=letters_user)["body"]
    search = Event.objects.get(case=demo.case, kind="search")
    assert search.sources.exists()
    for source in search.sources.all():
        assert f"({search.occurred_on.day} {search.occurred_on:%B %Y})[^src:{source.pk}]" in body
    footnotes = body_to_html(body).footnotes
    assert {f.source.pk for f in footnotes} >= set(search.sources.values_list("pk", flat=True))


def test_the_vocabulary_has_the_names_a_saved_template_was_checked_against(demo, health_editor):
    built = letter_vocabulary(cases=[demo.case], author=health_editor)
    assert set(built) == set(vocabulary_names())


def _prisoners(demo):
    return CaseParty.objects.filter(case=demo.case, role=PartyRole.POLITICAL_PRISONER).values(
        "person"
    )


def test_health_conditions_are_not_in_the_vocabulary_without_the_health_role(
    demo, letters_user, health_editor
):
    assert "health_conditions" not in letter_vocabulary(cases=[demo.case], author=letters_user)
    with pytest.raises(TemplateRenderError) as error:
        render(
            "Dear all,\n{{ health_conditions|length }}",
            letter_vocabulary(cases=[demo.case], author=letters_user),
        )
    assert (error.value.line, error.value.name) == (2, "health_conditions")
    conditions = letter_vocabulary(cases=[demo.case], author=health_editor)["health_conditions"]
    assert [c.condition for c in conditions] == list(
        HealthCondition.objects.filter(person__in=_prisoners(demo))
        .order_by("person_id", "pk")
        .values_list("condition", flat=True)
    )


def test_the_health_template_says_nothing_of_conditions_to_an_author_without_the_role(
    demo, letters_user, health_editor
):
    template = LetterTemplate.objects.get(name="Health and medical care in custody")
    condition = HealthCondition.objects.filter(person__in=_prisoners(demo)).first()
    assert condition is not None
    without = letter_template_render(template=template, cases=[demo.case], author=letters_user)
    with_role = letter_template_render(template=template, cases=[demo.case], author=health_editor)
    assert condition.condition.lower() not in without["body"].lower()
    assert condition.condition.lower()[1:] in with_role["body"].lower()


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ prisoner.__class__.__mro__ }}",
        "{{ cite.__globals__ }}",
        "{{ prisoner.__dict__ }}",
    ],
)
def test_the_sandbox_refuses_reaching_outside_the_vocabulary(demo, letters_user, source):
    vocabulary = letter_vocabulary(cases=[demo.case], author=letters_user)
    with pytest.raises(TemplateRenderError) as error:
        render(source, vocabulary)
    assert error.value.line == 1
    assert "not allowed" in str(error.value) or "unknown name" in str(error.value)


def test_a_model_attribute_not_in_the_vocabulary_is_unknown(demo, letters_user):
    vocabulary = letter_vocabulary(cases=[demo.case], author=letters_user)
    with pytest.raises(TemplateRenderError) as error:
        render("{{ prisoner.name }}\n{{ prisoner.notes }}", vocabulary)
    assert (error.value.line, error.value.name) == (2, "notes")


@pytest.mark.parametrize(
    "source",
    [
        "{% for a in range(1000) %}{% for b in range(1000) %}words {% endfor %}{% endfor %}",
        "{% for a in range(100000) %}{% endfor %}",
        "{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}",
        "{% set x = 'abc' * 100000000 %}",
    ],
)
def test_runaway_loops_and_recursion_stop_with_a_clear_error(source):
    with pytest.raises(TemplateRenderError) as error:
        render(source, {})
    assert any(
        words in str(error.value)
        for words in ("at most 50,000 characters", "range()", "recursion", "longer than")
    )


def test_a_loop_that_only_spins_is_stopped_by_the_render_time_limit(demo, letters_user):
    template = LetterTemplate(
        name="Spin",
        body="{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
        "{% endfor %}{% endfor %}{% endfor %}",
    )
    with pytest.raises(TemplateRenderError, match="limit"):
        letter_template_render(template=template, cases=[demo.case], author=letters_user)


def test_saving_a_broken_template_is_refused_with_its_line_and_name(demo):
    count = LetterTemplate.objects.count()
    with pytest.raises(ValidationError) as error:
        letter_template_save(
            name="Typo",
            subject="About {{ prisoner.name }}",
            salutation="Dear Sir,",
            body="Dear all,\n\n{{ prisonner.name }} is held.",
            closing="Sincerely,",
        )
    assert error.value.message_dict == {"body": ["Line 3: unknown name “prisonner”"]}
    with pytest.raises(ValidationError) as error:
        letter_template_save(
            name="Attribute typo",
            subject="",
            salutation="Dear Sir,",
            body="{% for charge in charges %}\n{{ charge.artcle }}\n{% endfor %}",
            closing="Sincerely,",
        )
    assert "Line 2" in error.value.message_dict["body"][0]
    assert "“artcle”" in error.value.message_dict["body"][0]
    with pytest.raises(ValidationError, match="Line 1: syntax error"):
        letter_template_save(
            name="Syntax", subject="", salutation="Sir,", body="{% if %}", closing="Yours,"
        )
    assert LetterTemplate.objects.count() == count


def test_a_good_template_is_saved_with_its_history(demo, letters_user):
    template = letter_template_save(
        name="Short",
        subject="{{ prisoner.name }}",
        salutation="Your Excellency,",
        body="{% if convicted %}Convicted.{% else %}Not convicted.{% endif %}",
        closing="Sincerely,",
    )
    assert template.history.count() == 1


@pytest.mark.parametrize(
    ("value", "precision", "written"),
    [
        (datetime.date(2021, 6, 5), "day", "5 June 2021"),
        (datetime.date(2021, 6, 1), "month", "June 2021"),
        (datetime.date(2021, 1, 1), "year", "2021"),
        (datetime.date(2021, 1, 1), "approx", "about 2021"),
    ],
)
def test_dates_are_written_as_a_letter_writes_them(value, precision, written):
    assert letter_date(FactDate(value, precision)) == written
    assert render("{{ day }}", {"day": FactDate(value, precision)}) == written
    if precision == "day":
        assert render("{{ day|date }}", {"day": value}) == written


def test_lists_are_written_with_commas_and_a_final_and():
    assert and_list([]) == ""
    assert and_list(["a"]) == "a"
    assert and_list(["a", "b"]) == "a and b"
    assert render("{{ names|and_list }}", {"names": ["a", "b", "c"]}) == "a, b and c"
    assert render("{{ 1|pluralize('charge') }}, {{ 3|pluralize('charge') }}", {}) == (
        "charge, charges"
    )
    assert render("{{ items|count_of('charge') }}", {"items": [1, 2]}) == "2 charges"


def test_cite_emits_footnote_markers_for_a_facts_sources_and_facts_cannot_forge_them():
    one, two = SourceFact(id=7, title="A"), SourceFact(id=9, title="B")

    class Fact:
        sources = (one, two)

    assert render("{{ cite(fact) }}", {"fact": Fact()}) == "[^src:7][^src:9]"
    # A fact's own text that looks like markup is printed as text, never as a citation.
    assert render("{{ text }}", {"text": "[^src:7] *bold*"}) == r"\[^src:7\] \*bold\*"


def test_a_letter_created_from_a_template_has_its_text_written_out(demo, letters_user):
    from letters.services import letter_create_from_template

    template = LetterTemplate.objects.get(name="Convicted and sentenced")
    letter = letter_create_from_template(
        case=demo.case, template=template, reference="LTR-TEST-TPL", author=letters_user
    )
    assert "{{" not in letter.body and "{%" not in letter.body
    assert "Mendygazyev" in letter.subject


# The staff pages -------------------------------------------------------------------------


def _form(template: LetterTemplate, **changes) -> dict[str, str]:
    fields = {f: getattr(template, f) for f in ("name", "subject", "salutation", "body", "closing")}
    return {**fields, **changes}


def test_the_letters_role_edits_a_template_and_a_broken_one_is_refused_on_the_page(
    client, demo, letters_user
):
    template = LetterTemplate.objects.get(name="Convicted and sentenced")
    url = reverse("letters:template_edit", args=[template.pk])
    client.force_login(letters_user)
    page = client.get(url).content.decode()
    assert "What a template can use" in page and "health_conditions" in page
    response = client.post(url, _form(template, body="Dear all,\n{{ prisner.name }}"))
    assert response.status_code == 200
    assert "Line 2: unknown name “prisner”" in response.content.decode()
    template.refresh_from_db()
    assert "prisner" not in template.body
    response = client.post(url, _form(template, body="{{ prisoner.title_name }} is held."))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "{{ prisoner.title_name }} is held."
    assert template.history.first().history_user == letters_user


def test_a_viewer_reads_a_template_but_cannot_change_it(client, demo, viewer):
    template = LetterTemplate.objects.get(name="Convicted and sentenced")
    url = reverse("letters:template_edit", args=[template.pk])
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert "Only the Letters role changes templates." in page
    assert client.post(url, _form(template, body="Changed.")).status_code == 403
    assert client.get(reverse("letters:template_new")).status_code == 403
    template.refresh_from_db()
    assert template.body != "Changed."


def test_the_preview_writes_a_template_out_over_a_case_the_user_may_see(client, demo, letters_user):
    template = LetterTemplate.objects.get(name="Relatives and associates targeted")
    url = reverse("letters:template_preview", args=[template.pk])
    client.force_login(letters_user)
    page = client.get(url, {"case": demo.case.pk}).content.decode()
    assert "Mr Erik Mendygazyev (relative of Barlyk Mendygazyev)" in page
    assert "{%" not in page.split('id="template-preview"')[1]
    assert client.get(url, {"case": "x' OR 1=1"}).status_code == 200  # no case picked
    demo.case.restricted = True
    demo.case.save()
    assert client.get(url, {"case": demo.case.pk}).status_code == 404


def test_a_template_that_does_not_render_for_a_case_says_why_in_the_preview(
    client, demo, letters_user
):
    template = LetterTemplate.objects.get(name="Convicted and sentenced")
    # Saved behind the service's back (as an old template might be): the preview explains.
    LetterTemplate.objects.filter(pk=template.pk).update(body="A\n{{ prisoner.name.missing }}")
    client.force_login(letters_user)
    response = client.get(
        reverse("letters:template_preview", args=[template.pk]), {"case": demo.case.pk}
    )
    page = response.content.decode()
    assert "Body, line 2: unknown name “missing”" in page
