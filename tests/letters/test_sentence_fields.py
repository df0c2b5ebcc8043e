"""The letter templates' sentences (``{{ sentences[0].phrase }}``, ``.release_on``): the
prisoner's current sentence, computed by casefiles.sentences like everywhere else."""

from __future__ import annotations

import datetime

import pytest

from casefiles.choices import PartyRole
from casefiles.models import SentenceStep
from casefiles.services import detention_log
from letters.models import LetterTemplate
from letters.services import letter_create_from_template
from letters.templating.vocabulary import letter_vocabulary
from tests.factories import CaseFactory, CasePartyFactory, PersonFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def _step(case, person, kind, day, *, months=None, **extra) -> SentenceStep:
    return SentenceStep.objects.create(
        case=case, person=person, kind=kind, occurred_on=day, months=months, **extra
    )


@pytest.fixture
def sentenced():
    case = CaseFactory(reference="UZ-2016-001")
    person = PersonFactory(title="Mr", given_name="Alisher", family_name="Tursunov")
    CasePartyFactory(case=case, person=person, role=PartyRole.POLITICAL_PRISONER)
    return case, person


def test_the_news_chain_fills_a_template_with_12_years_until_2031(sentenced):
    case, person = sentenced
    _step(case, person, "imposed", D(2016, 3, 14), months=144, sentence_kind="imprisonment")
    _step(case, person, "increased", D(2017, 8, 1), months=24, precision="month")
    _step(case, person, "increased", D(2019, 3, 1), months=12, precision="month")
    _step(
        case,
        person,
        "reduced",
        D(2021, 12, 7),
        months=36,
        scheduled_release_on=D(2031, 1, 1),
        scheduled_release_precision="year",
    )
    template = LetterTemplate.objects.create(
        name="Sentence",
        salutation="Sir,",
        closing="Yours,",
        body="{{ prisoner.title_name }} is serving {{ sentences[0].phrase }}, to be released in "
        "{{ sentences[0].release_on }}.",
    )
    letter = letter_create_from_template(case=case, template=template, reference="LTR-S-1")
    assert letter.body == (
        "Mr Alisher Tursunov is serving 12 years of imprisonment, to be released in 2031.\n"
    )


def test_a_sentence_counting_time_held_runs_from_the_start_of_custody_in_the_case(sentenced):
    case, person = sentenced
    detention_log(
        case=case, person=person, measure="pretrial", started_on=D(2018, 4, 12),
        actual_end=D(2019, 3, 3),
    )  # fmt: skip
    detention_log(case=case, person=person, measure="imprisonment", started_on=D(2019, 3, 3))
    # Custody in another case is not the letter's to cite.
    elsewhere = CaseFactory()
    CasePartyFactory(case=elsewhere, person=person)
    detention_log(
        case=elsewhere, person=person, measure="arrest", started_on=D(2018, 4, 10),
        actual_end=D(2018, 4, 12),
    )  # fmt: skip
    _step(
        case,
        person,
        "imposed",
        D(2019, 3, 3),
        months=98,
        sentence_kind="imprisonment",
        counts_time_held=True,
    )
    [sentence] = _sentences(case, person)
    assert sentence.phrase == "8 years and 2 months of imprisonment"
    assert str(sentence.release_on) == "12 June 2026"


def _sentences(case, person):
    """The prisoner's standing sentences, as a template sees them."""
    vocabulary = letter_vocabulary(cases=[case], author=None)
    return [s for s in vocabulary["sentences"] if s.person == vocabulary["prisoner"]]


def test_no_sentence_an_overturned_one_and_a_co_defendants_leave_the_prisoner_without(
    sentenced,
):
    case, person = sentenced
    assert _sentences(case, person) == []

    co_defendant = PersonFactory()
    CasePartyFactory(case=case, person=co_defendant, role=PartyRole.DEFENDANT)
    _step(case, co_defendant, "imposed", D(2019, 1, 1), months=60, sentence_kind="imprisonment")
    assert _sentences(case, person) == []

    _step(case, person, "imposed", D(2019, 1, 1), months=60, sentence_kind="probation")
    assert [s.phrase for s in _sentences(case, person)] == ["5 years of probation"]
    _step(case, person, "overturned", D(2020, 5, 1))
    assert _sentences(case, person) == []
