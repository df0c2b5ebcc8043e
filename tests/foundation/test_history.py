"""Nothing is lost: every create, change and delete is recorded, with who and when."""

import pytest

from casefiles.models import Event
from people.models import Person
from tests.factories import CaseFactory, EventFactory, PersonFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_create_change_and_delete_each_leave_a_history_row():
    person = PersonFactory(family_name="Mendygazyev")
    person.residence = "Uralsk"
    person.save()
    pk = person.pk
    person.delete()
    kinds = list(
        Person.history.filter(id=pk).order_by("history_date").values_list("history_type", flat=True)
    )
    assert kinds == ["+", "~", "-"]
    assert Person.history.filter(id=pk).first().family_name == "Mendygazyev"


def test_citing_a_source_is_recorded_in_the_events_history():
    event = EventFactory(case=CaseFactory())
    source = SourceFactory()
    event.sources.add(source)
    latest = event.history.first()
    assert [s.source_id for s in latest.sources.all()] == [source.pk]
    assert Event.history.filter(id=event.pk).count() == 2
