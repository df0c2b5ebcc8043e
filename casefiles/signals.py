"""Keep search keys current on every write, whether it comes from a page, the admin or a loader."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from casefiles.models import Case
from casefiles.search import search_names_update
from people.models import Alias, Organisation, Person


@receiver(post_save, sender=Person, dispatch_uid="search_person")
def person_saved(sender, instance: Person, raw: bool = False, **kwargs) -> None:
    if not raw:
        search_names_update(person=instance)


@receiver(post_save, sender=Alias, dispatch_uid="search_alias_saved")
@receiver(post_delete, sender=Alias, dispatch_uid="search_alias_deleted")
def alias_changed(sender, instance: Alias, raw: bool = False, **kwargs) -> None:
    origin = kwargs.get("origin")
    # When the person itself is being deleted its keys go with it (cascade); rewriting
    # them here would leave rows pointing at a deleted person.
    if raw or isinstance(origin, Person) or getattr(origin, "model", None) is Person:
        return
    person = Person.objects.filter(pk=instance.person_id).first()
    if person is not None:
        search_names_update(person=person)


@receiver(post_save, sender=Organisation, dispatch_uid="search_organisation")
def organisation_saved(sender, instance: Organisation, raw: bool = False, **kwargs) -> None:
    if not raw:
        search_names_update(organisation=instance)


@receiver(post_save, sender=Case, dispatch_uid="search_case")
def case_saved(sender, instance: Case, raw: bool = False, **kwargs) -> None:
    if not raw:
        search_names_update(case=instance)
