"""Model fields with the limits every app shares: bounded free text and web-only URLs.

Here, in the lowest app, so that casefiles and letters use the same ones.
"""

from __future__ import annotations

from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.utils.functional import cached_property

# Links we print in pages and letters must be ones a reader can follow safely:
# never javascript:, data:, file: or ftp:.
WEB_URL_SCHEMES = ["http", "https"]
web_url_validator = URLValidator(
    schemes=WEB_URL_SCHEMES, message="Enter a web address starting with http:// or https://."
)


class BoundedTextField(models.TextField):
    """Free text with a stated limit: in forms (maxlength), at validation and in the database.

    A plain TextField passes max_length to its form field but never checks it at model
    validation, so the admin, services and loaders could store any length. This field
    validates it like a CharField and, where the database enforces lengths (PostgreSQL),
    stores it as varchar(max_length), so even a raw UPDATE cannot exceed it.
    """

    def __init__(self, *args, max_length: int, **kwargs) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)

    @cached_property
    def validators(self):
        return [*super().validators, MaxLengthValidator(self.max_length)]

    def db_type(self, connection):
        return connection.data_types["CharField"] % {"max_length": self.max_length}

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
