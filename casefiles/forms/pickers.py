"""Choices offered by the staff forms: organisations with the case's country first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django import forms
from django.db.models import QuerySet
from django_countries import countries

from people.models import Organisation


def organisations_grouped(
    *, user, country: str, kinds: Iterable[str] = ()
) -> tuple[QuerySet[Organisation], list[Organisation], list]:
    """The organisations the user may see (of `kinds`, if given): the queryset, the records
    read, and their choices in two groups — the case's country first, then elsewhere (a
    court in the case's country is nearly always the one meant, an international body
    sometimes)."""
    visible = Organisation.objects.visible_to(user)
    kinds = list(kinds)
    if kinds:
        visible = visible.filter(kind__in=kinds)
    home: list[tuple[int, str]] = []
    elsewhere: list[tuple[int, str]] = []
    offered = list(visible.order_by("name", "pk"))
    for organisation in offered:
        (home if organisation.country == country else elsewhere).append(
            (organisation.pk, str(organisation))
        )
    groups: list = []
    if home:
        groups.append((countries.name(country) or "This country", home))
    if elsewhere:
        groups.append(("Elsewhere" if home else "Other countries", elsewhere))
    return visible, offered, groups


def offer_organisations(
    form: forms.Form, name: str, *, user, country: str, kinds: Iterable[str] = ()
) -> None:
    """Field `name` accepts only organisations the user may see (of `kinds`, if given), and
    offers them grouped as `organisations_grouped` says."""
    field = cast(forms.ModelChoiceField, form.fields[name])
    field.queryset, _, groups = organisations_grouped(user=user, country=country, kinds=kinds)
    blank = [("", field.empty_label)] if field.empty_label is not None else []
    field.widget.choices = blank + groups


# Facilities suggested under a detention's facility field: enough for a country's prisons.
FACILITIES_OFFERED = 200


def offer_facilities(form: forms.Form, name: str, *, user, country: str) -> None:
    """Text field `name` suggests the places of detention already recorded in the cases the
    user may see, those in the case's country first — "SIZO-1, Almaty" typed once is picked
    after that, spelled the same way. Suggestions only: a new place is typed as before."""
    from casefiles.models import Detention

    recorded = (
        Detention.objects.visible_to(user)
        .exclude(facility="")
        .values_list("facility", "case__country")
        .order_by("facility")
        .distinct()[: FACILITIES_OFFERED * 2]
    )
    home: list[str] = []
    elsewhere: list[str] = []
    for facility, facility_country in recorded:
        (home if facility_country == country else elsewhere).append(facility)
    suggestions = list(dict.fromkeys(home + elsewhere))[:FACILITIES_OFFERED]
    field = form.fields[name]
    field.widget.attrs.update({"list": f"{name}-suggestions", "autocomplete": "off"})
    field.suggestions = suggestions  # type: ignore[attr-defined]
