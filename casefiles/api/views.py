"""The API's endpoints: every list and record read through `visible_to(user)`, writes
through the services behind the staff pages.

A hidden record answers 404 like a missing one (the queryset never holds it); a write
with bad input answers 400 with messages per field and writes nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from casefiles import services
from casefiles.api import filters
from casefiles.api import serializers as api
from casefiles.api.pagination import Pages
from casefiles.models import (
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
from casefiles.services.parties import party_add
from casefiles.services.persons import AliasLine, NewPerson, person_create
from people.models import Alias, HealthCondition, Organisation, Person, Position


class VisibleViewSet(viewsets.GenericViewSet):
    """Reads `model.objects.visible_to(request.user)`; the caller is authenticated by DRF
    (token or verified session), so the login middleware's redirect is skipped: a client
    gets 401, not a login page."""

    model: ClassVar[type[Model]]
    lookup_value_regex = "[0-9]+"
    pagination_class = Pages

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any):
        view = super().as_view(*args, **kwargs)
        view.login_required = False  # type: ignore[attr-defined]
        return view

    def get_queryset(self) -> QuerySet:
        manager: Any = self.model._default_manager
        return self.related(manager.visible_to(self.request.user))

    def related(self, queryset: QuerySet) -> QuerySet:
        """What the serializer follows, fetched with the page (a fixed number of queries)."""
        return queryset


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    pass


class CreateThroughService(mixins.CreateModelMixin):
    """POST validated by `create_serializer_class`, written by `create_record` (a service);
    the answer is the record as the read serializer shows it."""

    create_serializer_class: ClassVar[type[serializers.Serializer]]

    def create_record(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def get_serializer_class(self):
        if getattr(self, "action", None) == "create":
            return self.create_serializer_class
        return super().get_serializer_class()  # type: ignore[misc]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.get_serializer(data=request.data)  # type: ignore[attr-defined]
        incoming.is_valid(raise_exception=True)
        try:
            record = self.create_record(dict(incoming.validated_data))
        except DjangoValidationError as error:
            raise api.service_errors(error) from None
        # Read back through the visible queryset, with what the read serializer follows.
        record = self.get_queryset().get(pk=record.pk)  # type: ignore[attr-defined]
        shown = self.serializer_class(record, context=self.get_serializer_context())  # type: ignore[attr-defined]
        return Response(shown.data, status=status.HTTP_201_CREATED)


def _creates(read: type[serializers.Serializer], write: type[serializers.Serializer]):
    return extend_schema(request=write, responses={201: read})


class PersonViewSet(CreateThroughService, ReadViewSet):
    """Persons, with their aliases; health conditions only with the Health data role.
    `q` searches every name in any script and spelling."""

    model = Person
    serializer_class = api.PersonSerializer
    create_serializer_class = api.PersonCreateSerializer
    filterset_class = filters.PersonFilterSet

    def related(self, queryset: QuerySet) -> QuerySet:
        prefetch: list[Any] = [Prefetch("aliases", queryset=Alias.objects.order_by("name"))]
        if self.request.user.has_perm(api.HEALTH_PERMISSION):
            prefetch.append(
                Prefetch(
                    "health_conditions",
                    queryset=HealthCondition.objects.visible_to(self.request.user),
                )
            )
        return queryset.prefetch_related(*prefetch)

    @_creates(api.PersonSerializer, api.PersonCreateSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def create_record(self, data: dict[str, Any]) -> Model:
        return person_create(
            user=self.request.user,
            new_person=NewPerson(
                family_name=data.get("family_name", ""),
                given_name=data.get("given_name", ""),
                name_original=data.get("name_original", ""),
                original_script=data.get("original_script", ""),
                occupation=data.get("occupation", ""),
                create_anyway=data.get("create_anyway", False),
            ),
            title=data.get("title", ""),
            aliases=[AliasLine(**line) for line in data.get("aliases", [])],
        )


class OrganisationViewSet(ReadViewSet):
    """Organisations (read only: no service writes them alone yet)."""

    model = Organisation
    serializer_class = api.OrganisationSerializer
    filterset_class = filters.OrganisationFilterSet


class PositionViewSet(ReadViewSet):
    """Positions held by persons in organisations (read only)."""

    model = Position
    serializer_class = api.PositionSerializer
    filterset_class = filters.PositionFilterSet


class CaseViewSet(ReadViewSet):
    """Cases, filtered as on the case list (read only: opening a case takes the whole
    intake page, `services.case_open`)."""

    model = Case
    serializer_class = api.CaseSerializer
    filterset_class = filters.ApiCaseFilterSet


class PartyViewSet(CreateThroughService, ReadViewSet):
    """Who is in a case and in what role."""

    model = CaseParty
    serializer_class = api.CasePartySerializer
    create_serializer_class = api.PartyCreateSerializer
    filterset_class = filters.PartyFilterSet

    @_creates(api.CasePartySerializer, api.PartyCreateSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def create_record(self, data: dict[str, Any]) -> Model:
        return party_add(
            case=data["case"],
            user=self.request.user,
            role=data["role"],
            person=data.get("person"),
            organisation=data.get("organisation"),
            notes=data.get("notes", ""),
        )


class ChargeViewSet(ReadViewSet):
    """Charges with their article (read only here; charges are brought on the staff pages,
    where a missing article is added to the code in place)."""

    model = Charge
    serializer_class = api.ChargeSerializer
    filterset_class = filters.ChargeFilterSet

    def related(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("article").prefetch_related("sources")


class DetentionViewSet(CreateThroughService, ReadViewSet):
    model = Detention
    serializer_class = api.DetentionSerializer
    create_serializer_class = api.DetentionCreateSerializer
    filterset_class = filters.DetentionFilterSet

    def related(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("sources")

    @_creates(api.DetentionSerializer, api.DetentionCreateSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def create_record(self, data: dict[str, Any]) -> Model:
        return services.detention_log(**data)


class SentenceStepViewSet(CreateThroughService, ReadViewSet):
    """Steps of each person's sentence in a case: imposed, increased, reduced, overturned,
    served."""

    model = SentenceStep
    serializer_class = api.SentenceStepSerializer
    create_serializer_class = api.SentenceStepCreateSerializer
    filterset_class = filters.SentenceStepFilterSet

    def related(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("sources")

    @_creates(api.SentenceStepSerializer, api.SentenceStepCreateSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def create_record(self, data: dict[str, Any]) -> Model:
        return services.sentence_step_log(**data)


class HearingViewSet(CreateThroughService, ReadViewSet):
    model = Hearing
    serializer_class = api.HearingSerializer
    create_serializer_class = api.HearingCreateSerializer
    filterset_class = filters.HearingFilterSet

    def related(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("defendants", "sources")

    @_creates(api.HearingSerializer, api.HearingCreateSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def create_record(self, data: dict[str, Any]) -> Model:
        return services.hearing_log(**data)


class EventViewSet(ReadViewSet):
    """Events with their participants (read only here: the event page also creates sources
    and organisations in place)."""

    model = Event
    serializer_class = api.EventSerializer
    filterset_class = filters.EventFilterSet

    def related(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related(
            Prefetch("participants", queryset=EventParticipant.objects.order_by("pk")), "sources"
        )


class SourceViewSet(ReadViewSet):
    """Sources (read only: uploads stay on the staff pages)."""

    model = Source
    serializer_class = api.SourceSerializer
    filterset_class = filters.SourceFilterSet
