"""Letters in the REST API (read only): letters, their rendered versions with the PDF, and
replies. Registered with casefiles' API in `LettersConfig.ready()`."""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from casefiles.api.filters import IdFilter
from casefiles.api.serializers import ModelSerializer
from casefiles.api.views import ReadViewSet
from letters.choices import RenderStatus
from letters.models import Letter, LetterVersion, Reply
from letters.views import version_download


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the file response is sent as is."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class LetterSerializer(ModelSerializer):
    class Meta:
        model = Letter
        fields = [
            "id",
            "case",
            "reference",
            "subject",
            "place",
            "dated_on",
            "language",
            "salutation",
            "body",
            "closing",
            "status",
            "sent_on",
        ]


class LetterVersionSerializer(ModelSerializer):
    pdf_url = serializers.SerializerMethodField(
        help_text="The PDF once rendered (same token or session), else empty."
    )

    class Meta:
        model = LetterVersion
        fields = [
            "id",
            "letter",
            "number",
            "status",
            "is_final",
            "sha256",
            "created_at",
            "finished_at",
            "pdf_url",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_pdf_url(self, version: LetterVersion) -> str:
        if version.status != RenderStatus.DONE or not version.file:
            return ""
        return reverse("api:letterversion-pdf", args=[version.pk])


class ReplySerializer(ModelSerializer):
    file_url = serializers.SerializerMethodField(
        help_text="The scanned reply, through the checked download (a signed-in session)."
    )

    class Meta:
        model = Reply
        fields = ["id", "letter", "received_on", "from_person", "from_organisation", "summary"]
        fields += ["file_url"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_file_url(self, reply: Reply) -> str:
        return reverse("letters:reply_file", args=[reply.pk]) if reply.file else ""


class LetterFilterSet(django_filters.FilterSet):
    case = IdFilter()

    class Meta:
        model = Letter
        fields = ["case", "status"]


class LetterPartFilterSet(django_filters.FilterSet):
    letter = IdFilter()


class LetterViewSet(ReadViewSet):
    """Advocacy letters about the cases the caller may see (written on the letter pages)."""

    model = Letter
    serializer_class = LetterSerializer
    filterset_class = LetterFilterSet


class LetterVersionViewSet(ReadViewSet):
    """Rendered versions of letters; `pdf` downloads one through the letters' own checked
    download view (role, visibility, a rendered file)."""

    model = LetterVersion
    serializer_class = LetterVersionSerializer
    filterset_class = type(
        "LetterVersionFilterSet",
        (LetterPartFilterSet,),
        {"Meta": type("Meta", (), {"model": LetterVersion, "fields": ["letter"]})},
    )

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")
        }
    )
    @action(detail=True, url_path="pdf", renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, *args: Any, **kwargs: Any):
        # DRF has authenticated the caller (token or session) onto the Django request.
        return version_download(request._request, pk=int(kwargs["pk"]))


class ReplyViewSet(ReadViewSet):
    """Replies received to letters."""

    model = Reply
    serializer_class = ReplySerializer
    filterset_class = type(
        "ReplyFilterSet",
        (LetterPartFilterSet,),
        {"Meta": type("Meta", (), {"model": Reply, "fields": ["letter"]})},
    )


def api_register() -> None:
    from casefiles.api.registry import register_api_viewset

    register_api_viewset("letters", LetterViewSet, "letter")
    register_api_viewset("letter-versions", LetterVersionViewSet, "letterversion")
    register_api_viewset("replies", ReplyViewSet, "reply")
