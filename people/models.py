"""Persons, organisations and the ties between them. Knows nothing of cases."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django_countries import countries
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from people.choices import AliasKind, OrganisationKind, RelationshipKind, Script
from people.dates import DatePrecision, format_partial_date
from people.fields import BoundedTextField, FactDateField, WebURLField
from people.history import HistoryAuthor, staff_history_register
from people.visibility import OrganisationQuerySet, PersonQuerySet, visible_through

# Limits of free text, in characters: generous for any real record, small enough that a
# pasted book or a script cannot fill the database or a page.
NOTES_MAX = 10_000
ADDRESS_MAX = 2_000


class Person(models.Model):
    title = models.CharField(
        max_length=20, blank=True, help_text='Form of address used in letters: "Mr", "Mrs", "Ms".'
    )
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(
        max_length=200, help_text="Printed in capitals in signature blocks (Petras AUŠTREVIČIUS)."
    )
    name_original = models.CharField(
        "name in original script",
        max_length=400,
        blank=True,
        help_text="As written in the person's own script, e.g. Бекжан Мендыгазиев.",
    )
    original_script = models.CharField(max_length=8, choices=Script.choices, blank=True)
    birth_date = FactDateField(null=True, blank=True)
    birth_date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    citizenship = CountryField(blank=True)
    residence = models.CharField(
        max_length=200, blank=True, help_text='Where the person lives now, e.g. "United States".'
    )
    home_town = models.CharField(max_length=200, blank=True)
    occupation = models.CharField(
        max_length=200, blank=True, help_text='What the person does, e.g. "lawyer", "journalist".'
    )
    notes = BoundedTextField(max_length=NOTES_MAX, blank=True)
    ep_identifier = models.CharField(
        "European Parliament identifier",
        max_length=20,
        blank=True,
        help_text="The MEP's number in the Parliament's open data (197465 for Niklas Nienaß).",
    )
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [models.Index(fields=["family_name", "given_name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["ep_identifier"],
                condition=~Q(ep_identifier=""),
                name="person_unique_ep_identifier",
                violation_error_message="Another person has this European Parliament identifier.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:people_person_change", args=[self.pk])

    def clean(self) -> None:
        # A script says what the name in the original script is written in: without that
        # name it describes nothing, and letters and search would trust it.
        if self.original_script and not self.name_original.strip():
            raise ValidationError(
                {
                    "name_original": "Give the name in its original script, "
                    "or leave the script empty."
                }
            )

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def signature_name(self) -> str:
        """The name as signed at the foot of a letter, surname in capitals."""
        return f"{self.given_name} {self.family_name.upper()}".strip()

    @property
    def birth_date_display(self) -> str:
        return format_partial_date(self.birth_date, self.birth_date_precision)


class Alias(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=400)
    script = models.CharField(max_length=8, choices=Script.choices, default=Script.LATIN)
    kind = models.CharField(max_length=12, choices=AliasKind.choices, default=AliasKind.SPELLING)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("person")

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["person", "name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="alias_unique_per_person")
        ]

    def __str__(self) -> str:
        return self.name


class HealthCondition(models.Model):
    """Sensitive: visible only to users with people.view_healthcondition."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="health_conditions")
    condition = models.CharField(max_length=200)
    description = BoundedTextField(max_length=NOTES_MAX, blank=True)
    noted_on = FactDateField(null=True, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("person")

    class Meta:
        ordering = ["person", "condition"]

    def __str__(self) -> str:
        return f"{self.person}: {self.condition}"


class Relationship(models.Model):
    """A directed tie: `person` is the `kind` of `other` (Barlyk is the brother of Bekizhan)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=RelationshipKind.choices)
    notes = models.CharField(max_length=400, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("person", "other")

    class Meta:
        ordering = ["person", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=F("other")),
                name="relationship_not_with_self",
                violation_error_message="A person cannot be related to themselves.",
            ),
            models.UniqueConstraint(
                fields=["person", "other", "kind"],
                name="relationship_unique",
                violation_error_message="This relationship is already recorded.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} is {self.get_kind_display().lower()} of {self.other}"


class Organisation(models.Model):
    name = models.CharField(max_length=300)
    name_original = models.CharField("name in original script", max_length=300, blank=True)
    abbreviation = models.CharField(max_length=40, blank=True)
    signature_name = models.CharField(
        "name in signature lines",
        max_length=300,
        blank=True,
        help_text="For political groups: the name as printed under an MEP's signature, "
        'e.g. "Group of the Greens/European Free Alliance". Empty: the abbreviation, '
        "else the name.",
    )
    kind = models.CharField(max_length=24, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    country = CountryField(blank=True)
    city = models.CharField(max_length=200, blank=True)
    postal_address = BoundedTextField(max_length=ADDRESS_MAX, blank=True)
    email = models.EmailField(blank=True)
    website = WebURLField(blank=True)
    notes = BoundedTextField(max_length=NOTES_MAX, blank=True)
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "country"],
                name="organisation_unique_name_country",
                violation_error_message=(
                    "An organisation with this name already exists in this country."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="organisation_not_own_parent",
                violation_error_message="An organisation cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:people_organisation_change", args=[self.pk])

    @property
    def printed_name(self) -> str:
        """The name printed in a signature line: "Group of the Greens/European Free Alliance"."""
        return self.signature_name or self.abbreviation or self.name


class Position(models.Model):
    """A person holds a role in an organisation, and is written to at this address."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="positions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="positions"
    )
    title = models.CharField(
        max_length=300, help_text='e.g. "President of the Republic of Kazakhstan", "Director".'
    )
    title_abbreviation = models.CharField(max_length=40, blank=True, help_text='e.g. "MEP".')
    honorific = models.CharField(max_length=40, blank=True, help_text='e.g. "H.E."')
    represents_country = CountryField(
        blank=True, help_text="For MEPs: the member state they were elected in."
    )
    started_on = FactDateField(null=True, blank=True)
    ended_on = FactDateField(null=True, blank=True)
    postal_address = BoundedTextField(
        max_length=ADDRESS_MAX,
        blank=True,
        help_text="Address lines used for correspondence, one per line.",
    )
    emails = BoundedTextField(
        max_length=ADDRESS_MAX,
        blank=True,
        help_text="Email addresses for correspondence, one per line.",
    )
    history = HistoricalRecords(bases=[HistoryAuthor])
    objects = visible_through("person", "organisation")

    class Meta:
        ordering = ["person", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="position_end_not_before_start",
                violation_error_message="A position cannot end before it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}, {self.title} ({self.organisation})"

    def clean(self) -> None:
        errors = {}
        for line in self.email_list:
            try:
                validate_email(line)
            except ValidationError:
                errors["emails"] = f"“{line}” is not a valid email address."
                break
        if errors:
            raise ValidationError(errors)

    @property
    def email_list(self) -> list[str]:
        return [line.strip() for line in self.emails.splitlines() if line.strip()]

    @property
    def signature_line(self) -> str:
        """'MEP (Renew Europe Group; Lithuania)' as printed under a signatory's name."""
        role = self.title_abbreviation or self.title
        details = [self.organisation.printed_name]
        if self.represents_country:
            details.append(countries.name(self.represents_country))
        return f"{role} ({'; '.join(details)})"

    @property
    def address_block(self) -> str:
        """The lines under the bold title in a letter's To: or cc block."""
        lines = [f"{self.honorific} {self.person.name}".strip()]
        lines += [line.strip() for line in self.postal_address.splitlines() if line.strip()]
        lines += self.email_list
        return "\n".join(lines)


staff_history_register()
