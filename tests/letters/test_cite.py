"""Citing by picking on the letter editor: find the case's sources by title, publisher or
address and cite them without seeing an id; insert a sentence about a fact with its dates as
a letter writes them and its citations; preview the text being edited; compare revisions —
and never offer what the user may not see, never write to a final letter."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from casefiles.choices import ChargeStatus, DetentionMeasure, HearingKind, TermUnit
from casefiles.models import Charge, Detention, Event, Hearing, SentenceStep, Source
from letters import facts_sentences
from letters.models import Letter
from letters.rendering import body_to_html
from letters.services_revisions import letter_send_for_signature, letter_text_update
from people.dates import DatePrecision
from people.roles import LETTERS
from tests.conftest import make_user, password_login
from tests.factories import CaseFactory, EventFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(demo) -> Letter:
    """A draft letter about the demo case (the demo's own letter is sent)."""
    return Letter.objects.create(
        case=demo.case,
        reference="LTR-CITE-1",
        subject="Bekizhan Mendygazyev",
        dated_on=datetime.date(2021, 7, 1),
        body="We write about **Mr Bekizhan Mendygazyev**.",
    )


@pytest.fixture
def lena(client, letters_user):
    return password_login(client, letters_user)


def search(client, letter: Letter, query: str) -> str:
    response = client.get(
        reverse("letters:cite_search", args=[letter.pk]),
        {"q": query},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    return response.content.decode()


def fact(client, letter: Letter, kind: str, pk: int) -> str:
    response = client.get(
        reverse("letters:fact_insert", args=[letter.pk]), {"fact": f"{kind}:{pk}"}
    )
    assert response.status_code == 200
    return response.content.decode()


# --- Cite -----------------------------------------------------------------------------------


def test_the_cite_search_finds_a_source_by_its_title_publisher_or_address(lena, demo, draft):
    source = Source.objects.get(url="https://freedomkazakhstan.com/news/38.html")
    for query in ("January 2021 parliamentary", "Freedom Kazakhstan Foundation", "news/38"):
        found = search(lena, draft, query)
        assert source.title.replace(":", "") in found.replace(":", "")
        # The button carries the citation for the script; no id is printed for the reader.
        assert f'data-citation="[^src:{source.pk}]"' in found
        visible_text = re.sub(r"<[^>]+>", " ", found)
        assert "[^src:" not in visible_text
    assert "No source of this letter" in search(lena, draft, "nothing-like-this")


def test_the_cite_search_offers_only_the_sources_of_the_letters_case(lena, demo, draft):
    other = EventFactory(case=CaseFactory(), title="Elsewhere")
    foreign = SourceFactory(title="Freedom Kazakhstan elsewhere", publisher="Other Desk")
    other.sources.add(foreign)
    found = search(lena, draft, "Freedom Kazakhstan")
    assert "Freedom Kazakhstan Foundation" in found
    assert "elsewhere" not in found
    assert "No source of this letter's case matches" in search(lena, draft, "Other Desk")


def test_citing_without_javascript_appends_the_footnote_to_the_saved_text(lena, demo, draft):
    source = demo.sources[4]
    response = lena.post(reverse("letters:cite_append", args=[draft.pk]), {"source": source.pk})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.body.endswith(f"Mendygazyev**.[^src:{source.pk}]")
    assert draft.history.first().history_user is not None


def test_a_source_of_another_case_cannot_be_cited_by_its_id(lena, demo, draft):
    foreign = SourceFactory(title="Not this case's")
    EventFactory(case=CaseFactory()).sources.add(foreign)
    before = draft.body
    lena.post(reverse("letters:cite_append", args=[draft.pk]), {"source": foreign.pk})
    draft.refresh_from_db()
    assert draft.body == before


def test_a_source_whose_address_is_not_a_web_page_is_refused(lena, demo, draft):
    source = demo.sources[4]
    # Forced past validation, as an old import might have stored it.
    Source.objects.filter(pk=source.pk).update(url="ftp://files.example.org/report.pdf")
    found = search(lena, draft, source.title[:20])
    assert "cannot be cited" in found
    assert f'data-citation="[^src:{source.pk}]"' not in found
    before = draft.body
    response = lena.post(
        reverse("letters:cite_append", args=[draft.pk]), {"source": source.pk}, follow=True
    )
    assert "not a web page" in response.content.decode()
    draft.refresh_from_db()
    assert draft.body == before


def test_a_file_only_source_is_footnoted_by_title_and_publisher_never_an_internal_url(demo):
    source = Source(title="Interrogation record of 6 November", publisher="Defence lawyer")
    source.file.save("record.txt", ContentFile(b"record"))
    body = body_to_html(f"He was interrogated.[^src:{source.pk}]")
    assert "Interrogation record of 6 November, Defence lawyer" in body.html
    assert "/staff/" not in body.html and "href" not in body.html
    assert body.footnotes[0].url == "Interrogation record of 6 November, Defence lawyer"
    assert body.footnotes[0].href == ""


def test_a_final_letter_refuses_a_citation(lena, demo):
    sent = demo.case.letters.get(reference="LTR-2021-06-29")
    before = sent.body
    response = lena.post(
        reverse("letters:cite_append", args=[sent.pk]), {"source": demo.sources[0].pk}, follow=True
    )
    assert "can no longer be edited" in response.content.decode()
    sent.refresh_from_db()
    assert sent.body == before


# --- Insert fact ----------------------------------------------------------------------------


def test_a_detention_reads_as_a_letter_writes_it_with_its_citation(lena, demo, draft):
    detention = Detention.objects.get(case=demo.case, measure=DetentionMeasure.PRETRIAL_DETENTION)
    detention.sources.add(demo.sources[2])
    sentence = fact(lena, draft, "detention", detention.pk)
    assert sentence == (
        "Bekizhan Mendygazyev has been held in pretrial detention since 5 June 2021; the term "
        f"ordered, 2 months, runs out on 5 August 2021.[^src:{demo.sources[2].pk}]"
    )
    assert "late at night" not in sentence  # the detention's notes never leak


def test_a_charge_a_hearing_a_sentence_and_an_event_read_as_a_letter_writes_them(lena, demo, draft):
    acquitted = Charge.objects.filter(case=demo.case, status=ChargeStatus.ACQUITTED).first()
    cited = f"[^src:{demo.sources[5].pk}]"
    charge = fact(lena, draft, "charge", acquitted.pk)
    assert charge.startswith(f"On 17 May 2021 {acquitted.person.name} was acquitted under Art. 262")
    assert charge.endswith(f".{cited}")

    verdict = Hearing.objects.get(case=demo.case, kind=HearingKind.VERDICT)
    hearing = fact(lena, draft, "hearing", verdict.pk)
    assert hearing.startswith("On 17 May 2021 the court held the verdict hearing in the case of")
    assert hearing.endswith(f".{cited}")
    assert "probation under politically" not in hearing  # the outcome is staff's note

    step = SentenceStep.objects.filter(case=demo.case, months=60).first()
    sentence = fact(lena, draft, "sentence", step.pk)
    assert sentence == (
        f"On 17 May 2021 the court sentenced {step.person.name} to 5 years of probation.{cited}"
    )

    search_event = Event.objects.get(case=demo.case, kind="search")
    event = fact(lena, draft, "event", search_event.pk)
    assert event == (
        "On 6 November 2020, in Aksay: Police and NSC search the premises of Karachaganak "
        f"Support Services.[^src:{demo.sources[4].pk}]"
    )
    assert "Illegal search" not in event


def test_dates_are_no_more_precise_than_what_is_known(demo):
    elections = Event.objects.get(case=demo.case, kind="election")
    assert facts_sentences.event_sentence(elections).startswith("In January 2021: ")
    about = Event(occurred_on=datetime.date(2020, 1, 1), precision=DatePrecision.APPROXIMATE)
    about.title = "Support begins"
    assert facts_sentences.event_sentence(about) == "In about 2020: Support begins."
    charge = Charge.objects.filter(case=demo.case, status=ChargeStatus.CHARGED).first()
    charge.brought_on, charge.brought_on_precision = datetime.date(2021, 6, 1), "month"
    assert facts_sentences.charge_sentence(charge).startswith(
        f"In June 2021 {charge.person.name} was charged under Art. "
    )
    detention = Detention(
        person=charge.person,
        measure=DetentionMeasure.HOUSE_ARREST,
        started_on=datetime.date(2022, 3, 1),
        started_on_precision=DatePrecision.MONTH,
        term_length=6,
        term_unit=TermUnit.MONTHS,
        actual_end=datetime.date(2022, 9, 14),
    )
    assert facts_sentences.detention_sentence(detention, [7]) == (
        f"{charge.person.name} was held under house arrest from March 2022 to 14 September "
        "2022.[^src:7]"
    )


def test_an_upcoming_hearing_is_scheduled(demo):
    hearing = Hearing(held_on=datetime.date(2031, 2, 3), kind=HearingKind.APPEAL)
    text = facts_sentences.hearing_sentence(
        hearing, [], today=datetime.date(2030, 1, 1), defendants=["A B", "C D"]
    )
    assert text == "An appeal hearing in the case of A B and C D is scheduled for 3 February 2031."


def test_insert_fact_without_javascript_adds_a_paragraph(lena, demo, draft):
    detention = Detention.objects.get(case=demo.case, measure=DetentionMeasure.PRETRIAL_DETENTION)
    lena.post(
        reverse("letters:fact_insert", args=[draft.pk]), {"fact": f"detention:{detention.pk}"}
    )
    draft.refresh_from_db()
    assert draft.body.endswith(
        "Mendygazyev**.\n\nBekizhan Mendygazyev has been held in pretrial detention since "
        "5 June 2021; the term ordered, 2 months, runs out on 5 August 2021."
    )


def test_a_fact_of_another_case_is_missing(lena, demo, draft):
    elsewhere = EventFactory(case=CaseFactory())
    response = lena.get(
        reverse("letters:fact_insert", args=[draft.pk]), {"fact": f"event:{elsewhere.pk}"}
    )
    assert response.status_code == 404


# --- A restricted case ----------------------------------------------------------------------


def test_a_restricted_cases_sources_and_facts_are_never_offered_to_an_outsider(client, demo, draft):
    demo.case.restricted = True
    demo.case.save()
    outsider = password_login(client, make_user("olga_letters", LETTERS))
    source = demo.sources[4]
    event = Event.objects.filter(case=demo.case).first()
    # Their letter is missing, with everything on it.
    for url in (
        reverse("letters:cite_search", args=[draft.pk]) + "?q=Freedom",
        reverse("letters:fact_insert", args=[draft.pk]) + f"?fact=event:{event.pk}",
        reverse("letters:edit", args=[draft.pk]),
    ):
        assert outsider.get(url).status_code == 404
    # A letter of their own cannot cite the restricted case's source by its id, nor preview it.
    own = Letter.objects.create(
        case=CaseFactory(), reference="LTR-OWN", subject="Own", body="Own text."
    )
    response = outsider.post(
        reverse("letters:preview_draft", args=[own.pk]),
        {
            "subject": "Own",
            "place": "Brussels",
            "dated_on": "2021-07-01",
            "salutation": "Dear Sir,",
            "body": f"Text.[^src:{source.pk}]",
            "closing": "Sincerely,",
        },
    )
    assert response.status_code == 422
    assert source.url not in response.content.decode()
    assert source.title not in response.content.decode()
    assert source.title not in search(outsider, own, source.title[:15])
    outsider.post(reverse("letters:cite_append", args=[own.pk]), {"source": source.pk})
    own.refresh_from_db()
    assert own.body == "Own text."


# --- The edit page and its preview ----------------------------------------------------------


def test_the_edit_page_has_every_field_of_the_letter(lena, demo, draft):
    page = lena.get(reverse("letters:edit", args=[draft.pk])).content.decode()
    for name in (
        "subject",
        "show_subject",
        "place",
        "dated_on",
        "language",
        "letterhead",
        "salutation",
        "body",
        "closing",
    ):
        assert f'name="{name}"' in page
    assert reverse("letters:preview_draft", args=[draft.pk]) in page
    assert "Insert a fact" in page and "Cite a source" in page
    response = lena.post(
        reverse("letters:edit", args=[draft.pk]),
        {
            "subject": draft.subject,
            "show_subject": "no",
            "place": "Strasbourg",
            "dated_on": "2021-07-02",
            "language": "ru",
            "letterhead": "organisation",
            "salutation": draft.salutation,
            "body": draft.body,
            "closing": draft.closing,
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.language, draft.show_subject, draft.letterhead, draft.place) == (
        "ru",
        False,
        "organisation",
        "Strasbourg",
    )


def test_the_preview_shows_the_unsaved_text_with_its_footnotes(lena, demo, draft):
    source = demo.sources[4]
    response = lena.post(
        reverse("letters:preview_draft", args=[draft.pk]),
        {
            "subject": "A subject not saved",
            "place": "Brussels",
            "dated_on": "2021-07-01",
            "salutation": "Your Excellency,",
            "body": f"Premises were searched.[^src:{source.pk}]",
            "closing": "Sincerely,",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Premises were searched." in html and source.url in html
    assert "A subject not saved" in html
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    draft.refresh_from_db()
    assert draft.subject == "Bekizhan Mendygazyev"  # nothing written


# --- Revisions ------------------------------------------------------------------------------


def test_compare_shows_the_words_that_changed_between_revisions(lena, demo, draft):
    first = letter_send_for_signature(letter=draft)
    letter_text_update(
        letter=draft,
        subject=draft.subject,
        place=draft.place,
        dated_on=draft.dated_on,
        salutation=draft.salutation,
        body="We write about **Mr Bekizhan Mendygazyev**, detained in Uralsk.",
        closing=draft.closing,
    )
    draft.refresh_from_db()
    second = letter_send_for_signature(letter=draft)
    page = lena.get(reverse("letters:detail", args=[draft.pk])).content.decode()
    assert reverse("letters:revision_compare", args=[second.pk]) in page
    compare = lena.get(reverse("letters:revision_compare", args=[second.pk])).content.decode()
    assert '<del class="diff-del">Mendygazyev**.</del>' in compare
    assert '<ins class="diff-ins">Mendygazyev**, detained in Uralsk.</ins>' in compare or (
        '<ins class="diff-ins">Mendygazyev**,' in compare and "Uralsk." in compare
    )
    assert f"Revision {first.number} → revision {second.number}" in compare
