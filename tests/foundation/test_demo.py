"""`load_demo` holds every fact of the 29 June 2021 letter, and a second run changes nothing."""

import io
import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.http import HttpRequest

from casefiles.models import Case, Charge, Detention, Event, Source
from casefiles.sentences import sentences_for_case
from letters.models import Letter

# A copy of shared/seed/letter-2021-06-29.md, so a clone anywhere can run the suite.
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "letter-2021-06-29.md"

pytestmark = pytest.mark.django_db

NAMES = [
    "Bekizhan",
    "Barlyk",
    "Erik",
    "Kalyk",
    "Abay",
    "Arman",
    "Mendygazyev",
    "Baurzhan",
    "Jussupov",
    "Nataliya",
    "Dauletiyarova",
    "Rinat",
    "Batkayev",
    "Kassym-Jomart",
    "Tokayev",
    "Mukhtar",
    "Tleuberdi",
    "Karim",
    "Massimov",
    "Nursultan",
    "Nazarbayev",
    "Sven-Olov",
    "Carlsson",
    "Petras",
    "Auštrevičius",
    "Niklas",
    "Isabel",
    "Santos",
    "Helmut",
    "Scholz",
    "Róża",
    "Thun und Hohenstein",
    "Freedom Kazakhstan Foundation",
    "Karachaganak Support Services",
    "National Security Committee",
    "Uralsk",
    "Atyrau",
    "European Parliament",
    "Renew Europe Group",
    "Group of the Greens/European Free Alliance",
    "S&D",
    "The Left",
    "EPP",
    "spinal disc herniation",
    "hepatitis C",
    "amputation",
    "blind",
]
DATES = ["2021-06-05", "2021-08-05", "2020-11-06", "2021-02-11", "2021-05-17", "2021-06-29"]
ADDRESSES = [
    "Mangilik Yel st. 6, Government House",
    "Kunayev st. 31",
    "Syganak st. 20",
    "Kosmonavtov st. 62, 7th floor",
    "Z05E9E1, Nur-Sultan",
    "010000, Nur-Sultan",
]
EMAILS = [
    "aprk@akorda.kz",
    "nursultan@mfa.kz",
    "press@knb.kz",
    "apr@akorda.kz",
    "Delegation-Kazakhstan@eeas.europa.eu",
    "Delegation-Kazakhstan-HRFOCALPOINT@eeas.europa.eu",
]
ARTICLE_TITLES = [
    "participation in an organised group or criminal organisation",
    "money laundering on a large scale or by a criminal group",
    "tax evasion committed by a criminal group or on an especially large scale",
]


def seed_footnote_urls() -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    urls = re.findall(
        r"^<sup>\d</sup> (?:<(https?://[^>]+)>|\[[^\]]+\]\((https?://[^)]+)\))", text, re.M
    )
    return [a or b for a, b in urls]


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "people", "casefiles", "letters", stdout=out)
    # Re-serialise without \u escapes, so names compare as written (Róża, Auštrevičius).
    return json.dumps(json.loads(out.getvalue()), ensure_ascii=False)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_the_seed_letter_has_eight_footnotes():
    assert len(seed_footnote_urls()) == 8


def test_dumpdata_after_load_demo_holds_every_fact_of_the_letter():
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    data = dump()
    missing = [
        fact
        for fact in NAMES + DATES + ADDRESSES + EMAILS + seed_footnote_urls()
        if fact.lower() not in data.lower()
    ]
    missing += [title for title in ARTICLE_TITLES if title.lower() not in data.lower()]
    assert missing == []


def test_the_demo_case_holds_the_detention_charges_and_events_as_records():
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    case = Case.objects.get(reference="KZ-2021-MENDYGAZYEV")
    detention = Detention.objects.get(case=case, person__given_name="Bekizhan")
    assert (str(detention.started_on), detention.term_display, str(detention.planned_end)) == (
        "2021-06-05",
        "2 months",
        "2021-08-05",
    )
    bekizhan_articles = sorted(
        c.article.citation for c in Charge.objects.filter(person__given_name="Bekizhan")
    )
    assert bekizhan_articles == [
        "Art. 218, Part 2 of the CC",
        "Art. 245, Part 3 of the CC",
        "Art. 262, Part 2 of the CC",
    ]
    # The probation sentences are the persons' sentence chains, not the charges'.
    sentences = {
        sentence.person.family_name: f"{sentence.summary.total_display} of "
        f"{sentence.summary.kind_label.lower()}"
        for sentence in sentences_for_case(case)
    }
    assert sentences == {
        "Jussupov": "5 years of probation",
        "Dauletiyarova": "3 years of probation",
        "Batkayev": "3 years of probation",
    }
    assert set(
        Charge.objects.filter(status="acquitted").values_list("person__family_name", flat=True)
    ) == {"Jussupov", "Dauletiyarova", "Batkayev"}
    search = Event.objects.get(case=case, kind="search")
    assert str(search.occurred_on) == "2020-11-06"
    assert {(p.organisation.name, p.role) for p in search.participants.all()} == {
        ("Police of Kazakhstan", "perpetrator"),
        ("National Security Committee of the Republic of Kazakhstan", "perpetrator"),
        ("Karachaganak Support Services", "target"),
    }
    assert search.sources.get().url == seed_footnote_urls()[4]


def test_the_demo_letter_has_its_addressee_four_copies_and_five_signatories_as_written():
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    letter = Letter.objects.get(reference="LTR-2021-06-29")
    addressee = letter.recipients.get(kind="to")
    assert addressee.title_line == "The President of the Republic of Kazakhstan"
    assert addressee.address_lines == [
        "H.E. Kassym-Jomart Tokayev",
        "Mangilik Yel st. 6, Government House",
        "010000, Nur-Sultan",
        "Kazakhstan",
        "aprk@akorda.kz",
    ]
    assert letter.recipients.filter(kind="cc").count() == 4
    assert [f"{s.person.signature_name} {s.signs_as}" for s in letter.signatories.all()] == [
        "Petras AUŠTREVIČIUS MEP (Renew Europe Group; Lithuania)",
        "Niklas NIENASS (Group of the Greens/European Free Alliance; Germany)",
        "Isabel SANTOS (S&D; Portugal)",
        "Helmut SCHOLZ (The Left; Germany)",
        "Róża THUN UND HOHENSTEIN MEP (EPP; Poland)",
    ]
    assert (letter.place, str(letter.dated_on), letter.salutation, letter.closing) == (
        "Brussels",
        "2021-06-29",
        "Your Excellency,",
        "Sincerely,",
    )


def test_the_demo_letter_cites_each_footnote_source_once_in_order():
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    letter = Letter.objects.get(reference="LTR-2021-06-29")
    cited = [int(pk) for pk in re.findall(r"\[\^src:(\d+)\]", letter.body)]
    assert [Source.objects.get(pk=pk).url for pk in cited] == seed_footnote_urls()


def test_a_second_load_demo_leaves_every_table_unchanged():
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    before = row_counts()
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    assert row_counts() == before


def test_the_demo_user_can_log_in_with_the_demo_password_and_has_the_two_roles(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass")
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    user = authenticate(HttpRequest(), username="demo", password="another-demo-pass")
    assert user is not None and user.is_staff
    assert sorted(user.groups.values_list("name", flat=True)) == ["Editor", "Letters"]
