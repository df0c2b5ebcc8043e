"""Advocacy letters about a case: recipients, signatories, rendered PDFs and replies."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from casefiles.models import SUMMARY_MAX, Case
from letters.choices import (
    LetterheadChoice,
    LetterStatus,
    RecipientKind,
    RenderStatus,
    SignedVia,
    SigningStatus,
)
from people.fields import BoundedTextField, FactDateField
from people.history import HistoryAuthor
from people.models import ADDRESS_MAX, Organisation, Person, Position
from people.uploads import (
    IMAGE_EXTENSIONS,
    FileContentValidator,
    FileSizeValidator,
    ImagePixelsValidator,
    document_validators,
    signature_image_validators,
)
from people.visibility import AnyUser, GuardedQuerySet, visible_through

# A letter is a few pages; this is ten times the longest we have sent.
BODY_MAX = 50_000


class LetterQuerySet(GuardedQuerySet):
    """A letter is visible to a user who may see every case it concerns: one hidden case
    hides the whole letter (and with it its recipients, signatories, versions, replies and
    revisions, which are visible through it)."""

    def _visible(self, user: AnyUser) -> QuerySet:
        # Said through the cases hidden from the user (the restricted ones they are not
        # assigned to, found by the restricted-case index: usually none), not through the
        # visible ones, which PostgreSQL read and hashed, all of them, twice for each list.
        hidden = Case.objects.hidden_from(user).values("pk")
        concerning_hidden = LetterCase.objects.filter(case__in=hidden).values("letter")
        return self.exclude(case__in=hidden).exclude(pk__in=concerning_hidden)


class Letter(models.Model):
    # The main case: the one the letter was started from. It is always also in `cases`,
    # which holds every case the letter concerns (letters.services_cases changes them).
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    cases = models.ManyToManyField(
        Case,
        through="LetterCase",
        related_name="letters_concerning",
        help_text="Every case the letter concerns, the main case included.",
    )
    reference = models.CharField(
        max_length=40,
        unique=True,
        error_messages={"unique": "A letter with this reference exists."},
    )
    subject = models.CharField(max_length=300)
    show_subject = models.BooleanField(
        "print the subject line",
        default=True,
        help_text='Print "Subject: …" above the salutation.',
    )
    letterhead = models.CharField(
        max_length=12,
        choices=LetterheadChoice.choices,
        default=LetterheadChoice.NONE,
        help_text="Print the organisation's letterhead (admin → Letterhead) at the top.",
    )
    place = models.CharField(max_length=100, default="Brussels")
    dated_on = FactDateField(default=datetime.date.today)
    language = models.CharField(max_length=8, default="en")
    salutation = models.CharField(max_length=200, default="Your Excellency,")
    body = BoundedTextField(
        max_length=BODY_MAX,
        help_text="Markdown. Cite a source with [^src:ID]; it becomes a footnote with its URL.",
    )
    closing = models.CharField(max_length=200, default="Sincerely,")
    status = models.CharField(
        max_length=12, choices=LetterStatus.choices, default=LetterStatus.DRAFT
    )
    sent_on = FactDateField(null=True, blank=True)
    # Co-signature rules (letters.invitations): until when signatories are asked, and how
    # many signatures make the letter ready to be made final (empty: every one invited).
    signature_deadline = models.DateField(null=True, blank=True)
    signatures_required = models.PositiveSmallIntegerField(
        "minimum signatures", null=True, blank=True
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["-dated_on", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_on__isnull=True) | Q(sent_on__gte=F("dated_on")),
                name="letter_sent_not_before_dated",
                violation_error_message="A letter cannot be sent before the date it bears.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject}"

    def save(self, *args, **kwargs) -> None:
        # Also here, not only in clean(): no path — the back office, a shell, a service that
        # forgot — may change the text of a letter that is out for signature, final or sent.
        refuse_frozen_letter_change(self)
        super().save(*args, **kwargs)
        # Whoever saves a letter (a service, the back office, the demo), its main case is
        # one of the cases it concerns. A letter being restored gets its cases back with it
        # (people.deletion.record_restore), as they were.
        restoring = getattr(self, "_change_reason", None) == "restored"
        if (
            not restoring
            and not LetterCase.objects.filter(letter=self, case_id=self.case_id).exists()
        ):
            LetterCase.objects.create(letter=self, case_id=self.case_id)

    def get_absolute_url(self) -> str:
        return reverse("letters:detail", args=[self.pk])

    def clean(self) -> None:
        refuse_frozen_letter_change(self)

    @property
    def text_is_frozen(self) -> bool:
        """Out for signature, final or sent: the text is its latest revision's."""
        return self.status != LetterStatus.DRAFT

    def text_fields(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in REVISION_TEXT_FIELDS}


