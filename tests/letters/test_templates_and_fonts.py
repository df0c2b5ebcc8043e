"""Letters from templates filled with case facts; the PDF font and Kazakh names."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pypdf import PdfReader

from casefiles.choices import PartyRole, TermUnit
from casefiles.pdf import font_faces, font_problems
from letters.models import LetterTemplate
from letters.services import letter_create_from_template, letter_render_now, signatory_sign
from tests.factories import (
    ArticleFactory,
    CaseFactory,
    CasePartyFactory,
    ChargeFactory,
    DetentionFactory,
    PersonFactory,
)
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_with_facts():
    case = CaseFactory()
    person = PersonFactory(title="Mr", given_name="Bekizhan", family_name="Mendygazyev")
    CasePartyFactory(case=case, person=person, role=PartyRole.POLITICAL_PRISONER)
    DetentionFactory(
        case=case,
        person=person,
        started_on=datetime.date(2021, 6, 5),
        term_length=2,
        term_unit=TermUnit.MONTHS,
        planned_end=datetime.date(2021, 8, 5),
    )
    for number, part, title in [
        ("262", "2", "participation in an organised group or criminal organisation"),
        ("218", "2", "money laundering on a large scale or by a criminal group"),
    ]:
        ChargeFactory(
            case=case, person=person, article=ArticleFactory(number=number, part=part, title=title)
        )
    return case


def test_a_template_is_filled_with_the_case_facts_when_the_letter_is_created(case_with_facts):
    template = LetterTemplate.objects.create(
        name="Pretrial detention",
        subject="On {{ prisoner.name }}",
        body="{% set detention = current_detention %}"
        "On {{ detention.started_on }}, **{{ prisoner.title_name }}** was sentenced to "
        "{{ detention.term }} of {{ detention.measure }} (until {{ detention.planned_end }}) "
        "under charges of {% for charge in charges %}“{{ charge.wording }}” "
        "({{ charge.article }}){{ sep(loop) }}{% endfor %}.",
        closing="Yours sincerely,",
    )
    letter = letter_create_from_template(
        case=case_with_facts, template=template, reference="LTR-T-1"
    )
    assert letter.subject == "On Bekizhan Mendygazyev"
    assert letter.body == (
        "On 5 June 2021, **Mr Bekizhan Mendygazyev** was sentenced to 2 months of pretrial "
        "detention (until 5 August 2021) under charges of “participation in an organised group "
        "or criminal organisation” (Art. 262, Part 2 of the CC) and “money laundering on a "
        "large scale or by a criminal group” (Art. 218, Part 2 of the CC).\n"
    )
    assert (letter.salutation, letter.closing) == ("Your Excellency,", "Yours sincerely,")


def test_an_unknown_name_is_named_and_no_letter_is_made(case_with_facts):
    template = LetterTemplate.objects.create(name="Typo", body="Dear {{ subjcet_name }}")
    with pytest.raises(ValidationError, match=r"Body, line 1: unknown name “subjcet_name”"):
        letter_create_from_template(case=case_with_facts, template=template, reference="LTR-T-2")
    assert not case_with_facts.letters.exists()


def test_a_kazakh_name_renders_with_its_own_glyphs():
    letter = make_letter(body="Бізге **Әлия Құрманғалиқызы** туралы хабарланды: ңөұүһі ҢӨҰҮҺІ.")
    signatory = letter.signatories.first()
    signatory.person.given_name, signatory.person.family_name = "Әсел", "Қуанышбаева"
    signatory.person.save()
    signatory_sign(signatory=signatory, via="email")
    version = letter_render_now(letter=letter)
    with version.file.open("rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Әлия Құрманғалиқызы" in text and "ңөұүһі ҢӨҰҮҺІ" in text
    assert "Әсел ҚУАНЫШБАЕВА" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("DejaVu-Serif" in name for name in fonts), fonts  # no fallback font


def test_the_shipped_font_covers_latin_extended_cyrillic_and_kazakh():
    assert font_problems() == []


def test_a_font_without_kazakh_letters_is_reported_at_start_up(tmp_path, settings):
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # The shipped faces cut down to Latin only: a plausible font that cannot print Қ.
    for face in font_faces():
        font = TTFont(face.path)
        subsetter = subset.Subsetter()
        subsetter.populate(unicodes=range(0x20, 0x250))
        subsetter.subset(font)
        font.save(tmp_path / face.path.name.replace("DejaVuSerif", "LatinSerif"))
    settings.PDF_FONT_DIR, settings.PDF_FONT_FAMILY = tmp_path, "Latin Serif"
    problems = font_problems()
    assert len(problems) == 4 and "has no glyph for" in problems[0] and "Қ" in problems[0]
    with pytest.raises(SystemCheckError, match="letters.E001"):
        call_command("check")


def test_a_missing_font_is_reported_with_the_setting_to_change(tmp_path, settings):
    settings.PDF_FONT_DIR = tmp_path
    [first, *_] = font_problems()
    assert "does not exist" in first and "PDF_FONT_DIR" in first


def test_the_demo_template_makes_a_letter_from_the_demo_case(demo_letter):
    template = LetterTemplate.objects.get(name="Political prisoner in pretrial detention")
    letter = letter_create_from_template(
        case=demo_letter.case, template=template, reference="LTR-DEMO-NEXT"
    )
    assert letter.subject == "Political prisoner Bekizhan Mendygazyev in pretrial detention"
    assert "**Mr Bekizhan Mendygazyev**" in letter.body
    assert "On 5 June 2021, Mr Bekizhan Mendygazyev was placed in pretrial detention" in letter.body
    assert (
        "“participation in an organised group or criminal organisation” "
        "(Art. 262, Part 2 of the CC)" in letter.body
    )
    assert letter_render_now(letter=letter).status == "done"
