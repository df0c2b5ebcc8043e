from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from letters.models import (
    Delivery,
    Letter,
    LetterCase,
    Letterhead,
    LetterRecipient,
    LetterRevision,
    LetterSignatory,
    LetterTemplate,
    LetterVersion,
    Reply,
    SignatoryEvent,
    SignatureInvitation,
)
from letters.rendering import LetterContentError
from letters.selectors import letter_cases
from letters.services import letter_version_request
from letters.services_recipients import letter_is_frozen
from people.admin_visibility import VisibleAdmin, VisibleStackedInline, VisibleTabularInline

# Workflow fields: written only by the services behind the letter page (signing,
# finalising, sending), never typed into the back office.
SIGNATURE_WORKFLOW_FIELDS = (
    "status",
    "revision",
    "signed_at",
    "signed_via",
    "signature_image",
    "signed_name",
    "signed_for_as",
    "declined_at",
    "decline_reason",
)
LETTER_WORKFLOW_FIELDS = ("status", "sent_on", "finalised_at", "finalised_by")


class LetterRecipientForm(forms.ModelForm):
    """Leave the title line or address block empty to copy them from the chosen position."""

    class Meta:
        model = LetterRecipient
        fields = "__all__"  # noqa: DJ007 — the admin classes choose the fields shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title_line", "address_block"):
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        position = cleaned.get("position")
        if position is not None:
            cleaned["title_line"] = cleaned.get("title_line") or position.title
            cleaned["address_block"] = cleaned.get("address_block") or position.address_block
        for name in ("title_line", "address_block"):
            if not cleaned.get(name) and name in self.fields:
                self.add_error(name, "Fill this in, or choose a position to copy it from.")
        return cleaned


class LetterSignatoryForm(forms.ModelForm):
    """Leave "signs as" empty to take the line from the position (MEP (Group; Country))."""

    class Meta:
        model = LetterSignatory
        fields = "__all__"  # noqa: DJ007 — the admin classes choose the fields shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "signs_as" in self.fields:
            self.fields["signs_as"].required = False

    def clean(self):
        cleaned = super().clean()
        position = cleaned.get("position")
        # On a final or sent letter the line is read-only (not a field): nothing to fill.
        if "signs_as" in self.fields and not cleaned.get("signs_as"):
            if position is None:
                self.add_error("signs_as", "Fill this in, or choose the position they sign in.")
            else:
                cleaned["signs_as"] = position.signature_line
        return cleaned


class FrozenWithLetterInline:
    """Recipients and signatories of a final or sent letter are what was sent: the back
    office shows them read-only, with no adding or removing (the workflow owns them)."""

    def _frozen(self, obj) -> bool:
        return obj is not None and letter_is_frozen(obj)

    def get_readonly_fields(self, request, obj=None):
        if self._frozen(obj):
            return self.get_fields(request, obj)
        return super().get_readonly_fields(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class FrozenWithLetterAdmin:
    """The same rule on the recipients' and signatories' own admin pages."""

    def _frozen(self, obj) -> bool:
        return obj is not None and letter_is_frozen(obj.letter)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class LetterRecipientInline(FrozenWithLetterInline, VisibleStackedInline):
    model = LetterRecipient
    form = LetterRecipientForm
    extra = 0
    autocomplete_fields = ["position"]
    fields = [("kind", "order"), "position", "title_line", "address_block"]


class LetterSignatoryInline(FrozenWithLetterInline, VisibleTabularInline):
    model = LetterSignatory
    form = LetterSignatoryForm
    extra = 0
    autocomplete_fields = ["person", "position"]
    fields = [
        "order",
        "person",
        "position",
        "signs_as",
        "status",
        "revision",
        "signed_at",
        "signed_via",
        "signature_image",
    ]
    # Signatures are recorded on the letter page, through the signing services.
    readonly_fields = SIGNATURE_WORKFLOW_FIELDS


class LetterVersionInline(VisibleTabularInline):
    model = LetterVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "status",
        "is_final",
        "sha256",
        "file",
        "error",
        "created_at",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class LetterRevisionInline(VisibleTabularInline):
    """The texts sent out for signature; written only by "Send for signature"."""

    model = LetterRevision
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "subject", "content_hash", "frozen_at", "frozen_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReplyInline(VisibleTabularInline):
    model = Reply
    extra = 0
    autocomplete_fields = ["from_person", "from_organisation"]


@admin.register(Letter)
class LetterAdmin(VisibleAdmin):
    list_display = ["reference", "subject", "case", "dated_on", "status", "sent_on"]
    list_filter = ["status", "language"]
    search_fields = ["reference", "subject", "cases__reference", "cases__title"]
    autocomplete_fields = ["case"]
    list_select_related = ["case"]
    date_hierarchy = "dated_on"
    inlines = [
        LetterRecipientInline,
        LetterSignatoryInline,
        LetterRevisionInline,
        LetterVersionInline,
        ReplyInline,
    ]
    readonly_fields = ["letter_page", "all_cases", *LETTER_WORKFLOW_FIELDS]
    actions = ["render_pdf"]

    def get_readonly_fields(self, request, obj=None):
        # The cases a letter concerns change on the letter page (letters.services_cases);
        # here the main case is chosen once, when a letter is added.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "case"] if obj is not None else fields

    @admin.display(description="Cases it concerns")
    def all_cases(self, obj: Letter) -> str:
        if not obj.pk:
            return "The main case; add others on the letter page."
        return ", ".join(case.reference for case in letter_cases(obj))

    @admin.display(description="Letter page")
    def letter_page(self, obj: Letter) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">Preview, generate and download the PDF; edit recipients and '
            "signatories</a>",
            reverse("letters:detail", args=[obj.pk]),
        )

    @admin.action(description="Render PDF of the selected letters", permissions=["change"])
    def render_pdf(self, request, queryset) -> None:
        queued = 0
        for letter in queryset:
            try:
                letter_version_request(letter=letter, requested_by=request.user)
            except LetterContentError as exc:
                self.message_user(request, f"{letter.reference}: {exc}", messages.ERROR)
            else:
                queued += 1
        if queued:
            self.message_user(
                request,
                f"{queued} letter(s) sent for rendering; see each letter's page.",
                messages.SUCCESS,
            )


