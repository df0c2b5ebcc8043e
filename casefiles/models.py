"""Cases and the facts recorded in them: parties, charges, detentions, hearings, events, sources."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django_countries import countries
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from casefiles.choices import (
    CUSTODIAL_MEASURES,
    DECIDED_CHARGE_STATUSES,
    SENTENCE_STEPS_WITH_LENGTH,
    CaseStatus,
    ChargeStatus,
    DetentionMeasure,
    EventKind,
    HearingKind,
    ParticipantRole,
    PartyRole,
    SentenceKind,
    SentenceStepKind,
    TermUnit,
)
from casefiles.visibility import CaseQuerySet, SourceQuerySet
from people.dates import DatePrecision, format_partial_date, is_before, truncate_to_precision
from people.fields import BoundedTextField, FactDateField, WebURLField
from people.history import HistoryAuthor
from people.models import NOTES_MAX, Organisation, Person
from people.uploads import document_validators
from people.visibility import VisibleThroughQuerySet, visible_through

SUMMARY_MAX = 20_000
DESCRIPTION_MAX = 20_000


def _person_or_organisation() -> Q:
    """Exactly one of person and organisation is set."""
    return Q(person__isnull=False, organisation__isnull=True) | Q(
        person__isnull=True, organisation__isnull=False
    )


class Source(models.Model):
    url = WebURLField("URL", max_length=1000, blank=True)
    file = models.FileField(
        upload_to="sources/%Y/",
        blank=True,
        validators=document_validators(),
        help_text="PDF, image, text, Word/OpenDocument or saved email.",
    )
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=300, blank=True)
    published_on = FactDateField(null=True, blank=True)
    accessed_on = FactDateField(null=True, blank=True)
    notes = BoundedTextField(max_length=NOTES_MAX, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(file=""),
                name="source_has_url_or_file",
                violation_error_message="A source needs a URL or an uploaded file.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def link(self) -> str:
        """Where to read the source: its URL, or our login-protected download of its file."""
        if self.url:
            return self.url
        return reverse("staff:source_file", args=[self.pk]) if self.file else ""


class Case(models.Model):
    reference = models.CharField(
        max_length=40, unique=True, error_messages={"unique": "A case with this reference exists."}
    )
    title = models.CharField(max_length=300)
    country = CountryField(help_text="Whose law applies: charges must cite this country's code.")
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    summary = BoundedTextField(max_length=SUMMARY_MAX, blank=True)
    opened_on = FactDateField(default=datetime.date.today)
    assigned_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_cases"
    )
    restricted = models.BooleanField(
        default=False,
        help_text="Only the assigned staff (and Administrators) can see a restricted case, "
        "its facts and its letters.",
    )
    history = HistoricalRecords(bases=[HistoryAuthor], m2m_fields=[assigned_staff])
    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "reference"]
        permissions = [
            ("view_restricted_case", "Can see restricted cases without being assigned to them")
        ]
        indexes = [
            # The few restricted cases, found without reading the rest: every visibility
            # test of persons, organisations and sources starts from them.
            models.Index(
                fields=["id"], condition=models.Q(restricted=True), name="case_restricted_idx"
            ),
            # The case list's order, alone and after its commonest filters: a page is read
            # from the index instead of sorting every case.
            models.Index(fields=["-opened_on", "reference"], name="case_list_order_idx"),
            models.Index(
                fields=["country", "-opened_on", "reference"], name="case_country_order_idx"
            ),
            models.Index(
                fields=["status", "-opened_on", "reference"], name="case_status_order_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("admin:casefiles_case_change", args=[self.pk])


class CaseParty(models.Model):
    """A person or an organisation and the part they play in a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="case_parties"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="case_parties"
    )
    role = models.CharField(max_length=20, choices=PartyRole.choices)
    notes = models.CharField(max_length=400, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("case")

    class Meta:
        verbose_name_plural = "case parties"
        ordering = ["case", "role"]
        constraints = [
            models.CheckConstraint(
                condition=_person_or_organisation(),
                name="caseparty_person_xor_organisation",
                violation_error_message="Choose either a person or an organisation, not both.",
            ),
            models.UniqueConstraint(
                fields=["case", "person", "role"],
                condition=Q(person__isnull=False),
                name="caseparty_unique_person_role",
                violation_error_message="This person already has this role in the case.",
            ),
            models.UniqueConstraint(
                fields=["case", "organisation", "role"],
                condition=Q(organisation__isnull=False),
                name="caseparty_unique_organisation_role",
                violation_error_message="This organisation already has this role in the case.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.organisation} — {self.get_role_display()}"


class Article(models.Model):
    """An article (and part) of a criminal or administrative code, titled as worded."""

    jurisdiction = CountryField()
    code = models.CharField(max_length=100, default="Criminal Code")
    code_abbreviation = models.CharField(max_length=20, default="CC")
    number = models.CharField("article", max_length=20)
    part = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=500, help_text="The offence as worded in the code.")
    valid_from = models.DateField(null=True, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor])

    class Meta:
        ordering = ["jurisdiction", "code", "number", "part"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "code", "number", "part"],
                name="article_unique",
                violation_error_message="This article and part of this code is already recorded.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.citation} — {self.title}"

    @property
    def citation(self) -> str:
        """'Art. 262, Part 2 of the CC' as letters cite it."""
        part = f", Part {self.part}" if self.part else ""
        return f"Art. {self.number}{part} of the {self.code_abbreviation}"


class Charge(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="charges")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="charges")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    description = models.CharField(
        max_length=500, blank=True, help_text="When the article is not known, what the charge is."
    )
    brought_on = FactDateField(null=True, blank=True)
    brought_on_precision = models.CharField(
        "charge date known to",
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    status = models.CharField(
        max_length=14, choices=ChargeStatus.choices, default=ChargeStatus.CHARGED
    )
    decided_on = FactDateField(null=True, blank=True)
    decided_on_precision = models.CharField(
        "decision date known to",
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    # No sentence here: a sentence is the person's in the case (SentenceStep), whichever
    # charges it was imposed on.
    sources = models.ManyToManyField(Source, blank=True, related_name="charges")
    notes = BoundedTextField(max_length=NOTES_MAX, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor], m2m_fields=[sources])
    objects = visible_through("case")

    class Meta:
        ordering = ["case", "person", "brought_on"]
        constraints = [
            # A decision known only to the month or year is stored as its first day, which
            # may precede a charge brought later that month; clean() compares those by what
            # both dates know.
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True)
                | Q(brought_on__isnull=True)
                | Q(decided_on__gte=F("brought_on"))
                | ~Q(decided_on_precision=DatePrecision.DAY),
                name="charge_decided_not_before_brought",
                violation_error_message="A charge cannot be decided before it is brought.",
            ),
            models.CheckConstraint(
                condition=Q(article__isnull=False) | ~Q(description=""),
                name="charge_has_article_or_description",
                violation_error_message="Give the article of the code or describe the charge.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.offence}"

    @property
    def offence(self) -> str:
        return self.article.citation if self.article else self.description

    @property
    def brought_on_display(self) -> str:
        return format_partial_date(self.brought_on, self.brought_on_precision)

    @property
    def decided_on_display(self) -> str:
        return format_partial_date(self.decided_on, self.decided_on_precision)

    def clean(self) -> None:
        if self.brought_on:
            self.brought_on = truncate_to_precision(self.brought_on, self.brought_on_precision)
        if self.decided_on:
            self.decided_on = truncate_to_precision(self.decided_on, self.decided_on_precision)
        errors: dict[str, str] = {}
        # Here rather than in a form, so the back office and every loader obey it too; with
        # the other refusals, so that one page shows them all.
        if self.case_id and self.person_id:
            try:
                require_parties(self.case, [self.person], "person")
            except ValidationError as error:
                errors["person"] = error.message_dict["person"][0]
        article = self.article if self.article_id else None
        if article is not None and self.case_id and article.jurisdiction != self.case.country:
            code_country = countries.name(article.jurisdiction)
            errors["article"] = (
                f"{article.citation} belongs to the code of {code_country}, "
                f"but this case is under the law of {countries.name(self.case.country)}."
            )
        if self.status in DECIDED_CHARGE_STATUSES and not self.decided_on:
            errors["decided_on"] = (
                f"Give the date on which the charge was {self.get_status_display().lower()}."
            )
        elif (
            self.decided_on
            and self.brought_on
            and is_before(
                self.decided_on,
                self.decided_on_precision,
                self.brought_on,
                self.brought_on_precision,
            )
        ):
            errors["decided_on"] = (
                "A charge cannot be decided before it is brought. "
                f"Decided {self.decided_on_display}, charged {self.brought_on_display}."
            )
        if errors:
            raise ValidationError(errors)


class DetentionQuerySet(VisibleThroughQuerySet):
    """The one home of "detained now" and of "extension hearing recorded"."""

    through = ("case",)

    def custodial_on(self, day: datetime.date) -> DetentionQuerySet:
        """Custodial measures running on `day`: started, and not ended before it."""
        return self.filter(measure__in=CUSTODIAL_MEASURES, started_on__lte=day).exclude(
            actual_end__lt=day
        )

    def with_extension_recorded(self) -> DetentionQuerySet:
        """Each detention with `extension_recorded`: whether a hearing on extending the
        detention was held in its case since it started."""
        return self.annotate(
            extension_recorded=Exists(
                Hearing.objects.filter(
                    case=OuterRef("case"),
                    kind=HearingKind.EXTENSION,
                    held_on__gte=OuterRef("started_on"),
                )
            )
        )


def require_parties(case: Case, persons, field: str) -> None:
    """Facts about a person in a case need the person to be a party to it."""
    party_ids = set(case.parties.filter(person__isnull=False).values_list("person_id", flat=True))
    outsiders = [person for person in persons if person.pk not in party_ids]
    if outsiders:
        names = ", ".join(person.name for person in outsiders)
        verb = "is" if len(outsiders) == 1 else "are"
        raise ValidationError(
            {
                field: f"{names} {verb} not a party to case {case.reference}; "
                "add them to the case first."
            }
        )


class Detention(models.Model):
    """A measure of restraint: from its start, for an ordered term, to its actual end."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="detentions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="detentions")
    measure = models.CharField(max_length=16, choices=DetentionMeasure.choices)
    started_on = FactDateField()
    started_on_precision = models.CharField(
        "start known to", max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    # No court orders more than 100 years, in any unit (see services.TERM_LONGEST).
    term_length = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(36_600)]
    )
    term_unit = models.CharField(max_length=8, choices=TermUnit.choices, blank=True)
    planned_end = FactDateField(
        null=True, blank=True, help_text="When the ordered term runs out unless extended."
    )
    actual_end = FactDateField(null=True, blank=True)
    facility = models.CharField(max_length=300, blank=True)
    ordered_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="detentions")
    notes = BoundedTextField(max_length=NOTES_MAX, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor], m2m_fields=[sources])
    objects = DetentionQuerySet.as_manager()

    class Meta:
        ordering = ["case", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_end__gte=F("started_on")),
                name="detention_planned_end_not_before_start",
                violation_error_message="The planned end cannot be before the detention starts.",
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_end__gte=F("started_on")),
                name="detention_actual_end_not_before_start",
                violation_error_message="The detention cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=(Q(term_length__isnull=True) & Q(term_unit=""))
                | (Q(term_length__isnull=False) & ~Q(term_unit="")),
                name="detention_term_has_unit",
                violation_error_message="Give the ordered term as a number with its unit.",
            ),
        ]
        indexes = [
            # The dashboard's terms ending soonest (selectors.term_ending), read in order.
            models.Index(
                fields=["planned_end", "id"],
                condition=Q(actual_end__isnull=True, planned_end__isnull=False),
                name="detention_term_ending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} of {self.person} from {self.started_on_display}"

    @property
    def started_on_display(self) -> str:
        return format_partial_date(self.started_on, self.started_on_precision)

    @property
    def term_display(self) -> str:
        if not self.term_length:
            return ""
        unit = self.get_term_unit_display()
        if self.term_length == 1:
            unit = unit.rstrip("s")
        return f"{self.term_length} {unit}"

    def clean(self) -> None:
        # Here rather than in a form, so the back office and every loader obey it too.
        if self.case_id and self.person_id:
            require_parties(self.case, [self.person], "person")
        if self.started_on:
            self.started_on = truncate_to_precision(self.started_on, self.started_on_precision)
        errors: dict[str, str] = {}
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        if self.started_on and self.started_on > tomorrow:
            errors["started_on"] = "A detention that has not started yet cannot be logged."
        # The constraints hold the same rules in the database; here they get a message on
        # the field, in every form (the back office too).
        if self.started_on and self.actual_end and self.actual_end < self.started_on:
            errors["actual_end"] = (
                f"The detention cannot end ({format_partial_date(self.actual_end)}) before it "
                f"starts ({self.started_on_display})."
            )
        if self.started_on and self.planned_end and self.planned_end < self.started_on:
            errors["planned_end"] = "The planned end cannot be before the detention starts."
        if errors:
            raise ValidationError(errors)


class Hearing(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    held_on = FactDateField()
    starts_at = models.TimeField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=HearingKind.choices)
    court = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="hearings"
    )
    judge = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="hearings_judged"
    )
    defendants = models.ManyToManyField(Person, blank=True, related_name="hearings")
    outcome = BoundedTextField(max_length=NOTES_MAX, blank=True)
    postponed = models.BooleanField(
        default=False, help_text="The hearing did not take place on this date."
    )
    postponed_to = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postponed_from",
        help_text="The hearing it was postponed to, when its date is known.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="hearings")
    history = HistoricalRecords(bases=[HistoryAuthor], m2m_fields=[defendants, sources])
    objects = visible_through("case")

    class Meta:
        ordering = ["case", "held_on"]
        indexes = [
            # The dashboard's hearings soonest, read in order.
            models.Index(fields=["held_on", "starts_at", "id"], name="hearing_upcoming_idx"),
            # Whether an extension hearing followed a detention (with_extension_recorded).
            models.Index(
                fields=["case", "held_on"],
                condition=Q(kind=HearingKind.EXTENSION),
                name="hearing_extension_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} hearing on {self.held_on:%d %b %Y}"


class Event(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    occurred_on = FactDateField()
    precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    title = models.CharField(max_length=300)
    description = BoundedTextField(max_length=DESCRIPTION_MAX, blank=True)
    place = models.CharField(max_length=200, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="events")
    history = HistoricalRecords(bases=[HistoryAuthor], m2m_fields=[sources])
    objects = visible_through("case")

    class Meta:
        ordering = ["case", "occurred_on"]

    def __str__(self) -> str:
        return f"{self.date_display}: {self.title}"

    @property
    def date_display(self) -> str:
        return format_partial_date(self.occurred_on, self.precision)

    def clean(self) -> None:
        # Here rather than in a form, so the back office and every loader obey it too.
        if self.occurred_on:
            self.occurred_on = truncate_to_precision(self.occurred_on, self.precision)
        if self.pk and self.occurred_on:
            # A new date must not put the event before a participant was born.
            for participant in self.participants.select_related("person"):
                error = participant.born_after(self)
                if error:
                    raise ValidationError({"occurred_on": error})


class EventParticipant(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="event_roles"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="event_roles"
    )
    role = models.CharField(max_length=12, choices=ParticipantRole.choices)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("event")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_person_or_organisation(),
                name="eventparticipant_person_xor_organisation",
                violation_error_message="Choose either a person or an organisation, not both.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person or self.organisation} ({self.get_role_display()})"

    def born_after(self, event: Event) -> str:
        """Why `event` cannot involve this participant: it is certainly before their birth
        (comparing only what both dates know), or "" when it may."""
        person = self.person if self.person_id else None
        if person is None or person.birth_date is None or event.occurred_on is None:
            return ""
        if not is_before(
            event.occurred_on, event.precision, person.birth_date, person.birth_date_precision
        ):
            return ""
        return (
            f"{person.name} was born {person.birth_date_display}, after this event "
            f"({event.date_display})."
        )

    def clean(self) -> None:
        try:
            # Set but unsaved too: the back office's inline under a new event.
            event = self.event
        except Event.DoesNotExist:
            return
        if self.person_id:
            error = self.born_after(event)
            if error:
                raise ValidationError({"person": error})


# The longest sentence or change to one we accept: 100 years (life is not a length).
SENTENCE_MONTHS_MAX = 1200


class SentenceStep(models.Model):
    """One dated step of a person's sentence in a case: imposed, increased, reduced,
    overturned or served. casefiles/sentences.py computes the current total from the chain."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sentence_steps")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sentence_steps")
    kind = models.CharField(max_length=12, choices=SentenceStepKind.choices)
    occurred_on = FactDateField("date")
    precision = models.CharField(
        "date known to", max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    sentence_kind = models.CharField(
        max_length=20,
        choices=SentenceKind.choices,
        blank=True,
        help_text="For an imposed sentence: imprisonment, probation, a fine, …",
    )
    months = models.PositiveIntegerField(
        "length in months",
        null=True,
        blank=True,
        validators=[MaxValueValidator(SENTENCE_MONTHS_MAX)],
        help_text="The sentence imposed, or by how much it was increased or reduced.",
    )
    reason = models.CharField(
        max_length=200, blank=True, help_text="E.g. appeal, amnesty, pardon, contempt of court."
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.PROTECT, related_name="sentence_steps"
    )
    court = models.ForeignKey(
        Organisation,
        verbose_name="court or authority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sentence_steps",
    )
    counts_time_held = models.BooleanField(
        "counts time already held",
        default=False,
        help_text="The sentence runs from the start of custody, not from this date.",
    )
    scheduled_release_on = FactDateField(null=True, blank=True)
    scheduled_release_precision = models.CharField(
        "release date known to",
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="sentence_steps")
    notes = BoundedTextField(max_length=NOTES_MAX, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor], m2m_fields=[sources])
    objects = visible_through("case")

    class Meta:
        ordering = ["case", "person", "occurred_on", "pk"]

    def __str__(self) -> str:
        return f"{self.person}: sentence {self.get_kind_display().lower()} {self.date_display}"

    @property
    def date_display(self) -> str:
        return format_partial_date(self.occurred_on, self.precision)

    @property
    def scheduled_release_display(self) -> str:
        if self.scheduled_release_on is None:
            return ""
        return format_partial_date(self.scheduled_release_on, self.scheduled_release_precision)

    def clean(self) -> None:
        # Here rather than in a form, so the back office and every loader obey it too.
        if self.case_id and self.person_id:
            require_parties(self.case, [self.person], "person")
        if self.occurred_on:
            self.occurred_on = truncate_to_precision(self.occurred_on, self.precision)
        if self.scheduled_release_on:
            self.scheduled_release_on = truncate_to_precision(
                self.scheduled_release_on, self.scheduled_release_precision
            )
        errors: dict[str, str] = {}
        kind_label = self.get_kind_display().lower()
        if self.kind in SENTENCE_STEPS_WITH_LENGTH:
            if self.months is None:
                errors["months"] = (
                    "Give the length of the sentence."
                    if self.kind == SentenceStepKind.IMPOSED
                    else f"Give by how much the sentence was {kind_label}."
                )
            elif self.months == 0:
                errors["months"] = "The length must be at least one month."
        elif self.months is not None:
            errors["months"] = f"A sentence {kind_label} has no length; leave it empty."
        if self.kind == SentenceStepKind.IMPOSED and not self.sentence_kind:
            errors["sentence_kind"] = "Give the kind of sentence imposed."
        elif self.kind and self.kind != SentenceStepKind.IMPOSED and self.sentence_kind:
            errors["sentence_kind"] = "Only the imposed sentence names its kind."
        article = self.article if self.article_id else None
        if article is not None and self.case_id and article.jurisdiction != self.case.country:
            code_country = countries.name(article.jurisdiction)
            errors["article"] = (
                f"{article.citation} belongs to the code of {code_country}, "
                f"but this case is under the law of {countries.name(self.case.country)}."
            )
        if (
            self.occurred_on
            and self.scheduled_release_on
            and is_before(
                self.scheduled_release_on,
                self.scheduled_release_precision,
                self.occurred_on,
                self.precision,
            )
        ):
            errors["scheduled_release_on"] = "The scheduled release cannot come before this step."
        if self.case_id and self.person_id and self.occurred_on and "occurred_on" not in errors:
            self._check_after_verdict(errors)
        if errors:
            raise ValidationError(errors)

    def _check_after_verdict(self, errors: dict[str, str]) -> None:
        """Every step follows the person's first imposed sentence in the case."""
        steps = SentenceStep._default_manager.filter(
            case_id=self.case_id, person_id=self.person_id
        ).exclude(pk=self.pk)
        first_imposed = steps.filter(kind=SentenceStepKind.IMPOSED).order_by("occurred_on").first()
        if self.kind != SentenceStepKind.IMPOSED:
            if first_imposed and is_before(
                self.occurred_on, self.precision, first_imposed.occurred_on, first_imposed.precision
            ):
                verdict = first_imposed.date_display
                errors["occurred_on"] = (
                    f"A sentence step cannot come before the verdict ({verdict})."
                )
            return
        if first_imposed and not is_before(
            self.occurred_on, self.precision, first_imposed.occurred_on, first_imposed.precision
        ):
            return
        # This becomes the verdict: the steps already recorded must not precede it.
        earlier = [
            step
            for step in steps.exclude(kind=SentenceStepKind.IMPOSED)
            if is_before(step.occurred_on, step.precision, self.occurred_on, self.precision)
        ]
        if earlier:
            errors["occurred_on"] = (
                f"A sentence step cannot come before the verdict ({self.date_display}): "
                f"the sentence was {earlier[0].get_kind_display().lower()} "
                f"{earlier[0].date_display}."
            )


