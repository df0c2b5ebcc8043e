"""Reads on letters that several views share: the list, its counts, the recipients in order."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from casefiles.models import Case
from letters.choices import LetterStatus, RecipientKind, SigningStatus
from letters.models import Letter, LetterCase, LetterRecipient, LetterSignatory

OPEN = (LetterStatus.DRAFT, LetterStatus.COLLECTING)


def _waiting(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    """Open letters with at least one signatory who has neither signed the text as it stands
    nor declined (one who signed an earlier text is asked again)."""
    invited = LetterSignatory.objects.filter(
        letter=OuterRef("pk"), status__in=(SigningStatus.INVITED, SigningStatus.EARLIER)
    )
    return letters.filter(status__in=OPEN).filter(Exists(invited))


def letters_matching(letters: QuerySet[Letter], query: str) -> QuerySet[Letter]:
    """Letters whose reference, subject or a recipient's title line or address matches."""
    recipients = LetterRecipient.objects.filter(letter=OuterRef("pk")).filter(
        Q(title_line__icontains=query) | Q(address_block__icontains=query)
    )
    return letters.filter(
        Q(reference__icontains=query) | Q(subject__icontains=query) | Exists(recipients)
    )


def letters_found(user, query: str) -> QuerySet[Letter]:
    """The letters /search/ shows: those the user may see whose reference, subject or
    recipient matches."""
    query = query.replace("\x00", "")  # PostgreSQL refuses NUL characters
    if not user.has_perm("letters.view_letter") or not query.strip():
        return Letter.objects.none()
    found = letters_matching(Letter.objects.visible_to(user), query)
    return with_cases(found).order_by("-dated_on", "reference")


def with_cases(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    """Letters with their main case and every case they concern (`all_cases`, the main case
    first), in two more queries whatever the number of letters."""
    links = LetterCase.objects.select_related("case").order_by("case__reference")
    return letters.select_related("case").prefetch_related(
        Prefetch("case_links", queryset=links, to_attr="all_case_links")
    )


def letter_cases(letter: Letter) -> list[Case]:
    """A letter's cases, the main case first; from `with_cases` when it was used."""
    links = getattr(letter, "all_case_links", None)
    if links is None:
        links = LetterCase.objects.filter(letter=letter).select_related("case")
    cases = sorted((link.case for link in links), key=lambda case: case.reference)
    if letter.case_id not in {case.pk for case in cases}:
        cases.append(letter.case)  # only for a letter restored from before its cases
    return sorted(cases, key=lambda case: case.pk != letter.case_id)


def letters_for_list(
    letters: QuerySet[Letter],
    *,
    status: str = "",
    case_pk: int | None = None,
    case_text: str = "",
    cases: QuerySet | None = None,
    query: str = "",
    recipient: str = "",
    signatory: str = "",
    waiting: bool = False,
) -> QuerySet[Letter]:
    """The list page's rows, each once, with its cases, addressee and signature counts, in
    a fixed number of queries whatever the number of rows. `case_pk` matches any case the
    letter concerns; `case_text` the reference or title of any of them among `cases` (those
    the user may see); `recipient` a recipient's title line or address; `signatory` a
    signatory's name (Latin or original script); `waiting` keeps the open letters still
    waiting for a signature."""
    if status:
        letters = letters.filter(status=status)
    if case_pk is not None:
        letters = letters.filter(
            Exists(LetterCase.objects.filter(letter=OuterRef("pk"), case_id=case_pk))
        )
    if case_text:
        if cases is None:
            raise ValueError("case_text needs the cases the user may see")
        named = LetterCase.objects.filter(letter=OuterRef("pk"), case__in=cases).filter(
            Q(case__reference__icontains=case_text) | Q(case__title__icontains=case_text)
        )
        letters = letters.filter(Exists(named))
    if query:
        letters = letters_matching(letters, query)
    if recipient:
        recipients = LetterRecipient.objects.filter(letter=OuterRef("pk")).filter(
            Q(title_line__icontains=recipient) | Q(address_block__icontains=recipient)
        )
        letters = letters.filter(Exists(recipients))
    if signatory:
        signers = LetterSignatory.objects.filter(letter=OuterRef("pk"))
        for word in signatory.split():
            signers = signers.filter(
                Q(person__given_name__icontains=word)
                | Q(person__family_name__icontains=word)
                | Q(person__name_original__icontains=word)
            )
        letters = letters.filter(Exists(signers))
    if waiting:
        letters = _waiting(letters)
    addressee = LetterRecipient.objects.filter(
        letter=OuterRef("pk"), kind=RecipientKind.ADDRESSEE
    ).values("title_line")[:1]
    return (
        with_cases(letters)
        .annotate(
            addressee=Subquery(addressee),
            signatory_count=Count("signatories", distinct=True),
            signed_count=Count(
                "signatories",
                filter=Q(signatories__status=SigningStatus.SIGNED),
                distinct=True,
            ),
        )
        .order_by("-dated_on", "reference")
    )


@dataclass(frozen=True)
class LettersAtAGlance:
    waiting_for_signatures: int
    ready_to_send: int


def letters_at_a_glance(letters: QuerySet[Letter]) -> LettersAtAGlance:
    """How many open letters still wait for a signature; how many are final but not sent."""
    return LettersAtAGlance(
        waiting_for_signatures=_waiting(letters).count(),
        ready_to_send=letters.filter(status=LetterStatus.FINAL).count(),
    )


def letters_waiting_for_signatures(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    return _waiting(letters)


def recipients_in_order(letter: Letter) -> list[LetterRecipient]:
    """Addressee first, then the copies in their order; each knows whether it is the first
    or last of its kind (the page offers no move past either end)."""
    recipients = sorted(
        letter.recipients.all(),
        key=lambda r: (r.kind != RecipientKind.ADDRESSEE, r.order, r.pk),
    )
    for index, recipient in enumerate(recipients):
        before = recipients[index - 1] if index else None
        after = recipients[index + 1] if index + 1 < len(recipients) else None
        # Read by the page template only (letters/_recipients_card.html).
        recipient.first_of_kind = before is None or before.kind != recipient.kind  # type: ignore[attr-defined]
        recipient.last_of_kind = after is None or after.kind != recipient.kind  # type: ignore[attr-defined]
    return recipients