class LetterCase(models.Model):
    """One case a letter concerns. Written by letters.services_cases (and, for the main case,
    by Letter.save); recorded in history like every record."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letter_links")
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("letter")

    class Meta:
        verbose_name = "case of a letter"
        verbose_name_plural = "cases of letters"
        ordering = ["letter", "case__reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "case"],
                name="lettercase_once_per_letter",
                violation_error_message="The letter concerns this case already.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.letter.reference} concerns {self.case.reference}"

    def save(self, *args, **kwargs) -> None:
        # Refused on a frozen letter but for its main case (Letter.save adds it) and for a
        # link restored with its deleted letter (people.deletion.record_restore).
        main = Letter.objects.filter(pk=self.letter_id, case_id=self.case_id).exists()
        restoring = getattr(self, "_change_reason", None) == "restored"
        if not restoring and (self.pk is not None or not main):
            self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        # Deleting the letter deletes its links without this; one link alone never goes
        # while it is the main case (letters.services_cases moves the main case first).
        self._refuse_unless_draft()
        if Letter.objects.filter(pk=self.letter_id, case_id=self.case_id).exists():
            raise ValidationError(
                "This is the letter's main case; remove it on the letter page, which makes "
                "another case the main one."
            )
        return super().delete(*args, **kwargs)

    def _refuse_unless_draft(self) -> None:
        # Also here, not only in the service: no path changes the cases of a letter whose
        # text is out for signature, final or sent (its main case is always one of them).
        letter = Letter.objects.filter(pk=self.letter_id).only("reference", "status").first()
        if letter is not None and letter.text_is_frozen:
            raise ValidationError(
                f"Letter {letter.reference} is {letter.get_status_display().lower()}; "
                "the cases it concerns can no longer change."
            )


# What a revision freezes: everything printed in the letter's own words.
REVISION_TEXT_FIELDS = ("subject", "place", "dated_on", "language", "salutation", "body", "closing")
# The back office may additionally change nothing else on a final or sent letter but this.
_FINAL_CHANGEABLE = ("status", "sent_on", "finalised_at", "finalised_by")


def text_hash(text: dict[str, str]) -> str:
    """sha256 of a letter's text fields: two revisions with the same hash read the same."""
    return hashlib.sha256(json.dumps(text, sort_keys=True).encode()).hexdigest()


def refuse_frozen_letter_change(letter: Letter) -> None:
    """The one guard on a letter's text, whoever saves it.

    - A final or sent letter changes in nothing but final → sent and its date of sending;
      a correction is a new letter referring to this one.
    - A letter out for signature keeps its text: the letter page's edit starts a new revision
      (letters.services_revisions.letter_text_update), which first moves the letter back to
      draft and marks the signatures given as on an earlier text.
    - A letter out for signature goes back to draft only once no signature counts on it.
    """
    if letter.pk is None:
        return
    stored = Letter.objects.filter(pk=letter.pk).first()
    if stored is None:
        return
    what = f"Letter {stored.reference} is {stored.get_status_display().lower()}"
    if stored.status in (LetterStatus.FINAL, LetterStatus.SENT):
        changed = [
            field.name
            for field in letter._meta.concrete_fields
            if field.name not in _FINAL_CHANGEABLE
            and getattr(letter, field.attname) != getattr(stored, field.attname)
        ]
        back = letter.status not in (LetterStatus.FINAL, LetterStatus.SENT) or (
            stored.status == LetterStatus.SENT and letter.status != LetterStatus.SENT
        )
        if changed or back:
            raise ValidationError(
                f"{what} and can no longer be edited. To correct it, write a new letter "
                "referring to this one."
            )
        return
    if stored.status == LetterStatus.COLLECTING:
        if letter.text_fields() != stored.text_fields() or letter.case_id != stored.case_id:
            raise ValidationError(
                f"{what}: its text is frozen. Edit it on the letter page, which starts a new "
                "revision and asks the signatories again."
            )
        if (
            letter.status == LetterStatus.DRAFT
            and stored.signatories.filter(status=SigningStatus.SIGNED).exists()
        ):
            raise ValidationError(
                f"{what} and has signatures; it goes back to draft only through an edit on "
                "the letter page."
            )


