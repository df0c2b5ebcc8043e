from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from casefiles.models import (
    Article,
    Case,
    CaseParty,
    Charge,
    Detention,
    Event,
    EventParticipant,
    Hearing,
    Source,
)


class CasePartyInline(admin.TabularInline):
    model = CaseParty
    extra = 0
    autocomplete_fields = ["person", "organisation"]


class ChargeInline(admin.TabularInline):
    model = Charge
    extra = 0
    autocomplete_fields = ["person", "article", "sources"]
    fields = [
        "person",
        "article",
        "description",
        "brought_on",
        "status",
        "decided_on",
        "sentence_kind",
        "sentence_months",
        "sources",
    ]


class DetentionInline(admin.TabularInline):
    model = Detention
    extra = 0
    autocomplete_fields = ["person", "ordered_by", "sources"]
    fields = [
        "person",
        "measure",
        "started_on",
        "term_length",
        "term_unit",
        "planned_end",
        "actual_end",
        "facility",
        "ordered_by",
        "sources",
    ]


class HearingInline(admin.TabularInline):
    model = Hearing
    extra = 0
    autocomplete_fields = ["court", "judge", "defendants", "sources"]
    fields = ["held_on", "starts_at", "kind", "court", "judge", "defendants", "outcome", "sources"]


class EventInline(admin.StackedInline):
    model = Event
    extra = 0
    autocomplete_fields = ["sources"]
    fields = [("occurred_on", "precision", "kind"), "title", "description", "place", "sources"]
    show_change_link = True


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "country", "status", "opened_on"]
    list_filter = ["status", "country"]
    search_fields = [
        "reference",
        "title",
        "parties__person__family_name",
        "parties__person__aliases__name",
    ]
    autocomplete_fields = ["assigned_staff"]
    date_hierarchy = "opened_on"
    inlines = [CasePartyInline, ChargeInline, DetentionInline, HearingInline, EventInline]


@admin.register(CaseParty)
class CasePartyAdmin(SimpleHistoryAdmin):
    list_display = ["case", "person", "organisation", "role"]
    list_filter = ["role"]
    search_fields = ["person__family_name", "organisation__name", "case__reference"]
    autocomplete_fields = ["case", "person", "organisation"]
    list_select_related = ["case", "person", "organisation"]


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["jurisdiction", "code", "number", "part", "title"]
    list_filter = ["jurisdiction", "code"]
    search_fields = ["number", "title", "code"]


@admin.register(Charge)
class ChargeAdmin(SimpleHistoryAdmin):
    list_display = ["person", "offence", "case", "status", "brought_on", "decided_on"]
    list_filter = ["status", "sentence_kind", "case__country"]
    search_fields = [
        "person__family_name",
        "person__aliases__name",
        "article__title",
        "description",
        "case__reference",
    ]
    autocomplete_fields = ["case", "person", "article", "sources"]
    list_select_related = ["person", "article", "case"]


@admin.register(Detention)
class DetentionAdmin(SimpleHistoryAdmin):
    list_display = [
        "person",
        "measure",
        "started_on",
        "term_display",
        "planned_end",
        "actual_end",
        "case",
    ]
    list_filter = ["measure", "case__country"]
    search_fields = ["person__family_name", "person__aliases__name", "facility", "case__reference"]
    autocomplete_fields = ["case", "person", "ordered_by", "sources"]
    list_select_related = ["person", "case"]
    date_hierarchy = "started_on"


@admin.register(Hearing)
class HearingAdmin(SimpleHistoryAdmin):
    list_display = ["held_on", "kind", "court", "case"]
    list_filter = ["kind"]
    search_fields = ["case__reference", "court__name", "outcome"]
    autocomplete_fields = ["case", "court", "judge", "defendants", "sources"]
    list_select_related = ["court", "case"]
    date_hierarchy = "held_on"


class EventParticipantInline(admin.TabularInline):
    model = EventParticipant
    extra = 0
    autocomplete_fields = ["person", "organisation"]


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["date_display", "kind", "title", "case"]
    list_filter = ["kind", "precision"]
    search_fields = ["title", "description", "place", "case__reference"]
    autocomplete_fields = ["case", "sources"]
    list_select_related = ["case"]
    date_hierarchy = "occurred_on"
    inlines = [EventParticipantInline]


@admin.register(EventParticipant)
class EventParticipantAdmin(SimpleHistoryAdmin):
    list_display = ["event", "person", "organisation", "role"]
    list_filter = ["role"]
    search_fields = ["person__family_name", "organisation__name", "event__title"]
    autocomplete_fields = ["event", "person", "organisation"]
    list_select_related = ["event", "person", "organisation"]


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "url", "published_on", "accessed_on"]
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "accessed_on"
