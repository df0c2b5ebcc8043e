"""/api/: the endpoints (a DRF router, without format suffixes), the OpenAPI schema and its
browsable docs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import permissions, routers

from casefiles.api import views
from casefiles.api.registry import api_viewsets

app_name = "api"


class ApiRootView(routers.APIRootView):
    """The list of endpoints; see /api/docs/ for each one's fields and filters."""

    permission_classes = [permissions.IsAuthenticated]  # it names endpoints, no records

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False  # DRF answers 401 itself, no login redirect (explicit)
        return view


class Router(routers.DefaultRouter):
    APIRootView = ApiRootView
    include_format_suffixes = False


class SchemaView(SpectacularAPIView):
    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False  # fetched with a token by clients and test tools
        return view


router = Router()
router.register("persons", views.PersonViewSet, basename="person")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("positions", views.PositionViewSet, basename="position")
router.register("cases", views.CaseViewSet, basename="case")
router.register("parties", views.PartyViewSet, basename="party")
router.register("charges", views.ChargeViewSet, basename="charge")
router.register("detentions", views.DetentionViewSet, basename="detention")
router.register("sentences", views.SentenceStepViewSet, basename="sentencestep")
router.register("hearings", views.HearingViewSet, basename="hearing")
router.register("events", views.EventViewSet, basename="event")
router.register("sources", views.SourceViewSet, basename="source")
for prefix, viewset, basename in api_viewsets():
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    # A page for people: an anonymous visitor is sent to the login page, not given a 401.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html"
            )
        ),
        name="docs",
    ),
    *router.urls,
]
