"""Each invariant is refused with a message a user understands, by clean() and by the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casefiles.choices import ChargeStatus, TermUnit
from casefiles.models import CaseParty, Charge, Source
from letters.choices import RecipientKind, SigningStatus
from letters.models import Letter, LetterRecipient, LetterSignatory
from people.choices import RelationshipKind
from people.models import Relationship
from tests.factories import (
    ArticleFactory,
    CaseFactory,
    ChargeFactory,
    DetentionFactory,
    OrganisationFactory,
    PersonFactory,
    PositionFactory,
)

pytestmark = pytest.mark.django_db

JUNE_5 = datetime.date(2021, 6, 5)


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def test_it_rejects_a_detention_that_ends_before_it_starts():
    detention = DetentionFactory.build(
        case=CaseFactory(), person=PersonFactory(), actual_end=JUNE_5 - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as exc:
        detention.full_clean()
    assert "The detention cannot end before it starts." in messages(exc.value)


def test_the_database_refuses_a_detention_ending_before_its_start_even_without_clean():
    detention = DetentionFactory()
    detention.planned_end = JUNE_5 - datetime.timedelta(days=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        detention.save()
    detention.refresh_from_db()
    assert detention.planned_end is None


def test_it_rejects_a_term_without_its_unit():
    detention = DetentionFactory.build(case=CaseFactory(), person=PersonFactory(), term_length=2)
    with pytest.raises(ValidationError) as exc:
        detention.full_clean()
    assert "Give the ordered term as a number with its unit." in messages(exc.value)


def test_it_accepts_a_term_with_its_unit_and_shows_it_in_words():
    detention = DetentionFactory(term_length=2, term_unit=TermUnit.MONTHS)
    detention.full_clean()
    assert detention.term_display == "2 months"


def test_it_rejects_a_charge_under_another_countrys_code():
    case = CaseFactory(country="KZ")
    russian_article = ArticleFactory(jurisdiction="RU", number="280", part="")
    charge = Charge(case=case, person=PersonFactory(), article=russian_article)
    with pytest.raises(ValidationError) as exc:
        charge.full_clean()
    assert "belongs to the code of Russia" in messages(exc.value)
    assert "under the law of Kazakhstan" in messages(exc.value)


def test_it_rejects_a_charge_decided_before_it_was_brought():
    charge = ChargeFactory.build(
        case=CaseFactory(),
        person=PersonFactory(),
        article=ArticleFactory(),
        status=ChargeStatus.ACQUITTED,
        decided_on=JUNE_5 - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as exc:
        charge.full_clean()
    assert "A charge cannot be decided before it is brought." in messages(exc.value)


def test_it_asks_for_the_date_of_an_acquittal():
    charge = ChargeFactory.build(
        case=CaseFactory(),
        person=PersonFactory(),
        article=ArticleFactory(),
        status=ChargeStatus.ACQUITTED,
    )
    with pytest.raises(ValidationError) as exc:
        charge.full_clean()
    assert "Give the date on which the charge was acquitted." in messages(exc.value)


def test_it_rejects_a_charge_with_neither_article_nor_description():
    charge = Charge(case=CaseFactory(), person=PersonFactory())
    with pytest.raises(ValidationError) as exc:
        charge.full_clean()
    assert "Give the article of the code or describe the charge." in messages(exc.value)


def test_it_rejects_a_party_that_is_both_person_and_organisation():
    party = CaseParty(
        case=CaseFactory(),
        person=PersonFactory(),
        organisation=OrganisationFactory(),
        role="authority",
    )
    with pytest.raises(ValidationError) as exc:
        party.full_clean()
    assert "Choose either a person or an organisation, not both." in messages(exc.value)


def test_it_rejects_a_relationship_with_oneself():
    person = PersonFactory()
    with pytest.raises(ValidationError) as exc:
        Relationship(person=person, other=person, kind=RelationshipKind.BROTHER).full_clean()
    assert "A person cannot be related to themselves." in messages(exc.value)


def test_it_rejects_a_position_ending_before_it_starts():
    position = PositionFactory.build(
        person=PersonFactory(),
        organisation=OrganisationFactory(),
        started_on=JUNE_5,
        ended_on=JUNE_5 - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as exc:
        position.full_clean()
    assert "A position cannot end before it starts." in messages(exc.value)


def test_it_rejects_a_malformed_correspondence_email():
    position = PositionFactory.build(
        person=PersonFactory(),
        organisation=OrganisationFactory(),
        emails="press@knb.kz\nnot-an-address",
    )
    with pytest.raises(ValidationError) as exc:
        position.full_clean()
    assert "“not-an-address” is not a valid email address." in messages(exc.value)


def test_it_rejects_a_source_with_neither_url_nor_file():
    with pytest.raises(ValidationError) as exc:
        Source(title="Rumour").full_clean()
    assert "A source needs a URL or an uploaded file." in messages(exc.value)


def test_case_references_are_unique():
    CaseFactory(reference="KZ-2021-001")
    with pytest.raises(ValidationError) as exc:
        CaseFactory.build(reference="KZ-2021-001").full_clean()
    assert "A case with this reference exists." in messages(exc.value)


def make_letter(reference: str = "LTR-1") -> Letter:
    return Letter.objects.create(
        case=CaseFactory(), reference=reference, subject="Release", body="We call for release."
    )


def test_a_letter_has_only_one_addressee():
    letter = make_letter()
    LetterRecipient.objects.create(
        letter=letter,
        kind=RecipientKind.ADDRESSEE,
        title_line="The President",
        address_block="H.E. A",
    )
    second = LetterRecipient(
        letter=letter,
        kind=RecipientKind.ADDRESSEE,
        title_line="The Minister",
        address_block="H.E. B",
    )
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert "A letter has one addressee; add the others as copies (cc)." in messages(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_letter_references_are_unique():
    make_letter("LTR-2021-06-29")
    with pytest.raises(ValidationError) as exc:
        Letter(case=CaseFactory(), reference="LTR-2021-06-29", subject="x", body="y").full_clean()
    assert "A letter with this reference exists." in messages(exc.value)


def test_a_signature_records_when_and_how_it_was_given():
    signatory = LetterSignatory(
        letter=make_letter(), person=PersonFactory(), signs_as="MEP", status=SigningStatus.SIGNED
    )
    with pytest.raises(ValidationError) as exc:
        signatory.full_clean()
    assert "A signature needs the time it was given and how." in messages(exc.value)


def test_a_position_prints_its_signature_line_and_address_block():
    position = PositionFactory(
        organisation=OrganisationFactory(name="Renew Europe Group", country=""),
        title="Member of the European Parliament",
        title_abbreviation="MEP",
        represents_country="LT",
    )
    assert position.signature_line == "MEP (Renew Europe Group; Lithuania)"
    minister = PositionFactory(
        person=PersonFactory(given_name="Mukhtar", family_name="Tleuberdi"),
        honorific="H.E.",
        postal_address="Kunayev st. 31\n010000, Nur-Sultan\nKazakhstan",
        emails="nursultan@mfa.kz",
    )
    assert minister.address_block == (
        "H.E. Mukhtar Tleuberdi\nKunayev st. 31\n010000, Nur-Sultan\nKazakhstan\nnursultan@mfa.kz"
    )


def test_a_signatory_name_has_the_surname_in_capitals_with_its_diacritics():
    assert PersonFactory(given_name="Petras", family_name="Auštrevičius").signature_name == (
        "Petras AUŠTREVIČIUS"
    )
