from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest

from casefiles.models import (
    ApiToken,
    Article,
    CalendarFeed,
    Case,
    CaseParty,
    Charge,
    Detention,
    Event,
    EventParticipant,
    Hearing,
    ImportRun,
    Reminder,
    SearchName,
    SentenceStep,
    Source,
)
from casefiles.services import case_creator_assign, term_end
from people.admin_visibility import (
    BoundedStackedInline,
    BoundedTabularInline,
    VisibleAdmin,
    VisibleChoicesMixin,
    VisibleTabularInline,
    visible,
)
from people.dates import DatePrecision
from people.deletion import deletion_refusal


class CasePartyInlineFormSet(forms.BaseInlineFormSet):
    """A party ticked for deletion on the case page is refused, with the reason, while the
    case records facts about them (the same rule as the staff page's Remove)."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            refusal = deletion_refusal(form.instance) if form.instance.pk else None
            if refusal:
                raise ValidationError(refusal)


class CasePartyInline(BoundedTabularInline):
    model = CaseParty
    newest_first = ("-pk",)
    formset = CasePartyInlineFormSet
    extra = 0
    autocomplete_fields = ["person", "organisation"]


class ChargeInline(BoundedTabularInline):
    model = Charge
    newest_first = (F("brought_on").desc(nulls_last=True), "-pk")
    extra = 0
    autocomplete_fields = ["person", "article", "sources"]
    fields = [
        "person",
        "article",
        "description",
        "brought_on",
        "brought_on_precision",
        "status",
        "decided_on",
        "decided_on_precision",
        "sources",
    ]


class DetentionAdminForm(forms.ModelForm):
    """Fills in the planned end from the ordered term, as the Log detention page does."""

    class Meta:
        model = Detention
        fields = "__all__"  # noqa: DJ007 — the admin classes choose the fields shown

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "started_on_precision" in self.fields:
            # Not posted (a script, an older page): the day is known, as before.
            self.fields["started_on_precision"].required = False

    def clean_started_on_precision(self) -> str:
        return self.cleaned_data.get("started_on_precision") or DatePrecision.DAY

    def clean(self):
        cleaned = super().clean()
        start, length, unit = (cleaned.get(k) for k in ("started_on", "term_length", "term_unit"))
        # From a start known only to the month or year, the end would be a guess.
        day_known = cleaned.get("started_on_precision") == DatePrecision.DAY
        if start and length and unit and day_known and not cleaned.get("planned_end"):
            cleaned["planned_end"] = term_end(started_on=start, length=length, unit=unit)
        return cleaned


class DetentionInline(BoundedTabularInline):
    form = DetentionAdminForm
    model = Detention
    newest_first = ("-started_on", "-pk")
    extra = 0
    autocomplete_fields = ["person", "ordered_by", "sources"]
    fields = [
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
    ]


class HearingInline(BoundedTabularInline):
    model = Hearing
    newest_first = ("-held_on", "-pk")
    extra = 0
    autocomplete_fields = ["court", "judge", "defendants", "sources"]
    fields = ["held_on", "starts_at", "kind", "court", "judge", "defendants", "outcome", "sources"]


class SentenceStepInline(BoundedTabularInline):
    model = SentenceStep
    newest_first = ("-occurred_on", "-pk")
    extra = 0
    autocomplete_fields = ["person", "article", "court", "sources"]
    fields = [
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
    ]


class EventInline(BoundedStackedInline):
    model = Event
    newest_first = ("-occurred_on", "-pk")
    extra = 0
    autocomplete_fields = ["sources"]
    fields = [("occurred_on", "precision", "kind"), "title", "description", "place", "sources"]
    show_change_link = True


@admin.register(Case)
class CaseAdmin(VisibleAdmin):
    list_display = ["reference", "title", "country_name", "status", "restricted", "opened_on"]
    list_filter = ["status", "restricted", "country"]
    search_fields = [
        "reference",
        "title",
        "parties__person__family_name",
        "parties__person__aliases__name",
    ]
    autocomplete_fields = ["assigned_staff"]
    date_hierarchy = "opened_on"
    # Counting every visible case again for "(20,000 total)" on each filtered page costs
    # more than the page; the filtered count is still shown.
    show_full_result_count = False
    # A long case has thousands of events, detentions and hearings: each inline shows the
    # newest 20 and links to the full, paginated list filtered by the case.
    inlines = [
        CasePartyInline,
        ChargeInline,
        SentenceStepInline,
        DetentionInline,
        HearingInline,
        EventInline,
    ]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            case_creator_assign(case=form.instance, user=request.user)

    @admin.display(description="country", ordering="country")
    def country_name(self, case: Case) -> str:
        # The admin's own column looks the name up among every country's choices, per row.
        return case.country.name  # type: ignore[attr-defined]  # a Country, not its code


@admin.register(CaseParty)
class CasePartyAdmin(VisibleAdmin):
    list_display = ["case", "person", "organisation", "role"]
    list_filter = ["role"]
    search_fields = ["person__family_name", "organisation__name", "case__reference"]
    autocomplete_fields = ["case", "person", "organisation"]
    list_select_related = ["case", "person", "organisation"]


@admin.register(Article)
class ArticleAdmin(VisibleAdmin):
    list_display = ["jurisdiction", "code", "number", "part", "title"]
    list_filter = ["jurisdiction", "code"]
    search_fields = ["number", "title", "code"]


@admin.register(Charge)
class ChargeAdmin(VisibleAdmin):
    list_display = [
        "person",
        "offence",
        "case",
        "status",
        "brought",
        "decided",
    ]
    list_filter = ["status", "case__country"]
    search_fields = [
        "person__family_name",
        "person__aliases__name",
        "article__title",
        "description",
        "case__reference",
    ]
    autocomplete_fields = ["case", "person", "article", "sources"]
    list_select_related = ["person", "article", "case"]

    @admin.display(description="brought on", ordering="brought_on")
    def brought(self, charge: Charge) -> str:
        return charge.brought_on_display if charge.brought_on else ""

    @admin.display(description="decided on", ordering="decided_on")
    def decided(self, charge: Charge) -> str:
        return charge.decided_on_display if charge.decided_on else ""


@admin.register(Detention)
class DetentionAdmin(VisibleAdmin):
    form = DetentionAdminForm
    list_display = [
        "person",
        "measure",
        "started",
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

    @admin.display(description="started on", ordering="started_on")
    def started(self, detention: Detention) -> str:
        return detention.started_on_display


@admin.register(Hearing)
class HearingAdmin(VisibleAdmin):
    list_display = ["held_on", "kind", "court", "case"]
    list_filter = ["kind"]
    search_fields = ["case__reference", "court__name", "outcome"]
    autocomplete_fields = ["case", "court", "judge", "defendants", "sources"]
    list_select_related = ["court", "case"]
    date_hierarchy = "held_on"


@admin.register(SentenceStep)
class SentenceStepAdmin(VisibleAdmin):
    list_display = ["person", "kind", "date_display", "sentence_kind", "months", "reason", "case"]
    list_filter = ["kind", "sentence_kind", "case__country"]
    search_fields = ["person__family_name", "person__aliases__name", "reason", "case__reference"]
    autocomplete_fields = ["case", "person", "article", "court", "sources"]
    list_select_related = ["person", "case"]
    date_hierarchy = "occurred_on"


class EventParticipantInline(VisibleTabularInline):
    model = EventParticipant
    extra = 0
    autocomplete_fields = ["person", "organisation"]


@admin.register(Event)
class EventAdmin(VisibleAdmin):
    list_display = ["date_display", "kind", "title", "case"]
    list_filter = ["kind", "precision"]
    search_fields = ["title", "description", "place", "case__reference"]
    autocomplete_fields = ["case", "sources"]
    list_select_related = ["case"]
    date_hierarchy = "occurred_on"
    inlines = [EventParticipantInline]


@admin.register(EventParticipant)
class EventParticipantAdmin(VisibleAdmin):
    list_display = ["event", "person", "organisation", "role"]
    list_filter = ["role"]
    search_fields = ["person__family_name", "organisation__name", "event__title"]
    autocomplete_fields = ["event", "person", "organisation"]
    list_select_related = ["event", "person", "organisation"]


@admin.register(Source)
class SourceAdmin(VisibleAdmin):
    list_display = ["title", "publisher", "url", "published_on", "accessed_on"]
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "accessed_on"


# --- Staff pages: derived search keys, reminders sent, calendar feeds ---------------------
# Written only by the code (signals, the daily job, the Calendar page); the back office
# reads them, and administrators can revoke a feed.


@admin.register(SearchName)
class SearchNameAdmin(VisibleChoicesMixin, admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible(super().get_queryset(request), request.user)

    list_display = ["text", "key", "person", "organisation", "case"]
    search_fields = ["text", "key"]
    list_select_related = ["person", "organisation", "case"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(VisibleChoicesMixin, admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible(super().get_queryset(request), request.user)

    list_display = ["due_on", "kind", "message", "emailed_at", "error"]
    list_filter = ["kind"]
    search_fields = ["message", "case__reference"]
    date_hierarchy = "due_on"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """A feed is its user's own: only those who manage staff accounts (Administrators,
        superusers) see, revoke or delete other people's."""
        feeds = super().get_queryset(request)
        if request.user.has_perm("auth.change_user"):
            return feeds
        return feeds.filter(user_id=request.user.pk)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected calendar feeds", permissions=["delete"])
    def revoke(self, request, queryset) -> None:
        from django.utils import timezone

        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{revoked} calendar feed(s) revoked.")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    exclude = ["key_hash"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """A token is its user's own: only those who manage staff accounts (Administrators,
        superusers) see or revoke other people's (as calendar feeds)."""
        tokens = super().get_queryset(request)
        if request.user.has_perm("auth.change_user"):
            return tokens
        return tokens.filter(user_id=request.user.pk)

    def has_add_permission(self, request) -> bool:
        return False  # made on /account/api-tokens/, where the key is shown once

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected API tokens", permissions=["delete"])
    def revoke(self, request, queryset) -> None:
        from casefiles.services.api_tokens import api_token_revoke

        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            revoked += 1
        self.message_user(request, f"{revoked} API token(s) revoked.")


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Who imported which spreadsheet, when, and what it did: read-only (an import is made
    and confirmed on /import/). Its report names the rows' persons, so a run is its
    uploader's own unless the reader sees every case (Administrators)."""

    list_display = ["file_name", "kind", "status", "username", "created_at", "applied_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "user",
        "username",
        "kind",
        "file_name",
        "sha256",
        "status",
        "created_at",
        "applied_at",
        "rows",
        "created",
        "updated",
        "matched",
        "errors",
        "report",
    ]
    exclude = ["file"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        runs = super().get_queryset(request)
        if request.user.has_perm("casefiles.view_restricted_case"):
            return runs
        return runs.filter(user_id=request.user.pk)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
