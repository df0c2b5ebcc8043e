"""Staff pages, mounted at the site root."""

from django.urls import path

from casefiles import views
from casefiles.views import charges as charge_views
from casefiles.views import events, sources

app_name = "staff"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/timeline/", views.case_timeline_page, name="case_timeline"),
    path("cases/<int:pk>/brief/", views.case_brief, name="case_brief"),
    path("cases/<int:pk>/brief.pdf", views.case_brief_pdf, name="case_brief_pdf"),
    path("cases/<int:pk>/detentions/new/", views.detention_log, name="detention_log"),
    path("cases/<int:pk>/hearings/new/", views.hearing_log, name="hearing_log"),
    path("cases/<int:pk>/sentence-steps/new/", views.sentence_step_log, name="sentence_step_log"),
    path("search/", views.search, name="search"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/new/", views.calendar_issue, name="calendar_issue"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]

urlpatterns += [
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/picker/", views.person_picker, name="person_picker"),
    path("sources/<int:pk>/file/", views.source_file, name="source_file"),
]

# Charges and verdicts (casefiles.views.charges).
urlpatterns += [
    path("cases/<int:pk>/charges/new/", charge_views.charge_add, name="charge_add"),
    path("charges/<int:pk>/edit/", charge_views.charge_edit, name="charge_edit"),
    path("cases/<int:pk>/verdict/", charge_views.verdict_record, name="verdict_record"),
]

# Parties and persons (casefiles.views.parties, casefiles.views.persons).
from casefiles.views import parties, persons  # noqa: E402  (kept in its block)

urlpatterns += [
    path("cases/<int:pk>/parties/new/", parties.party_add, name="party_add"),
    path("parties/<int:pk>/edit/", parties.party_edit, name="party_edit"),
    path("parties/<int:pk>/remove/", parties.party_remove, name="party_remove"),
    path("people/new/", persons.person_add, name="person_add"),
    path("people/<int:pk>/edit/", persons.person_edit, name="person_edit"),
]

# Events and sources (casefiles.views.events, casefiles.views.sources).
urlpatterns += [
    path("cases/<int:pk>/events/new/", events.event_add, name="event_add"),
    path("events/<int:pk>/edit/", events.event_edit, name="event_edit"),
    path("cases/<int:pk>/sources/new/", sources.source_add, name="source_add"),
    path("sources/<int:pk>/edit/", sources.source_edit, name="source_edit"),
]

# Sentence chains and fact edits (casefiles.views.facts).
urlpatterns += [
    path("sentence-steps/<int:pk>/edit/", views.sentence_step_edit, name="sentence_step_edit"),
    path("detentions/<int:pk>/edit/", views.detention_edit, name="detention_edit"),
    path("hearings/<int:pk>/edit/", views.hearing_edit, name="hearing_edit"),
]

# Spreadsheet import (casefiles.views.imports).
from casefiles.views import imports  # noqa: E402  (kept in its block)

urlpatterns += [
    path("import/", imports.import_upload, name="import_upload"),
    path("import/<int:pk>/", imports.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
]

# Personal API tokens (casefiles.views.api_tokens).
from casefiles.views import api_tokens  # noqa: E402  (kept in its block)

urlpatterns += [
    path("account/api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<int:pk>/revoke/",
        api_tokens.api_token_revoke_view,
        name="api_token_revoke",
    ),
]

# Exports as zips (casefiles.views.exports; docs/export.md).
from casefiles.views import exports  # noqa: E402  (kept in its block)

urlpatterns += [
    path("export/", exports.export_all, name="export_all"),
    path("cases/<int:pk>/export.zip", exports.case_export, name="case_export"),
]
