"""The letters list at /letters/: every letter one may see, filtered, with what waits for
signatures and what is ready to send at a glance; and /search/ finding letters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from letters.choices import LetterStatus, RecipientKind
from letters.services_recipients import recipient_add
from tests.conftest import password_login
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(db):
    """A draft waiting for two signatures, a final letter not yet sent, a sent one, and a
    draft about a restricted case."""
    waiting = make_letter(signed=False, reference="LTR-WAITING")
    recipient_add(
        letter=waiting,
        kind=RecipientKind.CC,
        title_line="The Ombudsman of Kazakhstan",
        address_block="Astana",
    )
    final = make_letter(reference="LTR-FINAL", status=LetterStatus.FINAL)
    sent = make_letter(reference="LTR-SENT", status=LetterStatus.SENT)
    hidden = make_letter(signed=False, reference="LTR-HIDDEN")
    hidden.case.restricted = True
    hidden.case.save()
    return {"waiting": waiting, "final": final, "sent": sent, "hidden": hidden}


def listed(client, **params) -> str:
    return client.get(reverse("letters:list"), params).content.decode()


def test_the_list_shows_every_letter_one_may_see_and_not_those_of_hidden_cases(
    client, viewer, letters
):
    html = listed(password_login(client, viewer))
    for reference in ("LTR-WAITING", "LTR-FINAL", "LTR-SENT"):
        assert reference in html
    assert "LTR-HIDDEN" not in html
    assert reverse("letters:detail", args=[letters["waiting"].pk]) in html


def test_the_counts_say_what_waits_for_signatures_and_what_is_ready_to_send(
    client, viewer, letters
):
    html = listed(password_login(client, viewer))
    # The hidden draft waits for signatures too, but this viewer may not know of it.
    assert 'class="glance-waiting">1<' in html
    assert 'class="glance-ready">1<' in html


def test_the_list_filters_by_status_case_and_words(client, viewer, letters):
    client = password_login(client, viewer)
    by_status = listed(client, status=LetterStatus.FINAL)
    assert "LTR-FINAL" in by_status and "LTR-WAITING" not in by_status
    by_case = listed(client, case=letters["sent"].case.pk)
    assert "LTR-SENT" in by_case and "LTR-FINAL" not in by_case
    by_recipient = listed(client, q="ombudsman")
    assert "LTR-WAITING" in by_recipient and "LTR-SENT" not in by_recipient
    by_reference = listed(client, q="ltr-fin")
    assert "LTR-FINAL" in by_reference and "LTR-WAITING" not in by_reference
    assert "LTR-HIDDEN</strong>" not in listed(client, q="LTR-HIDDEN")


def test_a_case_filter_naming_a_hidden_case_shows_nothing(client, viewer, letters):
    html = listed(password_login(client, viewer), case=letters["hidden"].case.pk)
    assert "No letters match these filters." in html


def test_a_typed_case_reference_or_title_finds_the_letters_about_it(client, viewer, letters):
    client = password_login(client, viewer)
    sent_case = letters["sent"].case
    sent_case.title = "Mendygazyev brothers"
    sent_case.save()
    by_reference = listed(client, case_text=sent_case.reference[-4:].lower())
    assert "LTR-SENT" in by_reference and "LTR-FINAL" not in by_reference
    by_title = listed(client, case_text="mendygazyev")
    assert "LTR-SENT" in by_title and "LTR-WAITING" not in by_title
    # A hidden case's reference, typed, finds nothing (and says nothing of the case).
    hidden_case = letters["hidden"].case
    html = listed(client, case_text=hidden_case.reference)
    assert "No letters match these filters." in html


def test_a_case_chosen_by_a_link_is_named_with_a_way_back_to_every_case(client, viewer, letters):
    client = password_login(client, viewer)
    case = letters["sent"].case
    html = listed(client, case=case.pk, status=LetterStatus.SENT)
    assert f"Letters about <strong>{case.reference}</strong>" in html
    assert f'href="?status={LetterStatus.SENT}">any case</a>' in html
    hidden = listed(client, case=letters["hidden"].case.pk)
    assert letters["hidden"].case.reference not in hidden
    assert "no case you may see" in hidden


def test_the_filters_do_not_list_every_case_with_letters(client, viewer, letters):
    """A menu of every case with letters grew with the organisation; the case is typed."""
    client = password_login(client, viewer)
    html = listed(client, status=LetterStatus.FINAL)
    assert "LTR-FINAL" in html
    assert letters["sent"].case.reference not in html
    assert letters["waiting"].case.reference not in html


def test_the_list_shows_addressee_and_signatures(client, viewer, letters):
    html = listed(password_login(client, viewer), q="LTR-WAITING")
    assert "The President" in html and "0 of 2" in html


def test_the_list_runs_the_same_queries_however_many_letters_it_shows(client, viewer, letters):
    client = password_login(client, viewer)
    with CaptureQueriesContext(connection) as few:
        listed(client)
    for _ in range(3):
        make_letter(signed=False)
    with CaptureQueriesContext(connection) as more:
        listed(client)
    assert len(more) == len(few)


def test_a_user_without_a_role_may_not_list_letters(client, outsider, letters):
    assert password_login(client, outsider).get(reverse("letters:list")).status_code == 403


def test_the_nav_links_to_the_letters(client, viewer, letters):
    page = password_login(client, viewer).get(reverse("staff:case_list")).content.decode()
    assert f'href="{reverse("letters:list")}"' in page


def test_search_finds_letters_by_reference_subject_or_recipient(client, viewer, letters):
    client = password_login(client, viewer)
    html = client.get(reverse("staff:search"), {"q": "Ombudsman"}).content.decode()
    assert "LTR-WAITING" in html and "LTR-SENT" not in html
    html = client.get(reverse("staff:search"), {"q": "LTR-HIDDEN"}).content.decode()
    assert "LTR-HIDDEN</strong>" not in html and "No letters." in html


def test_typed_nul_characters_are_searched_without_failing(client, letters_user, letters):
    client = password_login(client, letters_user)
    draft = letters["waiting"]
    responses = [
        client.get(reverse("letters:list"), {"q": "LTR\x00"}),
        client.get(reverse("staff:search"), {"q": "Ombudsman\x00"}),
        client.get(reverse("letters:picker", args=[draft.pk]), {"q": "Pres\x00ident"}),
        client.post(
            reverse("letters:recipient_add", args=[draft.pk]),
            {"kind": "cc", "title_line": "The\x00 Speaker", "address_block": "Astana\x00"},
        ),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 302]
    assert draft.recipients.filter(title_line="The Speaker").exists()
