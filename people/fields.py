"""Model fields with the limits every app shares: bounded free text and web-only URLs.

Here, in the lowest app, so that casefiles and letters use the same ones.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.utils.functional import cached_property

# Links we print in pages and letters must be ones a reader can follow safely:
# never javascript:, data:, file: or ftp:.
WEB_URL_SCHEMES = ["http", "https"]
web_url_validator = URLValidator(
    schemes=WEB_URL_SCHEMES,
    message="Enter a web address starting with http:// or https://.",
    # Not "invalid": a form field would replace the message with its generic one.
    code="not_web_url",
)


class BoundedTextField(models.TextField):
    """Free text with a stated limit: in forms (maxlength), at validation and in the database.

    A plain TextField passes max_length to its form field but never checks it at model
    validation, so the admin, services and loaders could store any length. This field
    validates it like a CharField and, where the database enforces lengths (PostgreSQL),
    stores it as varchar(max_length), so even a raw UPDATE cannot exceed it.
    """

    def __init__(self, *args, max_length: int, **kwargs) -> None:
        kwargs["max_length"] = max_length  # required here, optional on TextField
        super().__init__(*args, **kwargs)

    @cached_property
    def validators(self):
        return [*super().validators, TextLengthValidator(self.max_length)]

    def formfield(self, **kwargs):
        return state_text_limit(super().formfield(**kwargs))

    def db_type(self, connection):
        # The column a CharField of this length would have (varchar(n)).
        return models.CharField(max_length=self.max_length).db_type(connection)

    def cast_db_type(self, connection):
        return self.db_type(connection)


class WebURLField(models.URLField):
    """A URL that must be http or https, wherever it is entered (admin, forms, loaders)."""

    default_validators = [web_url_validator]

    def formfield(self, **kwargs):
        from django import forms

        field = super().formfield(**kwargs)
        if isinstance(field, forms.URLField):
            field.default_validators = [web_url_validator]
            field.validators = [
                web_url_validator if isinstance(v, URLValidator) else v for v in field.validators
            ]
        return field


# Dates of facts (births, detentions, hearings, letters): wide enough for any real one and
# for a long term's planned end, narrow enough that a typo like 9999 is caught before it
# breaks date arithmetic in calendars, reminders and terms.
FACT_DATE_MIN = datetime.date(1900, 1, 1)
FACT_DATE_MAX = datetime.date(2199, 12, 31)


def validate_fact_date(value: datetime.date) -> None:
    if value is not None and not FACT_DATE_MIN <= value <= FACT_DATE_MAX:
        raise ValidationError(
            f"{value.isoformat()} is not a plausible date: give one between "
            f"{FACT_DATE_MIN.year} and {FACT_DATE_MAX.year}; check the year.",
            code="implausible_date",
        )


class FactDateField(models.DateField):
    """A DateField that refuses years outside FACT_DATE_MIN..FACT_DATE_MAX."""

    default_validators = [validate_fact_date]


class TextLengthValidator(MaxLengthValidator):
    """Django's max-length check, with the numbers written for people: 50,000, not 50000."""

    def __call__(self, value) -> None:
        length = len(value)
        if length > self.limit_value:
            raise ValidationError(
                f"Ensure this value has at most {self.limit_value:,} characters "
                f"(it has {length:,}).",
                code="max_length",
                params={"limit_value": self.limit_value, "show_value": length, "value": value},
            )


def state_text_limit(field):
    """A form field whose max-length message matches the model's (TextLengthValidator)."""
    if getattr(field, "max_length", None):
        field.validators = [
            TextLengthValidator(field.max_length) if isinstance(v, MaxLengthValidator) else v
            for v in field.validators
        ]
    return field
