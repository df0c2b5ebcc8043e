"""Citing by picking: the sources and facts a letter's editor offers, and the writes that put
a citation or a sentence about a fact into the body.

Nobody types a source's id. The editor searches the sources of the letter's case(s) by
title, publisher and URL and inserts ``[^src:ID]`` (letter_editor.js) — or, without
JavaScript, `letter_cite_append` appends it to the stored body. "Insert fact" writes a
sentence about one event, charge, detention, hearing or sentence of the case with its
sources cited (letters.facts_sentences). Every read goes through the one visibility rule:
a source or fact of a case the user may not see is never offered and answers as missing.
Writes go through letters.services_revisions.letter_text_update, so a final or sent letter
refuses them and a signed text asks for the confirmation that its signatories will be
asked again.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from casefiles.models import Case, Charge, Detention, Event, Hearing, SentenceStep, Source
from letters import facts_sentences
from letters.models import REVISION_TEXT_FIELDS, Letter, LetterRevision
from letters.rendering import cited_source_ids
from letters.services_revisions import letter_text_update
from people.visibility import AnyUser

SOURCES_OFFERED = 20
QUERY_MAX = 200

# The facts "Insert fact" offers, by the name the editor's form sends.
FACT_KINDS: dict[str, type[models.Model]] = {
    "event": Event,
    "charge": Charge,
    "detention": Detention,
    "hearing": Hearing,
    "sentence": SentenceStep,
}
FACT_KIND_LABELS = {
    "event": "Events",
    "charge": "Charges",
    "detention": "Detentions",
    "hearing": "Hearings",
    "sentence": "Sentences",
}


def letter_cases(letter: Letter, user: AnyUser) -> QuerySet[Case]:
    """The cases the letter concerns that the user may see (a letter about several cases
    lists them in ``cases``; until then, its one ``case``)."""
    cases = getattr(letter, "cases", None)
    concerned = cases.all() if cases is not None else Case.objects.filter(pk=letter.case_id)
    return Case.objects.visible_to(user).filter(pk__in=concerned.values("pk"))


def source_refusal(source: Source) -> str:
    """Why this source cannot be cited, or "": a URL must be a web address (http or https);
    a source with neither URL nor file has nothing a reader could find."""
    url = (source.url or "").strip()
    if url and not re.match(r"^https?://", url, re.IGNORECASE):
        return (
            f"“{source.title}” has an address that is not a web page (http or https) and "
            "cannot be cited. Correct its URL first."
        )
    if not url and not source.file:
        return f"“{source.title}” has neither a URL nor a file and cannot be cited."
    return ""


def case_sources(*, letter: Letter, user: AnyUser) -> QuerySet[Source]:
    """The sources the user may see that a fact of the letter's case(s) cites, or that the
    letter cites already."""
    cases = letter_cases(letter, user)
    cited = (
        Q(charges__case__in=cases)
        | Q(detentions__case__in=cases)
        | Q(hearings__case__in=cases)
        | Q(events__case__in=cases)
        | Q(sentence_steps__case__in=cases)
        | Q(pk__in=cited_source_ids(letter.body))
    )
    ids = Source.objects.filter(cited).values("pk")
    return Source.objects.visible_to(user).filter(pk__in=ids).order_by("title", "pk")


def sources_matching(*, letter: Letter, user: AnyUser, query: str) -> list[Source]:
    """The letter's sources whose title, publisher or URL contains what was typed."""
    query = query.strip()[:QUERY_MAX]
    sources = case_sources(letter=letter, user=user)
    if query:
        sources = sources.filter(
            Q(title__icontains=query) | Q(publisher__icontains=query) | Q(url__icontains=query)
        )
    return list(sources[:SOURCES_OFFERED])


def source_for_citing(*, letter: Letter, user: AnyUser, source_id: int | None) -> Source | None:
    """One of the letter's sources the user may see, or None (a hidden one looks missing)."""
    if source_id is None:
        return None
    return case_sources(letter=letter, user=user).filter(pk=source_id).first()


def citations_hidden(*, body: str, user: AnyUser) -> str:
    """What is wrong with the citations of a body being edited, or "": each must be a source
    the user may see (a hidden one is reported exactly as a missing one)."""
    ids = set(cited_source_ids(body))
    if not ids:
        return ""
    seen = set(Source.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    unknown = sorted(ids - seen)
    if not unknown:
        return ""
    markers = ", ".join(f"[^src:{pk}]" for pk in unknown)
    return (
        f"The text cites sources that do not exist: {markers}. Remove them and cite with "
        "“Cite a source”."
    )


def source_citation(source: Source) -> str:
    """The marker to put in the body; refused for a source that cannot be cited."""
    refusal = source_refusal(source)
    if refusal:
        raise ValidationError(refusal)
    return f"[^src:{source.pk}]"


def _append(letter: Letter, text: str, *, joiner: str, confirm: bool) -> None:
    body = letter.body.rstrip()
    letter_text_update(
        letter=letter,
        **{name: getattr(letter, name) for name in REVISION_TEXT_FIELDS if name != "body"},
        body=f"{body}{joiner}{text}" if body else text,
        asking_signatories_again=confirm,
    )


def letter_cite_append(
    *, letter: Letter, source: Source, asking_signatories_again: bool = False
) -> str:
    """Cite the source at the end of the body (the editor without JavaScript); returns the
    marker. Refused like any edit of the text on a final or sent letter."""
    citation = source_citation(source)
    _append(letter, citation, joiner="", confirm=asking_signatories_again)
    return citation


# --- Facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferedFact:
    kind: str
    pk: int
    label: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.pk}"


