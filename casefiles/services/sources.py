"""A case's sources: adding one (a web page or an uploaded file), citing a known one for
facts of the case, and correcting one.

A source belongs to a case only through the facts it supports, and its visibility follows
theirs (casefiles/visibility.py). So a source added from a case page must support at least
one fact of that case: cited by nothing, it would be visible to everyone, title and all.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model, Q, QuerySet

from casefiles.models import Case, Charge, Detention, Event, Hearing, SentenceStep, Source
from people.visibility import AnyUser as User

# The anchor prefix of each kind of fact on the timeline (casefiles/timeline.py), and its model.
FACT_KINDS: dict[str, type[Model]] = {
    "event": Event,
    "charge": Charge,
    "detention": Detention,
    "hearing": Hearing,
    "sentence-step": SentenceStep,
}


@dataclass(frozen=True)
class CaseFact:
    """A fact of a case that a source can support, named by its timeline anchor."""

    anchor: str
    label: str
    record: Model


def case_sources(*, case: Case, user: User) -> QuerySet[Source]:
    """The sources cited by the case's facts, for a user who may see the case (the caller
    read it through `cases_visible_to`), in one query.

    The one rule (casefiles/visibility.py) hides a source only when every fact citing it is
    in a hidden case; each of these is cited by a fact of this case, which the user sees,
    so the rule keeps them all and is not asked again (it would read the citations in
    hidden cases first: a query per page for nothing)."""
    if not user.has_perm("casefiles.view_case"):
        return Source.objects.none()
    cited = Q()
    for model in FACT_KINDS.values():
        through = model.sources.through  # type: ignore[attr-defined]
        column = model._meta.model_name
        cited |= Q(pk__in=through.objects.filter(**{f"{column}__case": case}).values("source"))
    return Source.objects.filter(cited).order_by("title", "pk")


def case_facts(case: Case) -> list[CaseFact]:
    """Every fact of the case that can cite a source, oldest first within each kind."""
    facts: list[CaseFact] = []
    for event in case.events.order_by("occurred_on", "pk"):
        facts.append(CaseFact(f"event-{event.pk}", f"Event: {event}", event))
    for charge in case.charges.select_related("person", "article").order_by("pk"):
        facts.append(CaseFact(f"charge-{charge.pk}", f"Charge: {charge}", charge))
    for detention in case.detentions.select_related("person").order_by("started_on", "pk"):
        facts.append(
            CaseFact(
                f"detention-{detention.pk}",
                f"Detention: {detention.get_measure_display()} of {detention.person.name} "
                f"from {detention.started_on:%d %b %Y}",
                detention,
            )
        )
    for hearing in case.hearings.order_by("held_on", "pk"):
        facts.append(CaseFact(f"hearing-{hearing.pk}", f"Hearing: {hearing}", hearing))
    for step in case.sentence_steps.select_related("person").order_by("occurred_on", "pk"):
        facts.append(CaseFact(f"sentence-step-{step.pk}", f"Sentence: {step}", step))
    return facts


def _supported(case: Case, anchors: Iterable[str]) -> list[Model]:
    """The case's facts named by `anchors`; any anchor that is not one of them refuses all."""
    anchors = list(dict.fromkeys(anchors))
    if not anchors:
        raise ValidationError(
            {"facts": "Choose at least one fact of this case that the source supports."}
        )
    known = {fact.anchor: fact.record for fact in case_facts(case)}
    unknown = [anchor for anchor in anchors if anchor not in known]
    if unknown:
        raise ValidationError(
            {"facts": f"Not a fact of case {case.reference}: {', '.join(unknown)}."}
        )
    return [known[anchor] for anchor in anchors]


def _cite(source: Source, facts: Iterable[Model]) -> None:
    for fact in facts:
        fact.sources.add(source)  # type: ignore[attr-defined]


@transaction.atomic
def source_add(
    *,
    case: Case,
    title: str,
    facts: Iterable[str],
    url: str = "",
    file: UploadedFile | None = None,
    publisher: str = "",
    published_on: datetime.date | None = None,
) -> Source:
    """A new source — a web address or an uploaded file — supporting facts of the case,
    named by their timeline anchors (`detention-3`, `event-5`)."""
    source = Source(
        url=url, title=title, publisher=publisher, published_on=published_on, file=file or ""
    )
    errors: dict[str, list[str]] = {}
    try:
        source.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        supported = _supported(case, facts)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    source.save()
    _cite(source, supported)
    return source


@transaction.atomic
def source_attach(*, case: Case, user: User, source: Source, facts: Iterable[str]) -> Source:
    """Cite a known source, one the user may see, for facts of this case."""
    if not Source.objects.visible_to(user).filter(pk=source.pk).exists():
        raise ValidationError({"source": "Choose a source you can see."})
    _cite(source, _supported(case, facts))
    return source


@transaction.atomic
def source_update(
    *,
    source: Source,
    title: str,
    url: str = "",
    file: UploadedFile | None = None,
    publisher: str = "",
    published_on: datetime.date | None = None,
) -> Source:
    """Correct a source's details; without a new upload, its file stays."""
    source.title = title
    source.url = url
    source.publisher = publisher
    source.published_on = published_on
    if file is not None:
        source.file = file
    source.full_clean()
    source.save()
    return source


def cases_citing(*, source: Source, user: User) -> QuerySet[Case]:
    """The cases the user may see whose facts cite `source`."""
    cited = Q()
    for model in FACT_KINDS.values():
        through = model.sources.through  # type: ignore[attr-defined]
        column = model._meta.model_name
        cited |= Q(pk__in=through.objects.filter(source=source).values(f"{column}__case"))
    return Case.objects.visible_to(user).filter(cited).order_by("reference")
