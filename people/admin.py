from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from people.admin_visibility import VisibleAdmin, VisibleTabularInline
from people.models import Alias, HealthCondition, Organisation, Person, Position, Relationship


class AliasInline(VisibleTabularInline):
    model = Alias
    extra = 0


class PositionInline(VisibleTabularInline):
    model = Position
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = [
        "title",
        "title_abbreviation",
        "organisation",
        "honorific",
        "represents_country",
        "started_on",
        "ended_on",
        "postal_address",
        "emails",
    ]


class HealthConditionInline(VisibleTabularInline):
    """Shown only to users holding people.view_healthcondition (Django checks per inline)."""

    model = HealthCondition
    extra = 0


class RelationshipInline(VisibleTabularInline):
    model = Relationship
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["other"]


@admin.register(Person)
class PersonAdmin(VisibleAdmin):
    list_display = ["family_name", "given_name", "name_original", "citizenship", "residence"]
    list_display_links = ["family_name", "given_name"]
    list_filter = ["citizenship"]
    search_fields = ["family_name", "given_name", "name_original", "aliases__name", "ep_identifier"]
    inlines = [AliasInline, PositionInline, RelationshipInline, HealthConditionInline]
    fieldsets = [
        (
            None,
            {"fields": ["title", "given_name", "family_name", "name_original", "original_script"]},
        ),
        (
            "Details",
            {
                "fields": [
                    ("birth_date", "birth_date_precision"),
                    "citizenship",
                    "residence",
                    "home_town",
                    "ep_identifier",
                    "notes",
                ]
            },
        ),
    ]


@admin.register(Alias)
class AliasAdmin(VisibleAdmin):
    list_display = ["name", "person", "script", "kind"]
    list_filter = ["script", "kind"]
    search_fields = ["name", "person__family_name", "person__given_name"]
    autocomplete_fields = ["person"]
    list_select_related = ["person"]


@admin.register(HealthCondition)
class HealthConditionAdmin(VisibleAdmin):
    list_display = ["person", "condition", "noted_on"]
    search_fields = ["person__family_name", "condition"]
    autocomplete_fields = ["person"]
    list_select_related = ["person"]


@admin.register(Relationship)
class RelationshipAdmin(VisibleAdmin):
    list_display = ["person", "kind", "other"]
    list_filter = ["kind"]
    search_fields = ["person__family_name", "other__family_name", "person__aliases__name"]
    autocomplete_fields = ["person", "other"]
    list_select_related = ["person", "other"]


@admin.register(Organisation)
class OrganisationAdmin(VisibleAdmin):
    list_display = ["name", "abbreviation", "kind", "parent", "country", "email"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "name_original", "abbreviation"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Position)
class PositionAdmin(VisibleAdmin):
    list_display = ["person", "title", "organisation", "honorific", "started_on", "ended_on"]
    list_filter = ["organisation__kind"]
    search_fields = ["person__family_name", "person__given_name", "title", "organisation__name"]
    autocomplete_fields = ["person", "organisation"]
    list_select_related = ["person", "organisation"]


# Staff accounts and roles: recorded like every other record (people.history), with their
# history in the back office.
admin.site.unregister(User)
admin.site.unregister(Group)


# Staff accounts and roles, with their history — read-only like every history page here:
# a "revert" of a role would hand out or take away permissions unrecorded by any form.
@admin.register(User)
class StaffUserAdmin(VisibleAdmin, UserAdmin):
    pass


@admin.register(Group)
class RoleAdmin(VisibleAdmin, GroupAdmin):
    pass
