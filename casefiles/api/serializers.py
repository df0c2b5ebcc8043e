"""What the API shows of each record, and what it accepts for the writes it offers.

Read serializers are plain ModelSerializers. Write serializers only check types and pick
related records among those the caller may see (`VisibleRelatedField`); the rules live in
the services they feed, which refuse with a message per field (`service_errors`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.urls import reverse
from django_countries.fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from casefiles.models import (
    Article,
    Case,
    CaseParty,
    Charge,
    Detention,
    Event,
    EventParticipant,
    Hearing,
    SentenceStep,
    Source,
)
from people.choices import AliasKind, Script
from people.models import Alias, HealthCondition, Organisation, Person, Position

HEALTH_PERMISSION = "people.view_healthcondition"


def service_errors(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's refusal as DRF's 400 body: messages per field, the rest under
    `non_field_errors`."""
    if hasattr(error, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
        return serializers.ValidationError(detail)
    return serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a record the caller may see: a hidden one is refused exactly like a
    missing one ("object does not exist")."""

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        manager: Any = self.model._default_manager  # each model read here has visible_to
        if request is None:
            return manager.none()
        return manager.visible_to(request.user)


IDS_MAX = 50


class VisibleIdsField(serializers.ManyRelatedField):
    """A list of at most IDS_MAX ids of records the caller may see (each id is one lookup,
    so the list is bounded before any is looked up)."""

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(child_relation=VisibleRelatedField(model), **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and len(data) > IDS_MAX:
            raise serializers.ValidationError(f"Give at most {IDS_MAX} ids.")
        return super().to_internal_value(data)


class CountryCodeField(serializers.ChoiceField):
    """A country as its ISO code ("KZ"), or "" when none is recorded."""

    def to_representation(self, value: Any) -> str:
        return str(value or "")


class ModelSerializer(serializers.ModelSerializer):
    def build_standard_field(self, field_name: str, model_field: Any):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, CountryField):
            return CountryCodeField, kwargs
        if issubclass(field_class, serializers.URLField):
            # Shown as stored: a link recorded before URLs were checked (or an IRI with
            # non-ASCII letters) is still text, as the pages print it.
            return serializers.CharField, kwargs
        return field_class, kwargs


# --- Reading ---------------------------------------------------------------------------------


class AliasSerializer(ModelSerializer):
    class Meta:
        model = Alias
        fields = ["name", "script", "kind"]


class HealthConditionSerializer(ModelSerializer):
    class Meta:
        model = HealthCondition
        fields = ["id", "condition", "description", "noted_on"]


class PersonSerializer(ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Given and family name.")
    aliases = AliasSerializer(many=True, read_only=True)
    # Not read-only in the schema on purpose: a read-only field is "required" in responses,
    # and this one is left out for callers without the Health data role.
    health_conditions = HealthConditionSerializer(
        many=True,
        required=False,
        help_text="Only with the Health data role; absent from the response otherwise.",
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "title",
            "given_name",
            "family_name",
            "name_original",
            "original_script",
            "birth_date",
            "birth_date_precision",
            "citizenship",
            "residence",
            "home_town",
            "occupation",
            "notes",
            "aliases",
            "health_conditions",
        ]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        view = self.context.get("view")
        if getattr(view, "swagger_fake_view", False):
            return fields  # the schema documents the field, marked optional
        if request is None or not request.user.has_perm(HEALTH_PERMISSION):
            fields.pop("health_conditions")
        return fields


class OrganisationSerializer(ModelSerializer):
    class Meta:
        model = Organisation
        # No parent: it may be an organisation the caller may not see.
        fields = [
            "id",
            "name",
            "name_original",
            "abbreviation",
            "kind",
            "country",
            "city",
            "postal_address",
            "email",
            "website",
            "notes",
        ]


class PositionSerializer(ModelSerializer):
    class Meta:
        model = Position
        fields = [
            "id",
            "person",
            "organisation",
            "title",
            "title_abbreviation",
            "honorific",
            "represents_country",
            "started_on",
            "ended_on",
            "postal_address",
            "emails",
        ]


class CaseSerializer(ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "reference", "title", "country", "status", "summary", "opened_on"]


class CasePartySerializer(ModelSerializer):
    class Meta:
        model = CaseParty
        fields = ["id", "case", "person", "organisation", "role", "notes"]


class ArticleSerializer(ModelSerializer):
    citation = serializers.CharField(read_only=True)

    class Meta:
        model = Article
        fields = ["id", "jurisdiction", "code", "number", "part", "title", "citation"]


class ChargeSerializer(ModelSerializer):
    article = ArticleSerializer(read_only=True, allow_null=True)
    offence = serializers.CharField(read_only=True)

    class Meta:
        model = Charge
        fields = [
            "id",
            "case",
            "person",
            "article",
            "description",
            "offence",
            "brought_on",
            "brought_on_precision",
            "status",
            "decided_on",
            "decided_on_precision",
            "sources",
            "notes",
        ]


class DetentionSerializer(ModelSerializer):
    class Meta:
        model = Detention
        fields = [
            "id",
            "case",
            "person",
            "measure",
            "started_on",
            "started_on_precision",
            "term_length",
            "term_unit",
            "planned_end",
            "actual_end",
            "facility",
            "ordered_by",
            "sources",
            "notes",
        ]


class SentenceStepSerializer(ModelSerializer):
    class Meta:
        model = SentenceStep
        fields = [
            "id",
            "case",
            "person",
            "kind",
            "occurred_on",
            "precision",
            "sentence_kind",
            "months",
            "reason",
            "article",
            "court",
            "counts_time_held",
            "scheduled_release_on",
            "scheduled_release_precision",
            "sources",
            "notes",
        ]


class HearingSerializer(ModelSerializer):
    class Meta:
        model = Hearing
        fields = [
            "id",
            "case",
            "held_on",
            "starts_at",
            "kind",
            "court",
            "judge",
            "defendants",
            "outcome",
            "postponed",
            "postponed_to",
            "sources",
        ]


class EventParticipantSerializer(ModelSerializer):
    class Meta:
        model = EventParticipant
        fields = ["person", "organisation", "role"]


class EventSerializer(ModelSerializer):
    participants = EventParticipantSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "case",
            "occurred_on",
            "precision",
            "kind",
            "title",
            "description",
            "place",
            "participants",
            "sources",
        ]


class SourceSerializer(ModelSerializer):
    file_url = serializers.SerializerMethodField(
        help_text="The uploaded file, through the checked download (a signed-in session)."
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "title",
            "publisher",
            "published_on",
            "accessed_on",
            "notes",
            "file_url",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_file_url(self, source: Source) -> str:
        return reverse("staff:source_file", args=[source.pk]) if source.file else ""


# --- Writing (each feeds one service) --------------------------------------------------------


class AliasLineSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=Alias._meta.get_field("name").max_length)
    script = serializers.ChoiceField(choices=Script.choices, default=Script.LATIN)
    kind = serializers.ChoiceField(choices=AliasKind.choices, default=AliasKind.SPELLING)


def _model_field(model: type, name: str, **kwargs: Any) -> serializers.Field:
    """The serializer field ModelSerializer would build for a model field (its length,
    choices and validators), as a plain field of a write serializer."""

    class One(ModelSerializer):
        class Meta:
            pass

    One.Meta.model = model  # type: ignore[attr-defined]
    One.Meta.fields = [name]  # type: ignore[attr-defined]
    One.Meta.extra_kwargs = {name: kwargs}  # type: ignore[attr-defined]
    return One().fields[name]


class PersonCreateSerializer(serializers.Serializer):
    """`services.persons.person_create`: a namesake of someone the caller may see is refused
    unless `create_anyway`."""

    title = _model_field(Person, "title")
    given_name = _model_field(Person, "given_name")
    family_name = _model_field(Person, "family_name")
    name_original = _model_field(Person, "name_original")
    original_script = _model_field(Person, "original_script")
    occupation = _model_field(Person, "occupation")
    create_anyway = serializers.BooleanField(default=False)
    aliases = AliasLineSerializer(many=True, required=False, max_length=50)


class PartyCreateSerializer(serializers.Serializer):
    """`services.parties.party_add`: a known person or an organisation, in a role."""

    case = VisibleRelatedField(Case)
    role = _model_field(CaseParty, "role")
    person = VisibleRelatedField(Person, required=False, allow_null=True)
    organisation = VisibleRelatedField(Organisation, required=False, allow_null=True)
    notes = _model_field(CaseParty, "notes")


def _fact_fields(model: type, names: list[str]) -> dict[str, serializers.Field]:
    return {name: _model_field(model, name) for name in names}


class DetentionCreateSerializer(serializers.Serializer):
    """`services.detention_log`: the planned end follows from the term when not given."""

    case = VisibleRelatedField(Case)
    person = VisibleRelatedField(Person)
    measure = _model_field(Detention, "measure")
    started_on = _model_field(Detention, "started_on")
    started_on_precision = _model_field(Detention, "started_on_precision")
    term_length = _model_field(Detention, "term_length", min_value=1)
    term_unit = _model_field(Detention, "term_unit")
    planned_end = _model_field(Detention, "planned_end")
    actual_end = _model_field(Detention, "actual_end")
    facility = _model_field(Detention, "facility")
    ordered_by = VisibleRelatedField(Organisation, required=False, allow_null=True)
    sources = VisibleIdsField(Source)
    notes = _model_field(Detention, "notes")


class HearingCreateSerializer(serializers.Serializer):
    """`services.hearing_log`: defendants must be parties to the case."""

    case = VisibleRelatedField(Case)
    held_on = _model_field(Hearing, "held_on")
    starts_at = _model_field(Hearing, "starts_at")
    kind = _model_field(Hearing, "kind")
    court = VisibleRelatedField(Organisation, required=False, allow_null=True)
    judge = VisibleRelatedField(Person, required=False, allow_null=True)
    defendants = VisibleIdsField(Person)
    outcome = _model_field(Hearing, "outcome")
    sources = VisibleIdsField(Source)


class SentenceStepCreateSerializer(serializers.Serializer):
    """`services.sentence_step_log`: SentenceStep.clean() holds the rules (a party to the
    case, not before the verdict, a length where one is needed)."""

    case = VisibleRelatedField(Case)
    person = VisibleRelatedField(Person)
    kind = _model_field(SentenceStep, "kind")
    occurred_on = _model_field(SentenceStep, "occurred_on")
    precision = _model_field(SentenceStep, "precision")
    sentence_kind = _model_field(SentenceStep, "sentence_kind")
    months = _model_field(SentenceStep, "months")
    reason = _model_field(SentenceStep, "reason")
    article = serializers.PrimaryKeyRelatedField(
        queryset=Article.objects.all(), required=False, allow_null=True
    )
    court = VisibleRelatedField(Organisation, required=False, allow_null=True)
    counts_time_held = _model_field(SentenceStep, "counts_time_held")
    scheduled_release_on = _model_field(SentenceStep, "scheduled_release_on")
    scheduled_release_precision = _model_field(SentenceStep, "scheduled_release_precision")
    sources = VisibleIdsField(Source)
    notes = _model_field(SentenceStep, "notes")
