"""Charges and verdicts from the case page: Add charge (an article typed in place is created
in the case's country), Edit charge, Record verdict (the sentence joins the person's chain),
the same refusals in the back office, and who may do it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from casefiles.models import Article, Charge, SentenceStep
from casefiles.services.charges import ChargeDraft, article_get_or_create, charges_bring
from tests.conftest import logged_in
from tests.factories import (
    ArticleFactory,
    CaseFactory,
    CasePartyFactory,
    ChargeFactory,
    OrganisationFactory,
    PersonFactory,
)
from tests.security.test_no_server_errors import FUZZ, _dates, _ids, _post, value

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def accused():
    """A Kazakh case and its political prisoner."""
    case = CaseFactory(country="KZ", reference="KZ-2021-001")
    person = PersonFactory(given_name="Bekizhan", family_name="Mendygazyev")
    CasePartyFactory(case=case, person=person)
    return case, person


def _charge_post(person, **values) -> dict:
    data = {
        "person": person.pk,
        "article": "",
        "article_number": "262",
        "article_part": "2",
        "article_title": "Participation in an organised group or criminal organisation",
        "description": "",
        "brought_on": "2021-06-05",
        "brought_on_precision": "day",
        "status": "charged",
        "decided_on": "",
        "decided_on_precision": "day",
    }
    data.update(values)
    return data


def _counts() -> tuple[int, int, int]:
    return Charge.objects.count(), Article.objects.count(), SentenceStep.objects.count()


# --- Add charge ---------------------------------------------------------------------------


def test_an_editor_brings_a_charge_under_a_new_article_created_in_the_cases_country(
    accused, editor_client
):
    case, person = accused
    response = editor_client.post(reverse("staff:charge_add", args=[case.pk]), _charge_post(person))
    assert response.status_code == 302, response.content.decode()[:3000]
    charge = Charge.objects.get()
    assert response["Location"] == (f"/cases/{case.pk}/?new=charge-{charge.pk}#charge-{charge.pk}")
    assert (charge.article.jurisdiction, charge.article.number, charge.article.part) == (
        "KZ",
        "262",
        "2",
    )
    page = editor_client.get(response["Location"]).content.decode()
    assert "Art. 262, Part 2 of the CC" in page
    assert "Participation in an organised group" in page
    assert "just logged" in page


def test_an_article_on_file_is_reused_not_created_twice(accused):
    case, _ = accused
    first = article_get_or_create(country="KZ", number="262", part="2", title="As worded")
    again = article_get_or_create(country="KZ", number="262", part="2", title="Other words")
    assert again == first and again.title == "As worded"
    # The same number in another country's code is another article.
    assert article_get_or_create(country="UZ", number="262", part="2", title="x") != first


def test_a_charge_known_to_the_month_is_shown_so(accused, editor_client):
    case, person = accused
    editor_client.post(
        reverse("staff:charge_add", args=[case.pk]),
        _charge_post(person, brought_on="2021-06-17", brought_on_precision="month"),
    )
    charge = Charge.objects.get()
    assert charge.brought_on == D(2021, 6, 1)
    assert charge.brought_on_display == "June 2021"


def test_a_person_who_is_not_a_party_is_refused_on_the_staff_page_writing_nothing(
    accused, editor_client
):
    case, _ = accused
    stranger = PersonFactory(given_name="Rinat", family_name="Batkayev")
    response = editor_client.post(
        reverse("staff:charge_add", args=[case.pk]), _charge_post(stranger)
    )
    assert response.status_code == 400
    assert "Rinat Batkayev is not a party to case KZ-2021-001" in response.content.decode()
    # Not even the article typed in place is left behind.
    assert _counts() == (0, 0, 0)


def test_an_article_of_another_countrys_code_is_refused_on_the_staff_page(accused, editor_client):
    case, person = accused
    russian = ArticleFactory(jurisdiction="RU", number="280", part="")
    response = editor_client.post(
        reverse("staff:charge_add", args=[case.pk]),
        _charge_post(person, article=russian.pk, article_number="", article_title=""),
    )
    assert response.status_code == 400
    # The picker offers only Kazakhstan's code, so another country's article is no choice.
    assert "Select a valid choice" in response.content.decode()
    assert Charge.objects.count() == 0
    with pytest.raises(ValidationError, match="belongs to the code of Russia"):
        charges_bring(case=case, person=person, charges=[ChargeDraft(article=russian)])
    assert Charge.objects.count() == 0


def test_a_charge_without_article_or_description_is_refused_by_the_article(accused, editor_client):
    case, person = accused
    response = editor_client.post(
        reverse("staff:charge_add", args=[case.pk]),
        _charge_post(person, article_number="", article_part="", article_title=""),
    )
    assert response.status_code == 400
    assert "Give the article of the code or describe the charge." in response.content.decode()
    assert _counts() == (0, 0, 0)


def test_a_new_article_without_its_wording_is_refused_on_its_field(accused, editor_client):
    case, person = accused
    response = editor_client.post(
        reverse("staff:charge_add", args=[case.pk]), _charge_post(person, article_title="")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["article_title"]
    assert _counts() == (0, 0, 0)


def test_several_charges_are_brought_at_once_or_not_at_all(accused):
    case, person = accused
    drafts = [
        ChargeDraft(article_number="218", article_part="2", article_title="Money laundering"),
        ChargeDraft(description="Tax evasion", status="convicted"),  # no decision date
    ]
    with pytest.raises(ValidationError) as refused:
        charges_bring(case=case, person=person, charges=drafts, prefix="charges-")
    assert "charges-1-decided_on" in refused.value.message_dict
    assert _counts() == (0, 0, 0)
    brought = charges_bring(
        case=case, person=person, charges=[drafts[0], ChargeDraft(description="Tax evasion")]
    )
    assert len(brought) == 2


# --- Back office ----------------------------------------------------------------------------


def _admin_post(case, person, **values) -> dict:
    data = {
        "case": case.pk,
        "person": person.pk,
        "article": "",
        "description": "Insulting the President",
        "brought_on": "2021-06-05",
        "brought_on_precision": "day",
        "status": "charged",
        "decided_on": "",
        "decided_on_precision": "day",
        "notes": "",
    }
    data.update(values)
    return data


def test_the_back_office_refuses_a_non_party_and_another_countrys_article(accused, administrator):
    case, person = accused
    client = logged_in(administrator)
    url = "/admin/casefiles/charge/add/"

    stranger = PersonFactory(given_name="Rinat", family_name="Batkayev")
    outsider = client.post(url, _admin_post(case, stranger))
    assert outsider.status_code == 200
    assert "Rinat Batkayev is not a party to case KZ-2021-001" in outsider.content.decode()

    russian = ArticleFactory(jurisdiction="RU", number="280", part="")
    foreign = client.post(url, _admin_post(case, person, article=russian.pk, description=""))
    assert foreign.status_code == 200
    assert "belongs to the code of Russia" in foreign.content.decode()
    assert Charge.objects.count() == 0

    # The same page saves a valid charge: the refusals above are the rules, not a broken form.
    saved = client.post(url, _admin_post(case, person))
    assert saved.status_code == 302
    assert Charge.objects.count() == 1


# --- Edit charge ---------------------------------------------------------------------------


def test_an_editor_corrects_a_charge_from_its_timeline_edit_link(accused, editor_client):
    case, person = accused
    (charge,) = charges_bring(
        case=case,
        person=person,
        charges=[ChargeDraft(description="Not stated", brought_on=D(2021, 6, 5))],
    )
    page = editor_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    edit = reverse("staff:charge_edit", args=[charge.pk])
    assert f'href="{edit}"' in page
    response = editor_client.post(
        edit, _charge_post(person, status="dropped", decided_on="2021-09-01")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    charge.refresh_from_db()
    assert charge.status == "dropped" and charge.decided_on == D(2021, 9, 1)
    assert charge.article.citation == "Art. 262, Part 2 of the CC"


def test_a_decision_before_the_charge_is_refused_and_the_charge_is_unchanged(
    accused, editor_client
):
    case, person = accused
    (charge,) = charges_bring(
        case=case, person=person, charges=[ChargeDraft(description="Not stated")]
    )
    response = editor_client.post(
        reverse("staff:charge_edit", args=[charge.pk]),
        _charge_post(person, status="acquitted", decided_on="2021-01-01"),
    )
    assert response.status_code == 400
    assert "A charge cannot be decided before it is brought." in response.content.decode()
    charge.refresh_from_db()
    assert (charge.status, charge.article) == ("charged", None)
    assert Article.objects.count() == 0


# --- Record verdict ----------------------------------------------------------------------


def _verdict_post(person, charges, **values) -> dict:
    data = {
        "person": person.pk,
        "charges": [charge.pk for charge in charges],
        "outcome": "convicted",
        "decided_on": "2022-03-14",
        "decided_on_precision": "day",
        "court": "",
        "sentence_kind": "imprisonment",
        "sentence_years": "7",
        "sentence_months": "6",
    }
    data.update(values)
    return data


def test_a_conviction_decides_the_charges_and_imposes_the_sentence(accused, editor_client):
    case, person = accused
    court = OrganisationFactory(country="KZ", kind="court", name="Aktobe City Court")
    charges = charges_bring(
        case=case,
        person=person,
        charges=[
            ChargeDraft(description="Money laundering", brought_on=D(2021, 6, 5)),
            ChargeDraft(description="Tax evasion", brought_on=D(2021, 6, 5)),
        ],
    )
    response = editor_client.post(
        reverse("staff:verdict_record", args=[case.pk]),
        _verdict_post(person, charges, court=court.pk, counts_time_held="on"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(Charge.objects.values_list("status", "decided_on")) == {
        ("convicted", D(2022, 3, 14))
    }
    step = SentenceStep.objects.get()
    assert (step.kind, step.sentence_kind, step.months, step.court, step.counts_time_held) == (
        "imposed",
        "imprisonment",
        90,
        court,
        True,
    )
    assert response["Location"].endswith(f"#sentence-step-{step.pk}")
    page = editor_client.get(response["Location"]).content.decode()
    assert "7 years and 6 months" in page


def test_an_acquittal_with_a_sentence_is_refused_writing_nothing(accused, editor_client):
    case, person = accused
    (charge,) = charges_bring(
        case=case, person=person, charges=[ChargeDraft(description="Not stated")]
    )
    response = editor_client.post(
        reverse("staff:verdict_record", args=[case.pk]),
        _verdict_post(person, [charge], outcome="acquitted"),
    )
    assert response.status_code == 400
    assert "Only a conviction carries a sentence." in response.content.decode()
    charge.refresh_from_db()
    assert charge.status == "charged" and SentenceStep.objects.count() == 0


def test_a_conviction_without_a_length_is_refused_writing_nothing(accused, editor_client):
    case, person = accused
    (charge,) = charges_bring(
        case=case, person=person, charges=[ChargeDraft(description="Not stated")]
    )
    response = editor_client.post(
        reverse("staff:verdict_record", args=[case.pk]),
        _verdict_post(person, [charge], sentence_years="", sentence_months=""),
    )
    assert response.status_code == 400
    assert "Give the length of the sentence." in response.content.decode()
    charge.refresh_from_db()
    assert charge.status == "charged" and SentenceStep.objects.count() == 0


def test_another_persons_charges_are_refused(accused, editor_client):
    case, person = accused
    other = PersonFactory()
    CasePartyFactory(case=case, person=other)
    (theirs,) = charges_bring(
        case=case, person=other, charges=[ChargeDraft(description="Not stated")]
    )
    response = editor_client.post(
        reverse("staff:verdict_record", args=[case.pk]), _verdict_post(person, [theirs])
    )
    assert response.status_code == 400
    assert "Only Bekizhan Mendygazyev" in response.content.decode()
    assert Charge.objects.get().status == "charged"


# --- Who may ---------------------------------------------------------------------------------


def test_a_viewer_is_refused_every_charge_page(accused, viewer_client):
    case, person = accused
    charge = ChargeFactory(case=case, person=person)
    urls = [
        reverse("staff:charge_add", args=[case.pk]),
        reverse("staff:charge_edit", args=[charge.pk]),
        reverse("staff:verdict_record", args=[case.pk]),
    ]
    for url in urls:
        assert viewer_client.get(url).status_code == 403
        assert viewer_client.post(url, _charge_post(person)).status_code == 403
    assert Charge.objects.count() == 1
    page = viewer_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert "Add charge" not in page and "Record verdict" not in page
    assert reverse("staff:charge_edit", args=[charge.pk]) not in page


def test_a_restricted_case_answers_404_to_an_editor_outside_it(editor_client):
    case = CaseFactory(restricted=True)
    person = PersonFactory()
    CasePartyFactory(case=case, person=person)
    charge = ChargeFactory(case=case, person=person)
    for url in (
        reverse("staff:charge_add", args=[case.pk]),
        reverse("staff:charge_edit", args=[charge.pk]),
        reverse("staff:verdict_record", args=[case.pk]),
    ):
        assert editor_client.get(url).status_code == 404
        assert editor_client.post(url, _charge_post(person)).status_code == 404
    assert Charge.objects.count() == 1


# --- Migration 0014: the charges' sentences join the persons' chains ----------------------------


# serialized_rollback: the flush after this test then leaves the tables empty for the next
# test that puts the roles and content types back (a plain flush would re-create them).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_0014_moves_a_charges_sentence_into_the_persons_chain_once():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [
        ("casefiles", "0013_uncertain_dates_and_international_events"),
        ("people", "0005_organisation_kind_international_bodies"),
    ]
    executor = MigrationExecutor(connection)
    # Forward again to every app's latest migration, not only 0015: the tests after this one
    # need the whole schema back.
    after = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Case_ = old.get_model("casefiles", "Case")
    Person_ = old.get_model("people", "Person")
    Charge_ = old.get_model("casefiles", "Charge")
    Step_ = old.get_model("casefiles", "SentenceStep")
    case = Case_.objects.create(
        reference="KZ-M-1", title="t", country="KZ", opened_on=D(2021, 1, 1)
    )
    sentenced = Person_.objects.create(given_name="Baurzhan", family_name="Jussupov")
    already = Person_.objects.create(given_name="Nataliya", family_name="Dauletiyarova")
    for person in (sentenced, already):
        Charge_.objects.create(
            case=case,
            person=person,
            description="Not stated",
            status="convicted",
            decided_on=D(2021, 5, 17),
            sentence_kind="probation",
            sentence_months=60,
        )
    Step_.objects.create(
        case=case,
        person=already,
        kind="imposed",
        occurred_on=D(2021, 5, 17),
        sentence_kind="probation",
        months=36,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    steps = SentenceStep.objects.filter(case_id=case.pk, kind="imposed")
    moved = steps.get(person_id=sentenced.pk)
    assert (moved.occurred_on, moved.sentence_kind, moved.months) == (
        D(2021, 5, 17),
        "probation",
        60,
    )
    # A chain that already began keeps its own sentence.
    assert steps.get(person_id=already.pk).months == 36


# --- Whatever is posted: no server error, and a refusal writes nothing -------------------------


@FUZZ
@given(data=st.data())
def test_add_charge_never_fails_and_a_refusal_writes_nothing(editor_client, data):
    case = CaseFactory(country="KZ")
    person = PersonFactory()
    CasePartyFactory(case=case, person=person)
    fields = {
        "person": data.draw(st.one_of(st.just(str(person.pk)), _ids, value)),
        "article": data.draw(st.one_of(st.just(""), _ids, value)),
        "article_number": data.draw(st.one_of(st.just("262"), value)),
        "article_part": data.draw(value),
        "article_title": data.draw(value),
        "description": data.draw(value),
        "brought_on": data.draw(st.one_of(st.just(""), _dates, value)),
        "brought_on_precision": data.draw(st.one_of(st.just("month"), value)),
        "status": data.draw(st.one_of(st.just("charged"), st.just("convicted"), value)),
        "decided_on": data.draw(st.one_of(st.just(""), _dates, value)),
    }
    before = _counts()
    response = _post(editor_client, reverse("staff:charge_add", args=[case.pk]), fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert _counts() == before


@FUZZ
@given(data=st.data())
def test_record_verdict_never_fails_and_a_refusal_writes_nothing(editor_client, data):
    case = CaseFactory(country="KZ")
    person = PersonFactory()
    CasePartyFactory(case=case, person=person)
    charge = ChargeFactory(case=case, person=person, article=None, description="Not stated")
    fields = {
        "person": data.draw(st.one_of(st.just(str(person.pk)), _ids, value)),
        "charges": data.draw(st.lists(st.one_of(st.just(str(charge.pk)), _ids), max_size=2)),
        "outcome": data.draw(st.one_of(st.just("convicted"), value)),
        "decided_on": data.draw(st.one_of(_dates, value)),
        "decided_on_precision": data.draw(st.one_of(st.just("day"), value)),
        "sentence_kind": data.draw(st.one_of(st.just("imprisonment"), value)),
        "sentence_years": data.draw(st.one_of(st.integers(-5, 200).map(str), value)),
        "sentence_months": data.draw(st.one_of(st.integers(-5, 2000).map(str), value)),
    }
    before = _counts()
    response = _post(editor_client, reverse("staff:verdict_record", args=[case.pk]), fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert _counts() == before
        charge.refresh_from_db()
        assert charge.status == "charged"


def test_the_verdict_page_offers_the_chosen_persons_charges(accused, editor_client):
    case, person = accused
    other = PersonFactory(given_name="Rinat", family_name="Batkayev")
    CasePartyFactory(case=case, person=other, role="defendant")
    (mine,) = charges_bring(case=case, person=person, charges=[ChargeDraft(description="Mine")])
    (theirs,) = charges_bring(case=case, person=other, charges=[ChargeDraft(description="Theirs")])
    url = reverse("staff:verdict_record", args=[case.pk])
    page = editor_client.get(url).content.decode()  # the political prisoner, by default
    assert "Bekizhan Mendygazyev: Mine" in page and "Theirs" not in page
    page = editor_client.get(f"{url}?person={other.pk}").content.decode()
    assert "Rinat Batkayev: Theirs" in page and "Mine (" not in page
    assert f'name="charges" value="{theirs.pk}"' in page
    assert f'name="charges" value="{mine.pk}"' not in page


def test_charge_entries_on_the_timeline_link_to_edit_for_editors_only(accused, editor, viewer):
    from casefiles.timeline import case_timeline

    case, person = accused
    (charge,) = charges_bring(
        case=case,
        person=person,
        charges=[ChargeDraft(description="Not stated", brought_on=D(2021, 6, 5))],
    )
    edit = reverse("staff:charge_edit", args=[charge.pk])
    assert [e.edit_url for e in case_timeline(case, user=editor) if e.kind == "charge_brought"] == [
        edit
    ]
    assert [e.edit_url for e in case_timeline(case, user=viewer) if e.kind == "charge_brought"] == [
        ""
    ]


# --- The Charges card -----------------------------------------------------------------------


def test_a_case_of_many_charges_lists_the_first_on_its_card_and_links_to_all(
    accused, viewer_client
):
    from casefiles.views.cases import CHARGES_ON_CARD

    case, person = accused
    charges = [
        ChargeFactory(case=case, person=person, description=f"Count {n:02d}")
        for n in range(CHARGES_ON_CARD + 5)
    ]
    html = viewer_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    card = html[html.index('id="charges"') : html.index("</section>", html.index('id="charges"'))]
    assert card.count('id="charge-card-') == CHARGES_ON_CARD
    assert f"All {len(charges)} charges on the timeline" in card
    assert "?kind=charge_brought&amp;kind=charge_decided#timeline-h" in card


def test_a_case_of_few_charges_lists_them_all_without_a_link(accused, viewer_client):
    case, person = accused
    ChargeFactory(case=case, person=person, description="Count 01")
    html = viewer_client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    card = html[html.index('id="charges"') : html.index("</section>", html.index('id="charges"'))]
    assert card.count('id="charge-card-') == 1
    assert "charges on the timeline" not in card