class LetterRevision(models.Model):
    """A letter's text as it was sent out for signature. Never changes once written:
    signatures belong to one revision, and an edit afterwards makes the next one."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=300)
    place = models.CharField(max_length=100)
    dated_on = FactDateField()
    language = models.CharField(max_length=8)
    salutation = models.CharField(max_length=200)
    body = BoundedTextField(max_length=BODY_MAX)
    closing = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64, help_text="sha256 of the frozen text fields.")
    frozen_at = models.DateTimeField(default=timezone.now)
    frozen_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objects = visible_through("letter")
    # One row per revision (it never changes): who froze it and when, like every record.
    history = HistoricalRecords(bases=[HistoryAuthor])

    class Meta:
        ordering = ["letter", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "number"], name="letterrevision_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter.reference} revision {self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("A letter's revision never changes; edit the letter instead.")
        super().save(*args, **kwargs)


def require_letter_open(record: models.Model, what: str) -> None:
    """A final or sent letter's recipients and signatories stay as they were sent: adding or
    changing one is refused (checking an unchanged one is not a change)."""
    letter_id = getattr(record, "letter_id", None)
    if letter_id is None:
        return
    letter = Letter.objects.filter(pk=letter_id).only("reference", "status").first()
    if letter is None or letter.status not in (LetterStatus.FINAL, LetterStatus.SENT):
        return
    if record.pk is not None:
        names = [field.attname for field in record._meta.concrete_fields]
        stored = type(record)._default_manager.filter(pk=record.pk).values(*names).first()
        if stored == {name: getattr(record, name) for name in names}:
            return
    raise ValidationError(
        f"Letter {letter.reference} is {letter.get_status_display().lower()}; "
        f"its {what} can no longer change."
    )


class LetterRecipient(models.Model):
    """Who a letter goes to, with the address block exactly as it was sent."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(max_length=2, choices=RecipientKind.choices)
    position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="letters_received"
    )
    order = models.PositiveSmallIntegerField(default=0)
    title_line = models.CharField(
        max_length=300, help_text='The bold line: "The President of the Republic of Kazakhstan".'
    )
    address_block = BoundedTextField(
        max_length=ADDRESS_MAX,
        help_text="Honorific and name, address lines and emails, one per line, as sent.",
    )
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("letter")

    class Meta:
        ordering = ["letter", "kind", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter"],
                condition=Q(kind=RecipientKind.ADDRESSEE),
                name="letter_single_addressee",
                violation_error_message=(
                    "A letter has one addressee; add the others as copies (cc)."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title_line}"

    def clean(self) -> None:
        require_letter_open(self, "recipients")

    @property
    def address_lines(self) -> list[str]:
        return [line for line in self.address_block.splitlines() if line.strip()]


class LetterSignatory(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="signatories")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="letters_signed")
    position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)
    signs_as = models.CharField(
        max_length=300,
        help_text='The line under the name, as printed: "MEP (Renew Europe Group; Lithuania)".',
    )
    status = models.CharField(
        max_length=10, choices=SigningStatus.choices, default=SigningStatus.INVITED
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_via = models.CharField(max_length=10, choices=SignedVia.choices, blank=True)
    revision = models.ForeignKey(
        LetterRevision,
        null=True,
        blank=True,
        # RESTRICT, not PROTECT: deleting the letter deletes both together.
        on_delete=models.RESTRICT,
        related_name="signatures",
        help_text="The text they signed (empty for signatures recorded before revisions).",
    )
    signature_image = models.ImageField(
        upload_to="signatures/%Y/",
        blank=True,
        validators=signature_image_validators(),
        help_text="PNG or JPEG, at most 2 MB and 4000 pixels on a side.",
    )
    # Given on the personal link (letters.invitations): the name as typed, who signed (the
    # MEP when empty, else the office's capacity, "Head of office"), or why they declined.
    signed_name = models.CharField("name as signed", max_length=200, blank=True)
    signed_for_as = models.CharField("signed for the MEP as", max_length=200, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = BoundedTextField(max_length=2_000, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("letter")

    class Meta:
        verbose_name_plural = "letter signatories"
        ordering = ["letter", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "person"],
                name="signatory_once_per_letter",
                violation_error_message="This person already signs this letter.",
            ),
            models.CheckConstraint(
                condition=~Q(status=SigningStatus.SIGNED)
                | (Q(signed_at__isnull=False) & ~Q(signed_via="")),
                name="signatory_signed_has_when_and_how",
                violation_error_message="A signature needs the time it was given and how.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.signature_name} {self.signs_as}"

    def clean(self) -> None:
        require_letter_open(self, "signatories")


class LetterVersion(models.Model):
    """One rendered PDF of a letter. A done version's file never changes."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(
        max_length=64, help_text="sha256 of the HTML rendered; the same content is one version."
    )
    status = models.CharField(
        max_length=10, choices=RenderStatus.choices, default=RenderStatus.QUEUED
    )
    file = models.FileField(upload_to="letters/%Y/", blank=True)
    sha256 = models.CharField("SHA-256 of the PDF", max_length=64, blank=True)
    is_final = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    html = models.TextField(
        blank=True,
        help_text="The HTML rendered, kept so a version can be rendered again as it was.",
    )
    requested_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The render queue's bookkeeping (letters.services.letter_versions_requeue_stuck): when
    # the version last became queued or rendering, how many renders of it have started, and
    # which task message holds the current one — so a lost message or a killed worker is
    # noticed, and a version that keeps killing workers ends failed instead of looping.
    status_changed_at = models.DateTimeField(default=timezone.now)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    render_task_id = models.CharField(max_length=255, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("letter")

    class Meta:
        ordering = ["letter", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "number"], name="letterversion_unique_number"
            ),
            models.UniqueConstraint(
                fields=["letter", "content_hash"], name="letterversion_unique_content"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter.reference} v{self.number} ({self.get_status_display()})"


class Reply(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="replies")
    received_on = FactDateField()
    from_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = BoundedTextField(max_length=SUMMARY_MAX)
    file = models.FileField(
        upload_to="replies/%Y/",
        blank=True,
        validators=document_validators(),
        help_text="PDF, image, text, Word/OpenDocument or saved email.",
    )
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("letter")

    class Meta:
        verbose_name_plural = "replies"
        ordering = ["letter", "received_on"]

    def __str__(self) -> str:
        return f"Reply to {self.letter.reference} of {self.received_on:%d %b %Y}"


# A logo is printed a few centimetres wide at the top of every letter that asks for it.
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 2000


class Letterhead(models.Model):
    """The organisation's letterhead, set by an Administrator: one row (the admin adds no
    second). Letters print it when their ``letterhead`` is "organisation"."""

    name = models.CharField(max_length=200, help_text="The organisation's name, as printed.")
    address = BoundedTextField(
        max_length=1_000, blank=True, help_text="Address lines, one per line, as printed."
    )
    logo = models.ImageField(
        upload_to="letterhead/",
        blank=True,
        validators=[
            FileExtensionValidator(IMAGE_EXTENSIONS),
            FileSizeValidator(LOGO_MAX_BYTES),
            FileContentValidator(),
            ImagePixelsValidator(LOGO_MAX_PIXELS),
        ],
        help_text="PNG or JPEG, at most 1 MB and 2000 pixels on a side.",
    )
    history = HistoricalRecords(bases=[HistoryAuthor])

    def __str__(self) -> str:
        return self.name

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]


class LetterTemplate(models.Model):
    """A starting point for letters: subject, salutation, body and closing.

    Each is written in the letter template language (letters.templating, docs/letters.md):
    Markdown with ``{{ prisoner.title_name }}``, ``{% for charge in charges %}`` and
    ``{{ charge|cite }}``, written out over the case's facts when a letter is created;
    staff then edit the letter freely.
    """

    name = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=300, blank=True)
    salutation = models.CharField(max_length=200, default="Your Excellency,")
    body = BoundedTextField(
        max_length=BODY_MAX,
        help_text="Markdown in the letter template language, e.g. {{ prisoner.title_name }}.",
    )
    closing = models.CharField(max_length=200, default="Sincerely,")
    history = HistoricalRecords(bases=[HistoryAuthor])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Invitations to sign and each signatory's events (letters.invitations).
from letters.models_invitations import SignatoryEvent, SignatureInvitation  # noqa: E402, F401
from letters.models_sending import Delivery  # noqa: E402, F401
