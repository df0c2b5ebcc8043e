"""factory_boy factories for the records most tests need."""

import datetime

import factory

from casefiles.choices import CaseStatus, DetentionMeasure, EventKind, HearingKind, PartyRole
from casefiles.models import Article, Case, CaseParty, Charge, Detention, Event, Hearing, Source
from people.choices import OrganisationKind
from people.models import Alias, HealthCondition, Organisation, Person, Position


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: f"Aidos{n}")
    family_name = factory.Sequence(lambda n: f"Sadykov{n}")


class AliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alias

    person = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class HealthConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthCondition

    person = factory.SubFactory(PersonFactory)
    condition = "Chronic hepatitis C"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"District Court No. {n}")
    kind = OrganisationKind.COURT
    country = "KZ"


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    title = "Chairperson"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example.org/story/{n}")
    title = factory.Sequence(lambda n: f"Report {n}")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"KZ-TEST-{n:04d}")
    title = factory.Sequence(lambda n: f"Test case {n}")
    country = "KZ"
    status = CaseStatus.ACTIVE
    opened_on = datetime.date(2021, 1, 1)


class CasePartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseParty

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    role = PartyRole.POLITICAL_PRISONER


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    jurisdiction = "KZ"
    number = factory.Sequence(lambda n: str(100 + n))
    part = "1"
    title = "Dissemination of knowingly false information"


class ChargeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charge

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    article = factory.SubFactory(ArticleFactory)
    brought_on = datetime.date(2021, 6, 5)


class DetentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Detention
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    measure = DetentionMeasure.PRETRIAL_DETENTION
    started_on = datetime.date(2021, 6, 5)

    @factory.post_generation
    def party(obj, create, extracted, **kwargs):
        """A detained person is a party to the case (Detention.clean requires it)."""
        if create:
            CaseParty.objects.get_or_create(
                case=obj.case, person=obj.person, role=PartyRole.POLITICAL_PRISONER
            )


class HearingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hearing

    case = factory.SubFactory(CaseFactory)
    held_on = datetime.date(2021, 7, 30)
    kind = HearingKind.EXTENSION


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    case = factory.SubFactory(CaseFactory)
    occurred_on = datetime.date(2020, 11, 6)
    kind = EventKind.SEARCH
    title = factory.Sequence(lambda n: f"Search number {n}")
