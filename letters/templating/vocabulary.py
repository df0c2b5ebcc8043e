"""The facts of one or several cases as a letter template sees them (facts.REFERENCE).

`letter_vocabulary(cases=[...], author=user)` reads the cases (already limited to those the
author may see) and returns plain facts. Free-text ``notes`` are never read into it, and
health conditions only for an author who may see them (the Health data role).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch
from django.utils import timezone
from django_countries import countries

from casefiles.choices import ChargeStatus, EventKind, PartyRole
from casefiles.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    Event,
    Hearing,
    SentenceStep,
    Source,
)
from casefiles.sentences import custody_from, sentences_current
from letters.templating.facts import (
    CaseFact,
    ChargeFact,
    DetentionFact,
    EventFact,
    FactDate,
    HealthFact,
    HearingFact,
    PersonFact,
    SentenceFact,
    SourceFact,
    TargetedFact,
)
from people.models import HealthCondition, Person, Relationship

HEALTH_PERMISSION = "people.view_healthcondition"
_SOURCES = Prefetch("sources", queryset=Source.objects.order_by("pk"))


def may_see_health(author: User | AnonymousUser | None) -> bool:
    return bool(author and author.is_active and author.has_perm(HEALTH_PERMISSION))


def _date(day: datetime.date | None, precision: str = "day") -> FactDate | None:
    return FactDate(day, precision or "day") if day else None


def _source(source: Source) -> SourceFact:
    return SourceFact(
        id=source.pk,
        title=source.title,
        publisher=source.publisher,
        published_on=_date(source.published_on),
        url=source.url,
    )


def _sources(record: Any) -> tuple[SourceFact, ...]:
    return tuple(_source(source) for source in record.sources.all())


class _People:
    """Each person once, as a PersonFact."""

    def __init__(self) -> None:
        self._known: dict[int, PersonFact] = {}

    def __call__(self, person: Person) -> PersonFact:
        if person.pk not in self._known:
            self._known[person.pk] = PersonFact(
                name=person.name,
                title_name=f"{person.title} {person.name}".strip(),
                title=person.title,
                given_name=person.given_name,
                family_name=person.family_name,
                name_original=person.name_original,
                occupation=person.occupation,
            )
        return self._known[person.pk]


def letter_vocabulary(
    *,
    cases: Sequence[Case],
    author: User | AnonymousUser | None,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """Every name a template may use, for ``cases`` as ``author`` may see them."""
    today = today or timezone.localdate()
    case_ids = [case.pk for case in cases]
    reference = {case.pk: case.reference for case in cases}
    person = _People()

    # (party, person) for each party that is a person, in the order the cases list them.
    parties = [
        (party, party.person)
        for party in CaseParty.objects.filter(case__in=case_ids, person__isnull=False)
        .select_related("person")
        .order_by("case_id", "pk")
        if party.person is not None
    ]
    prisoners_by_case: dict[int, list[PersonFact]] = {pk: [] for pk in case_ids}
    prisoner_ids: list[int] = []
    for party, someone in parties:
        if party.role == PartyRole.POLITICAL_PRISONER:
            prisoners_by_case[party.case_id].append(person(someone))
            if someone.pk not in prisoner_ids:
                prisoner_ids.append(someone.pk)
    prisoners = list(dict.fromkeys(person(p) for _, p in parties if p.pk in prisoner_ids))

    detentions = [
        DetentionFact(
            person=person(d.person),
            measure=d.get_measure_display().lower(),
            measure_code=d.measure,
            started_on=FactDate(d.started_on, d.started_on_precision),
            term=d.term_display,
            planned_end=_date(d.planned_end),
            ended_on=_date(d.actual_end),
            facility=d.facility,
            is_current=d.actual_end is None or d.actual_end > today,
            days_in_custody=max(0, ((d.actual_end or today) - d.started_on).days),
            case_reference=reference[d.case_id],
            sources=_sources(d),
        )
        for d in Detention.objects.filter(case__in=case_ids)
        .select_related("person")
        .prefetch_related(_SOURCES)
        .order_by("-started_on", "-pk")
    ]

    steps = SentenceStep.objects.filter(case__in=case_ids).prefetch_related(_SOURCES)
    step_sources: dict[tuple[int, int], list[SourceFact]] = {}
    for step in steps:
        bucket = step_sources.setdefault((step.case_id, step.person_id), [])
        bucket.extend(s for s in _sources(step) if s not in bucket)
    sentence_by_key: dict[tuple[int, int], SentenceFact] = {}
    for standing in sentences_current(
        SentenceStep.objects.filter(case__in=case_ids),
        custody=custody_from(Case.objects.filter(pk__in=case_ids), today=today),
    ):
        summary = standing.summary
        if not summary.imposed or summary.overturned:
            continue
        key = (standing.case.pk, standing.person.pk)  # type: ignore[union-attr]
        sentence_by_key[key] = SentenceFact(
            person=person(standing.person),
            phrase=summary.sentence_phrase,
            length=summary.total_display,
            kind=summary.kind_label.lower(),
            in_force=summary.in_force,
            release_on=_date(summary.release_on, summary.release_precision),
            case_reference=standing.case.reference,  # type: ignore[union-attr]
            sources=tuple(step_sources.get(key, ())),
        )

    charges = []
    for c in (
        Charge.objects.filter(case__in=case_ids)
        .select_related("person", "article")
        .prefetch_related(_SOURCES)
        .order_by("brought_on", "pk")
    ):
        decided = _date(c.decided_on, c.decided_on_precision)
        status = c.get_status_display().lower()
        charges.append(
            ChargeFact(
                person=person(c.person),
                wording=c.article.title if c.article else c.description,
                article=c.article.citation if c.article else "",
                status=status,
                status_code=c.status,
                brought_on=_date(c.brought_on, c.brought_on_precision),
                decided_on=decided,
                is_convicted=c.status == ChargeStatus.CONVICTED,
                is_acquitted=c.status == ChargeStatus.ACQUITTED,
                is_pending=c.status in (ChargeStatus.UNDER_INVESTIGATION, ChargeStatus.CHARGED),
                outcome=""
                if c.status in (ChargeStatus.UNDER_INVESTIGATION, ChargeStatus.CHARGED)
                else (f"{status} on {decided}" if decided else status),
                sentence=sentence_by_key.get((c.case_id, c.person_id))
                if c.status == ChargeStatus.CONVICTED
                else None,
                case_reference=reference[c.case_id],
                sources=_sources(c),
            )
        )

    hearings = [
        HearingFact(
            held_on=FactDate(h.held_on),
            kind=h.get_kind_display().split(" (")[0].lower(),
            kind_code=h.kind,
            court=h.court.name if h.court else "",
            judge=h.judge.name if h.judge else "",
            defendants=tuple(person(p) for p in h.defendants.all()),
            is_upcoming=h.held_on >= today and not h.postponed,
            postponed=h.postponed,
            case_reference=reference[h.case_id],
            sources=_sources(h),
        )
        for h in Hearing.objects.filter(case__in=case_ids)
        .select_related("court", "judge")
        .prefetch_related("defendants", _SOURCES)
        .order_by("held_on", "pk")
    ]

    events = [
        EventFact(
            occurred_on=FactDate(e.occurred_on, e.precision),
            kind=e.get_kind_display(),
            kind_code=e.kind,
            title=e.title,
            description=e.description,
            place=e.place,
            is_un_opinion=e.kind == EventKind.UN_OPINION,
            case_reference=reference[e.case_id],
            sources=_sources(e),
        )
        for e in Event.objects.filter(case__in=case_ids)
        .prefetch_related(_SOURCES)
        .order_by("occurred_on", "pk")
    ]

    targeted_parties = {
        someone.pk: (party, someone)
        for party, someone in reversed(parties)  # the first listing of each person wins
        if party.role in (PartyRole.TARGETED_RELATIVE, PartyRole.TARGETED_ASSOCIATE)
    }
    relations: dict[int, Relationship] = {}
    for tie in Relationship.objects.filter(
        person__in=list(targeted_parties), other__in={p.pk for _, p in parties}
    ).select_related("other"):
        # A tie to a prisoner says the most; otherwise the first one recorded.
        if tie.person_id not in relations or tie.other_id in prisoner_ids:
            relations[tie.person_id] = tie
    targeted = []
    for party, someone in sorted(targeted_parties.values(), key=lambda pair: pair[0].pk):
        known = relations.get(someone.pk)
        targeted.append(
            TargetedFact(
                person=person(someone),
                role=party.get_role_display().lower(),
                relation=f"{known.get_kind_display().lower()} of {known.other.name}"
                if known
                else "",
                is_relative=party.role == PartyRole.TARGETED_RELATIVE,
                case_reference=reference[party.case_id],
            )
        )

    sentences = list(sentence_by_key.values())
    all_sources: dict[int, SourceFact] = {}
    facts: list[Any] = [*detentions, *charges, *sentences, *hearings, *events]
    for fact in facts:
        for source in fact.sources:
            all_sources.setdefault(source.id, source)

    case_facts = [
        CaseFact(
            reference=case.reference,
            title=case.title,
            country=str(countries.name(case.country)),
            prisoners=tuple(prisoners_by_case[case.pk]),
        )
        for case in cases
    ]
    current = [d for d in detentions if d.is_current]
    upcoming = [h for h in hearings if h.is_upcoming]
    vocabulary: dict[str, Any] = {
        "cases": case_facts,
        "case": case_facts[0] if case_facts else None,
        "country": case_facts[0].country if case_facts else "",
        "prisoners": prisoners,
        "prisoner": prisoners[0] if prisoners else None,
        "detentions": detentions,
        "current_detentions": current,
        "current_detention": current[0] if current else None,
        "past_detentions": [d for d in detentions if not d.is_current],
        "charges": charges,
        "convicted": any(c.is_convicted and c.person in prisoners for c in charges),
        "sentences": sentences,
        "hearings": hearings,
        "past_hearings": [h for h in hearings if not h.is_upcoming],
        "upcoming_hearings": upcoming,
        "next_hearing": upcoming[0] if upcoming else None,
        "events": events,
        "un_opinions": [e for e in events if e.is_un_opinion],
        "targeted": targeted,
        "sources": sorted(all_sources.values(), key=lambda s: s.id),
        "today": FactDate(today),
    }
    if may_see_health(author):
        vocabulary["health_conditions"] = [
            HealthFact(
                person=person(condition.person),
                condition=condition.condition,
                noted_on=_date(condition.noted_on),
            )
            for condition in HealthCondition.objects.filter(person__in=prisoner_ids)
            .select_related("person")
            .order_by("person_id", "pk")
        ]
    return vocabulary


def vocabulary_names() -> tuple[str, ...]:
    """Every top-level name a template may use, health's included (the specimen has each;
    a test holds `letter_vocabulary` to the same names)."""
    return tuple(specimen_vocabulary())


def specimen_vocabulary() -> dict[str, Any]:
    """An invented case holding one of every fact: a template is tried on it before saving,
    so a misspelt name or attribute is refused with its line."""
    source = SourceFact(
        id=1, title="Court records", publisher="Example News", url="https://example.org/"
    )
    prisoner = PersonFact(
        name="Alex Example",
        title_name="Mr Alex Example",
        title="Mr",
        given_name="Alex",
        family_name="Example",
        name_original="Алекс Пример",
        occupation="journalist",
    )
    relative = PersonFact(name="Sam Example", title_name="Ms Sam Example", title="Ms")
    day = datetime.date(2021, 6, 5)
    sentence = SentenceFact(
        person=prisoner,
        phrase="5 years of imprisonment",
        length="5 years",
        kind="imprisonment",
        in_force=True,
        release_on=FactDate(datetime.date(2026, 6, 5)),
        sources=(source,),
    )
    detention = DetentionFact(
        person=prisoner,
        measure="pretrial detention",
        measure_code="pretrial",
        started_on=FactDate(day),
        term="2 months",
        planned_end=FactDate(datetime.date(2021, 8, 5)),
        facility="Remand prison No. 1",
        is_current=True,
        days_in_custody=90,
        sources=(source,),
    )
    charges = [
        ChargeFact(
            person=prisoner,
            wording="Dissemination of false information",
            article="Art. 274, Part 2 of the CC",
            status="charged",
            status_code="charged",
            brought_on=FactDate(day),
            is_pending=True,
            sources=(source,),
        ),
        ChargeFact(
            person=prisoner,
            wording="Organising a mass riot",
            article="Art. 272 of the CC",
            status="convicted",
            status_code="convicted",
            brought_on=FactDate(day),
            decided_on=FactDate(datetime.date(2022, 1, 1), "month"),
            is_convicted=True,
            outcome="convicted on January 2022",
            sentence=sentence,
            sources=(source,),
        ),
    ]
    hearings = [
        HearingFact(
            held_on=FactDate(day),
            kind="detention",
            kind_code="detention",
            court="City Court",
            judge="Judge Example",
            defendants=(prisoner,),
            sources=(source,),
        ),
        HearingFact(
            held_on=FactDate(datetime.date(2099, 1, 1)),
            kind="appeal",
            kind_code="appeal",
            court="Appeal Court",
            defendants=(prisoner,),
            is_upcoming=True,
            sources=(source,),
        ),
    ]
    events = [
        EventFact(
            occurred_on=FactDate(day),
            kind="UN opinion",
            kind_code="un_opinion",
            title="Opinion No. 1/2022",
            place="Geneva",
            is_un_opinion=True,
            sources=(source,),
        ),
        EventFact(
            occurred_on=FactDate(day),
            kind="Search",
            kind_code="search",
            title="Search of the family home",
            sources=(source,),
        ),
    ]
    case = CaseFact(
        reference="CASE-SPECIMEN",
        title="Alex Example",
        country="Exampleland",
        prisoners=(prisoner,),
    )
    return {
        "cases": [case],
        "case": case,
        "country": case.country,
        "prisoners": [prisoner],
        "prisoner": prisoner,
        "detentions": [detention],
        "current_detentions": [detention],
        "current_detention": detention,
        "past_detentions": [],
        "charges": charges,
        "convicted": True,
        "sentences": [sentence],
        "hearings": hearings,
        "past_hearings": hearings[:1],
        "upcoming_hearings": hearings[1:],
        "next_hearing": hearings[1],
        "events": events,
        "un_opinions": events[:1],
        "targeted": [
            TargetedFact(
                person=relative,
                role="targeted relative",
                relation="sister of Alex Example",
                is_relative=True,
            )
        ],
        "sources": [source],
        "today": FactDate(datetime.date(2022, 2, 1)),
        "health_conditions": [HealthFact(person=prisoner, condition="Diabetes")],
    }