def _facts(kind: str, cases: QuerySet[Case], user: AnyUser) -> QuerySet:
    model = FACT_KINDS[kind]
    manager: Any = model._default_manager  # every fact's manager has visible_to
    queryset = manager.visible_to(user).filter(case__in=cases)
    related = {
        "event": (),
        "charge": ("person", "article"),
        "detention": ("person", "ordered_by"),
        "hearing": ("court",),
        "sentence": ("person", "court"),
    }[kind]
    return queryset.select_related(*related)


def facts_offered(*, letter: Letter, user: AnyUser) -> dict[str, list[OfferedFact]]:
    """The facts of the letter's case(s) "Insert fact" offers, by kind, each with a label."""
    cases = letter_cases(letter, user)
    offered: dict[str, list[OfferedFact]] = {}
    for kind in FACT_KINDS:
        facts = _facts(kind, cases, user)
        offered[kind] = [OfferedFact(kind, fact.pk, _label(kind, fact)) for fact in facts[:200]]
    return offered


def _label(kind: str, fact) -> str:
    if kind == "event":
        return f"{fact.date_display} — {fact.title}"
    if kind == "charge":
        return f"{fact.person.name}: {fact.offence} ({fact.get_status_display().lower()})"
    if kind == "detention":
        return f"{fact.person.name}: {fact.get_measure_display()} from {fact.started_on_display}"
    if kind == "hearing":
        court = f" — {fact.court.name}" if fact.court_id else ""
        return f"{facts_sentences.letter_date(fact.held_on)}: {fact.get_kind_display()}{court}"
    return f"{fact.person.name}: sentence {fact.get_kind_display().lower()} {fact.date_display}"


def parse_fact_choice(value: str) -> tuple[str, int] | None:
    kind, _, number = (value or "").partition(":")
    if kind not in FACT_KINDS or not number.isdigit() or len(number) > 12:
        return None
    return kind, int(number)


def fact_sentence(*, letter: Letter, user: AnyUser, kind: str, pk: int) -> str | None:
    """The sentence about one fact of the letter's case(s) with its citable sources cited,
    or None when the user may not see such a fact (hidden looks missing)."""
    if kind not in FACT_KINDS:
        return None
    fact = _facts(kind, letter_cases(letter, user), user).filter(pk=pk).first()
    if fact is None:
        return None
    visible_sources = Source.objects.visible_to(user).filter(pk__in=fact.sources.values("pk"))
    source_ids = [
        source.pk for source in visible_sources.order_by("pk") if not source_refusal(source)
    ]
    if kind == "event":
        return facts_sentences.event_sentence(fact, source_ids)
    if kind == "charge":
        return facts_sentences.charge_sentence(fact, source_ids)
    if kind == "detention":
        return facts_sentences.detention_sentence(fact, source_ids)
    if kind == "hearing":
        defendants = [person.name for person in fact.defendants.visible_to(user)]
        return facts_sentences.hearing_sentence(
            fact, source_ids, today=timezone.localdate(), defendants=defendants
        )
    return facts_sentences.sentence_step_sentence(fact, source_ids)


def letter_fact_append(
    *, letter: Letter, sentence: str, asking_signatories_again: bool = False
) -> None:
    """Add a sentence about a fact as a paragraph of its own at the end of the body (the
    editor without JavaScript)."""
    _append(letter, sentence, joiner="\n\n", confirm=asking_signatories_again)


# --- Comparing revisions ----------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    name: str
    changed: bool
    # (operation, text): "equal", "delete" (only in the older text), "insert" (only in the newer)
    segments: list[tuple[str, str]]


WORDS = re.compile(r"\S+|\s+")
# Past this many words on a side, the body is compared by lines (difflib's work grows with
# the product of both lengths; a letter is a few thousand words).
DIFF_WORDS_MAX = 20_000


def _segments(old: str, new: str) -> list[tuple[str, str]]:
    old_words, new_words = WORDS.findall(old), WORDS.findall(new)
    if max(len(old_words), len(new_words)) > DIFF_WORDS_MAX:
        old_words, new_words = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(old_words[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", "".join(old_words[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", "".join(new_words[j1:j2])))
    return segments


def text_compare(older: dict[str, str], newer: dict[str, str]) -> list[FieldDiff]:
    """Each text field of two versions of a letter, word by word."""
    diffs = []
    for name in REVISION_TEXT_FIELDS:
        old, new = older.get(name, ""), newer.get(name, "")
        diffs.append(
            FieldDiff(
                name=name,
                changed=old != new,
                segments=_segments(old, new) if old != new else [("equal", new)],
            )
        )
    return diffs


def revision_text(revision: LetterRevision) -> dict[str, str]:
    return {name: str(getattr(revision, name)) for name in REVISION_TEXT_FIELDS}


def revision_previous(revision: LetterRevision) -> LetterRevision | None:
    return (
        LetterRevision.objects.filter(letter_id=revision.letter_id, number__lt=revision.number)
        .order_by("-number")
        .first()
    )