@admin.register(LetterRecipient)
class LetterRecipientAdmin(FrozenWithLetterAdmin, VisibleAdmin):
    form = LetterRecipientForm
    list_display = ["title_line", "kind", "letter"]
    list_filter = ["kind"]
    search_fields = ["title_line", "address_block", "letter__reference"]
    autocomplete_fields = ["letter", "position"]
    list_select_related = ["letter"]


@admin.register(LetterSignatory)
class LetterSignatoryAdmin(FrozenWithLetterAdmin, VisibleAdmin):
    form = LetterSignatoryForm
    list_display = ["person", "signs_as", "status", "signed_at", "letter"]
    list_filter = ["status", "signed_via"]
    search_fields = ["person__family_name", "signs_as", "letter__reference"]
    autocomplete_fields = ["letter", "person", "position"]
    list_select_related = ["person", "letter"]
    readonly_fields = SIGNATURE_WORKFLOW_FIELDS


@admin.register(LetterRevision)
class LetterRevisionAdmin(VisibleAdmin):
    """Read-only: a revision is written by "Send for signature" and never changes."""

    list_display = ["letter", "number", "subject", "frozen_at", "frozen_by"]
    search_fields = ["letter__reference", "subject"]
    list_select_related = ["letter", "frozen_by"]
    readonly_fields = [
        "letter",
        "number",
        "subject",
        "place",
        "dated_on",
        "language",
        "salutation",
        "body",
        "closing",
        "content_hash",
        "frozen_at",
        "frozen_by",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LetterCase)
class LetterCaseAdmin(VisibleAdmin):
    """Read-only: the cases a letter concerns change on the letter page
    (letters.services_cases). Deleting one here is as removing it there: refused on a frozen
    letter and for its main case (hence never the last)."""

    list_display = ["letter", "case"]
    search_fields = ["letter__reference", "case__reference"]
    list_select_related = ["letter", "case"]
    readonly_fields = ["letter", "case"]
    # No bulk deletion, which would bypass LetterCase.delete's guards; deleting a draft
    # letter here deletes its links with it.
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LetterVersion)
class LetterVersionAdmin(VisibleAdmin):
    list_display = ["letter", "number", "status", "is_final", "sha256", "created_at"]
    list_filter = ["status", "is_final"]
    search_fields = ["letter__reference", "sha256"]
    list_select_related = ["letter"]
    readonly_fields = [
        "letter",
        "number",
        "content_hash",
        "status",
        "file",
        "sha256",
        "is_final",
        "error",
        "requested_by",
        "created_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # versions are made by rendering, never by hand

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a version is what was rendered; the back office only shows it


@admin.register(Reply)
class ReplyAdmin(VisibleAdmin):
    list_display = ["letter", "received_on", "from_person", "from_organisation"]
    search_fields = ["letter__reference", "summary"]
    autocomplete_fields = ["letter", "from_person", "from_organisation"]
    list_select_related = ["letter", "from_person", "from_organisation"]


@admin.register(LetterTemplate)
class LetterTemplateAdmin(VisibleAdmin):
    list_display = ["name", "subject"]
    search_fields = ["name", "subject", "body"]


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin):
    """The organisation's one letterhead; only Administrators may change it (roles)."""

    list_display = ["name"]
    fields = ["name", "address", "logo"]

    def has_add_permission(self, request) -> bool:
        # One letterhead: once it exists it is changed, not added to.
        return super().has_add_permission(request) and not Letterhead.objects.exists()


class _ReadOnlyAdmin(VisibleAdmin):
    """Written only by the invitations' services (letters.invitations), never typed here."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SignatureInvitation)
class SignatureInvitationAdmin(_ReadOnlyAdmin):
    list_display = ["signatory", "revision", "sent_to", "expires_at", "revoked_at"]
    search_fields = ["sent_to", "signatory__letter__reference"]
    list_select_related = ["signatory__person", "revision__letter"]
    exclude = ["token_hash"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "token_hash"]


@admin.register(SignatoryEvent)
class SignatoryEventAdmin(_ReadOnlyAdmin):
    list_display = ["signatory", "kind", "at", "ip"]
    list_filter = ["kind"]
    search_fields = ["signatory__letter__reference", "detail", "ip"]
    list_select_related = ["signatory__person"]


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnlyAdmin):
    """Written only by letters.sending ("Send" and its task)."""

    list_display = ["letter", "kind", "address", "status", "sent_at", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["letter__reference", "address", "message_id"]
    list_select_related = ["letter"]
