"""Charges and verdicts: bringing charges (citing an article, created in place when the code's
article is not on file yet), correcting a charge, and recording a verdict on some of a
person's charges with the sentence it imposed.

Charge.clean() holds the rules (a party to the case, an article of the case's country, a
decision not before the charge), so the back office refuses the same input.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from casefiles import services
from casefiles.choices import DECIDED_CHARGE_STATUSES, ChargeStatus, SentenceStepKind
from casefiles.models import Article, Case, Charge, SentenceStep
from people.dates import DatePrecision
from people.models import Organisation, Person

# An article's own fields, as the charge forms name them.
_ARTICLE_FIELDS = {
    "number": "article_number",
    "part": "article_part",
    "title": "article_title",
    "jurisdiction": "article",
    "code": "article",
    NON_FIELD_ERRORS: "article",
}


@dataclass(frozen=True)
class ChargeDraft:
    """One charge as a form gives it: a picked article, or a new one typed in place, or
    only a description when the article is not known."""

    article: Article | None = None
    article_number: str = ""
    article_part: str = ""
    article_title: str = ""
    description: str = ""
    brought_on: datetime.date | None = None
    brought_on_precision: str = DatePrecision.DAY
    status: str = ChargeStatus.CHARGED
    decided_on: datetime.date | None = None
    decided_on_precision: str = DatePrecision.DAY
    # The form's row this charge came from (the New case page's charges-<row>-…), for errors.
    row: int | None = None

    @property
    def types_article(self) -> bool:
        return bool(self.article_number or self.article_part or self.article_title)


def _renamed(error: ValidationError, names: dict[str, str]) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {names.get(NON_FIELD_ERRORS, NON_FIELD_ERRORS): error.messages}
    renamed: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        renamed.setdefault(names.get(field, field), []).extend(messages)
    return renamed


def article_get_or_create(*, country: str, number: str, part: str = "", title: str) -> Article:
    """The article of `country`'s criminal code with this number and part; created with the
    given wording when it is not on file. An article on file keeps its own wording."""
    number, part, title = number.strip(), part.strip(), title.strip()
    found = Article.objects.filter(
        jurisdiction=country,
        code=Article._meta.get_field("code").get_default(),
        number=number,
        part=part,
    ).first()
    if found is not None and number:
        return found
    article = Article(jurisdiction=country, number=number, part=part, title=title)
    article.full_clean()
    article.save()
    return article


def _charge_article(case: Case, draft: ChargeDraft) -> Article | None:
    if draft.article is not None and draft.types_article:
        raise ValidationError({"article": "Pick an article or type a new one, not both."})
    if draft.article is not None or not draft.types_article:
        return draft.article
    try:
        return article_get_or_create(
            country=case.country,
            number=draft.article_number,
            part=draft.article_part,
            title=draft.article_title,
        )
    except ValidationError as error:
        raise ValidationError(_renamed(error, _ARTICLE_FIELDS)) from None


def _charge_write(charge: Charge, draft: ChargeDraft) -> Charge:
    """Fill `charge` from the draft, validate it whole and save it."""
    charge.article = _charge_article(charge.case, draft)
    charge.description = draft.description
    charge.brought_on = draft.brought_on
    charge.brought_on_precision = draft.brought_on_precision or DatePrecision.DAY
    charge.status = draft.status
    charge.decided_on = draft.decided_on
    charge.decided_on_precision = draft.decided_on_precision or DatePrecision.DAY
    try:
        charge.full_clean()
    except ValidationError as error:
        # "Give the article or describe the charge" belongs next to the article.
        raise ValidationError(_renamed(error, {NON_FIELD_ERRORS: "article"})) from None
    charge.save()
    return charge


@transaction.atomic
def charges_bring(
    *,
    case: Case,
    person: Person,
    charges: Sequence[ChargeDraft],
    prefix: str = "",
) -> list[Charge]:
    """Bring one or several charges against a person in a case. Every charge is checked;
    any refusal writes nothing (articles typed in place included).

    With a `prefix`, each charge's errors are keyed `<prefix><n>-<field>` (n from 0), as
    the New case page names its charge rows; without, by the field alone."""
    errors: dict[str, list[str]] = {}
    brought: list[Charge] = []
    for index, draft in enumerate(charges):
        try:
            brought.append(_charge_write(Charge(case=case, person=person), draft))
        except ValidationError as error:
            for field, messages in _renamed(error, {}).items():
                row = index if draft.row is None else draft.row
                key = f"{prefix}{row}-{field}" if prefix else field
                errors.setdefault(key, []).extend(messages)
    if errors:
        # Raised out of the atomic block: the charges and articles written above roll back.
        raise ValidationError(errors)
    return brought


@transaction.atomic
def charge_update(*, charge: Charge, person: Person, draft: ChargeDraft) -> Charge:
    """Correct a charge: its person, article, description, dates and status."""
    charge.person = person
    return _charge_write(charge, draft)


# --- Verdicts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    charges: list[Charge]
    sentence_step: SentenceStep | None


@transaction.atomic
def verdict_record(
    *,
    case: Case,
    person: Person,
    charges: Iterable[Charge],
    outcome: str,
    decided_on: datetime.date,
    decided_on_precision: str = DatePrecision.DAY,
    court: Organisation | None = None,
    sentence_kind: str = "",
    sentence_months: int | None = None,
    counts_time_held: bool = False,
) -> Verdict:
    """Decide some of a person's charges in a case on one day. A conviction with a sentence
    also records the sentence imposed, as the first step of the person's sentence chain.

    Errors are keyed by the verdict form's fields; the sentence step's by its own (months,
    occurred_on, …), which the form maps to its own names."""
    charges = list(charges)
    errors: dict[str, list[str]] = {}
    if not charges:
        errors["charges"] = ["Tick the charges the verdict decides."]
    elsewhere = [c for c in charges if c.case_id != case.pk or c.person_id != person.pk]
    if elsewhere:
        errors["charges"] = [
            f"Only {person.name}'s charges in case {case.reference} can be decided here."
        ]
    if outcome not in DECIDED_CHARGE_STATUSES:
        errors["outcome"] = ["Choose the outcome: convicted, acquitted or dropped."]
    sentenced = bool(sentence_kind or sentence_months)
    if sentenced and outcome != ChargeStatus.CONVICTED:
        errors["sentence_kind"] = ["Only a conviction carries a sentence."]
    if errors:
        raise ValidationError(errors)
    for charge in charges:
        charge.status = outcome
        charge.decided_on = decided_on
        charge.decided_on_precision = decided_on_precision
        try:
            charge.full_clean()
        except ValidationError as error:
            for field, messages in _renamed(error, {}).items():
                for message in messages:
                    text = f"{charge.offence}: {message}"
                    if text not in errors.get(field, []):
                        errors.setdefault(field, []).append(text)
    if errors:
        raise ValidationError(errors)
    for charge in charges:
        charge.save()
    step = None
    if sentenced:
        articles = {charge.article_id for charge in charges}
        step = services.sentence_step_log(
            case=case,
            person=person,
            kind=SentenceStepKind.IMPOSED,
            occurred_on=decided_on,
            precision=decided_on_precision,
            sentence_kind=sentence_kind,
            months=sentence_months,
            # The step names an article only when the verdict was on one.
            article=charges[0].article if len(articles) == 1 else None,
            court=court,
            counts_time_held=counts_time_held,
        )
    return Verdict(charges=charges, sentence_step=step)