# --- Staff pages: search keys, reminders and calendar feeds --------------------------------


class SearchName(models.Model):
    """One name of a person, organisation or case, folded for search (see casefiles/search.py).

    Derived data: rewritten whenever its owner or an alias is saved.
    """

    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="search_names"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="search_names"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="search_names"
    )
    text = models.CharField(max_length=400, help_text="The name as written.")
    key = models.CharField(max_length=400, db_index=True, help_text="The name folded for search.")
    objects = visible_through("person", "organisation", "case")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organisation__isnull=True, case__isnull=True)
                | Q(person__isnull=True, organisation__isnull=False, case__isnull=True)
                | Q(person__isnull=True, organisation__isnull=True, case__isnull=False),
                name="searchname_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.key}"


class ReminderKind(models.TextChoices):
    DETENTION_TERM_ENDS = "term_ends", "Detention term ends"
    HEARING_TOMORROW = "hearing", "Hearing tomorrow"


class Reminder(models.Model):
    """A deadline that staff were told about; one per detention term end or hearing."""

    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    detention = models.ForeignKey(
        Detention, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    hearing = models.ForeignKey(
        Hearing, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    due_on = models.DateField(help_text="The day of the deadline itself.")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.TextField(blank=True, help_text="Addresses emailed, one per line.")
    error = models.TextField(
        blank=True, help_text="Why the last attempt to email it failed; empty once sent."
    )
    objects = visible_through("case")

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # "once, however often the job runs": one reminder per deadline date.
            models.UniqueConstraint(
                fields=["detention", "due_on"],
                condition=Q(detention__isnull=False),
                name="reminder_once_per_detention_end",
            ),
            models.UniqueConstraint(
                fields=["hearing", "due_on"],
                condition=Q(hearing__isnull=False),
                name="reminder_once_per_hearing",
            ),
        ]

    def __str__(self) -> str:
        return self.message


class CalendarFeed(models.Model):
    """A private iCalendar URL for one user; revoking it stops the URL working."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # Only a hash is stored: a database dump does not hand out working feed URLs.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar feed of {self.user} ({state})"


def party_removal_refusal(party: CaseParty) -> str | None:
    """Why a party may not leave its case, or None: the case still records facts about
    them (charges, detentions, sentence steps, hearings, events) that would be left about
    someone no longer in it. A person who is a party in another role too may lose this one."""
    facts: tuple[tuple[str, str, models.QuerySet], ...]
    if party.person_id is not None:
        others = CaseParty.objects.filter(case_id=party.case_id, person_id=party.person_id)
        if others.exclude(pk=party.pk).exists():
            return None
        facts = (
            ("charge", "charges", Charge.objects.filter(person_id=party.person_id)),
            ("detention", "detentions", Detention.objects.filter(person_id=party.person_id)),
            (
                "sentence step",
                "sentence steps",
                SentenceStep.objects.filter(person_id=party.person_id),
            ),
            ("hearing", "hearings", Hearing.objects.filter(defendants=party.person_id)),
            ("event", "events", Event.objects.filter(participants__person_id=party.person_id)),
        )
    elif party.organisation_id is not None:
        if (
            CaseParty.objects.filter(case_id=party.case_id, organisation_id=party.organisation_id)
            .exclude(pk=party.pk)
            .exists()
        ):
            return None
        facts = (
            (
                "event",
                "events",
                Event.objects.filter(participants__organisation_id=party.organisation_id),
            ),
        )
    else:
        return None
    found = []
    for singular, plural, queryset in facts:
        count = queryset.filter(case_id=party.case_id).distinct().count()
        if count:
            found.append(f"{count} {singular if count == 1 else plural}")
    if not found:
        return None
    listed = found[0] if len(found) == 1 else f"{', '.join(found[:-1])} and {found[-1]}"
    return (
        f"{party.person or party.organisation} cannot be removed from the case: it still "
        f"records {listed} about them. Remove or correct those first."
    )


# --- Spreadsheet imports (casefiles/imports.py) --------------------------------------------


class ImportKind(models.TextChoices):
    PERSONS = "persons", "Persons"
    CASES = "cases", "Cases"
    DETENTIONS = "detentions", "Detentions"
    CHARGES = "charges", "Charges"
    EVENTS = "events", "Events"
    SOURCES = "sources", "Sources"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed, not written"
    APPLIED = "applied", "Applied"


class ImportRun(models.Model):
    """One spreadsheet uploaded for import: kept between the preview and the confirmation
    (the file under MEDIA_ROOT, never in the session), and afterwards as the record of who
    imported what. The rows it wrote carry "Import <id>" as their history's change reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="Kept if the account goes.")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    file = models.FileField(upload_to="imports/%Y/")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    # The preview (or, once applied, what was written): one entry per row.
    report = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.file_name} ({self.get_kind_display().lower()})"


class ApiToken(models.Model):
    """A personal key for the REST API (`Authorization: Token <key>`), acting as its user.

    Only a SHA-256 of the key is stored, so a database dump hands out no working key; the
    first characters are kept to tell a user's keys apart. A revoked key stops working, and
    so does every key of a deactivated account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. “website list”.")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The key's first characters, for display.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Creation and revocation are recorded with their author; use is not (last_used_at is
    # written with a plain update, which makes no history row).
    history = HistoricalRecords(bases=[HistoryAuthor], excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"API token “{self.name}” ({self.prefix}…) of {self.user} ({state})"
