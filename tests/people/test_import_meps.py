"""The MEP directory: `import_meps` reads the Parliament's open-data list (published in
Windows-1252, letters outside it replaced by `?`) and the plain format, matches the persons
already on file, keeps their correct names, records group changes as dated positions, and
the letters' signature lines and signatory picker read the positions valid on a date."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from letters.services_recipients import signatory_add
from people.choices import OrganisationKind
from people.meps import DirectoryFileError, meps_import_file, name_could_be, signature_on
from people.models import Alias, Organisation, Person, Position
from tests.conftest import password_login
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db

EP_LIST = Path(__file__).resolve().parent.parent / "fixtures" / "ep-meps-term9-beta.csv"
PLAIN_HEADER = (
    "identifier,given_name,family_name,country,group,national_party,email,"
    "start_date,end_date,committees\n"
)
DEMO_MEPS = {
    "Petras Auštrevičius": "124766",
    "Niklas Nienaß": "197465",
    "Isabel Santos": "197650",
    "Helmut Scholz": "96646",
    "Róża Thun und Hohenstein": "96776",
}


def plain(*rows: str) -> bytes:
    return (PLAIN_HEADER + "".join(row + "\n" for row in rows)).encode("utf-8")


def import_file(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_meps", str(path), *args, stdout=out)
    return out.getvalue()


def history_rows() -> int:
    return sum(model.history.count() for model in (Person, Alias, Organisation, Position))


def group_positions(person: Person) -> list[tuple[str, datetime.date | None, datetime.date | None]]:
    return list(
        person.positions.filter(organisation__kind=OrganisationKind.POLITICAL_GROUP)
        .order_by("started_on")
        .values_list("organisation__name", "started_on", "ended_on")
    )


# --- The open-data list into the demo -----------------------------------------------------


def test_the_open_data_list_imports_every_row_into_the_demo_and_twice_changes_nothing(demo):
    # One test for the whole list: an import of 813 rows is the slow part of this file.
    persons_before = Person.objects.count()
    output = import_file(EP_LIST)
    assert "813 rows read." in output
    assert Person.objects.exclude(ep_identifier="").count() == 813
    # The five MEPs who signed the demo letter were matched (by name and country), not copied.
    assert Person.objects.count() == persons_before + 813 - 5
    for name, identifier in DEMO_MEPS.items():
        person = Person.objects.get(ep_identifier=identifier)
        assert person.name == name  # not "Auštrevi?ius" or "Ró?a"
        assert person.letters_signed.exists()
        assert not person.aliases.filter(name__contains="?").exists()
    # Windows-1252 was read as such: names keep their diacritics.
    assert Person.objects.filter(family_name="García-Margallo y Marfil").exists()
    # Two addresses in one cell are two addresses.
    santos_mandate = Person.objects.get(ep_identifier="197650").positions.get(
        organisation__kind=OrganisationKind.PARLIAMENT
    )
    assert santos_mandate.email_list == [
        "icsantos@parlameto.ps.pt",
        "isabel.santos@europarl.europa.eu",
    ]
    # A damaged name nobody spelled better is imported as given, and named for correction.
    assert "Kate?ina Kone?ná (23699, line" in output

    # The demo signatory signs as the directory says on the letter's date.
    nienass = Person.objects.get(ep_identifier="197465")
    position, line = signature_on(
        list(nienass.positions.select_related("organisation")),
        datetime.date(2021, 6, 29),
        citizenship=nienass.citizenship,
    )
    assert f"{nienass.signature_name} {line}" == (
        "Niklas NIENASS MEP (Group of the Greens/European Free Alliance; Germany)"
    )

    # A second run changes nothing, not even history.
    persons, positions, history = Person.objects.count(), Position.objects.count(), history_rows()
    output = import_file(EP_LIST)
    assert "Nothing to change" in output
    assert (Person.objects.count(), Position.objects.count(), history_rows()) == (
        persons,
        positions,
        history,
    )


# --- The plain format: mandates, groups, committees ---------------------------------------


def test_a_group_change_in_the_plain_format_gives_two_dated_group_positions(demo):
    report = meps_import_file(
        plain(
            "197465,Niklas,Nienaß,DE,Greens/EFA,Bündnis 90/Die Grünen,"
            "niklas.nienass@europarl.europa.eu,2019-07-02,2021-03-03,DROI|AFET",
            "197465,Niklas,Nienaß,DE,Renew,Bündnis 90/Die Grünen,"
            "niklas.nienass@europarl.europa.eu,2021-03-04,,DROI",
        ),
        as_of=datetime.date(2021, 6, 1),
    )
    nienass = Person.objects.get(ep_identifier="197465")
    assert Person.objects.filter(family_name="Nienaß").count() == 1
    assert group_positions(nienass) == [
        (
            "Group of the Greens/European Free Alliance",
            datetime.date(2019, 7, 2),
            datetime.date(2021, 3, 3),
        ),
        ("Renew Europe Group", datetime.date(2021, 3, 4), None),
    ]
    # One mandate across the change; DROI kept throughout, AFET left with the old group.
    mandate = nienass.positions.get(organisation__kind=OrganisationKind.PARLIAMENT)
    assert (mandate.started_on, mandate.ended_on) == (datetime.date(2019, 7, 2), None)
    assert mandate.email_list == ["niklas.nienass@europarl.europa.eu"]
    committees = nienass.positions.filter(
        organisation__kind=OrganisationKind.PARLIAMENTARY_COMMITTEE
    ).values_list("organisation__abbreviation", "started_on", "ended_on")
    assert set(committees) == {
        ("DROI", datetime.date(2019, 7, 2), None),
        ("AFET", datetime.date(2019, 7, 2), datetime.date(2021, 3, 3)),
    }
    assert any("Subcommittee on Human Rights (DROI)" in line for line in report.lines())
    # Again: nothing changes.
    again = meps_import_file(
        plain(
            "197465,Niklas,Nienaß,DE,Greens/EFA,Bündnis 90/Die Grünen,"
            "niklas.nienass@europarl.europa.eu,2019-07-02,2021-03-03,DROI|AFET",
            "197465,Niklas,Nienaß,DE,Renew,Bündnis 90/Die Grünen,"
            "niklas.nienass@europarl.europa.eu,2021-03-04,,DROI",
        ),
        as_of=datetime.date(2021, 6, 1),
    )
    assert not again.changed_anything


def test_a_later_file_with_a_new_group_ends_the_old_membership_the_day_before(db):
    first = plain("4001,Anna,Nowak,PL,EPP,,anna.nowak@europarl.europa.eu,2019-07-02,,LIBE")
    meps_import_file(first)
    second = plain("4001,Anna,Nowak,PL,ECR,,anna.nowak@europarl.europa.eu,2022-01-10,,LIBE")
    report = meps_import_file(second)
    nowak = Person.objects.get(ep_identifier="4001")
    assert group_positions(nowak) == [
        (
            "Group of the European People's Party (Christian Democrats)",
            datetime.date(2019, 7, 2),
            datetime.date(2022, 1, 9),
        ),
        ("European Conservatives and Reformists Group", datetime.date(2022, 1, 10), None),
    ]
    assert any("Nowak" in line and "2022-01-09" in line for line in report.positions_ended)


def test_a_person_on_file_is_matched_by_name_and_country_ignoring_accents(db):
    known = Person.objects.create(given_name="Petras", family_name="Austrevicius", citizenship="LT")
    meps_import_file(
        plain("124766,Petras,Auštrevičius,LT,Renew,,,2019-07-02,,AFET"),
    )
    known.refresh_from_db()
    assert Person.objects.count() == 1
    # The Parliament's spelling with its accents replaces the plain one, which stays findable.
    assert known.name == "Petras Auštrevičius" and known.ep_identifier == "124766"
    assert known.aliases.filter(name="Petras Austrevicius").exists()


def test_a_namesake_in_another_country_is_not_taken_for_the_mep(db):
    Person.objects.create(given_name="Helmut", family_name="Scholz", citizenship="KZ")
    meps_import_file(plain("96646,Helmut,Scholz,DE,The Left,,,2019-07-02,,"))
    assert Person.objects.filter(family_name="Scholz").count() == 2


def test_a_damaged_name_is_replaced_once_a_file_spells_it_right(db):
    damaged = "mep_identifier,mep_given_name,mep_family_name,mep_citizenship,mep_email\n"
    damaged += "23699,Kate?ina,Kone?ná,Czechia,\n"
    meps_import_file(damaged.encode("cp1252"))
    person = Person.objects.get(ep_identifier="23699")
    assert person.name == "Kate?ina Kone?ná"
    meps_import_file(plain("23699,Kateřina,Konečná,CZ,The Left,,,2019-07-02,,"))
    person.refresh_from_db()
    assert person.name == "Kateřina Konečná"
    # The damaged spelling is no name to search by.
    assert not person.aliases.exists()


def test_a_damaged_letter_stands_for_any_one_letter_in_matching():
    assert name_could_be("Ró?a Thun und Hohenstein", "Róża Thun und Hohenstein")
    assert name_could_be("Petras Au?trevi?ius", "Petras Auštrevičius")
    assert not name_could_be("Petras Au?trevi?ius", "Petras Austrevicius Jr")


# --- Signature lines and the picker -------------------------------------------------------


MOVER = (
    "197465,Niklas,Nienaß,DE,Greens/EFA,,niklas.nienass@europarl.europa.eu,"
    "2019-07-02,2021-03-03,DROI",
    "197465,Niklas,Nienaß,DE,Renew,,niklas.nienass@europarl.europa.eu,2021-03-04,,DROI|AFET",
)


@pytest.mark.parametrize(
    ("dated_on", "line"),
    [
        (
            datetime.date(2020, 5, 1),
            "Niklas NIENASS MEP (Group of the Greens/European Free Alliance; Germany)",
        ),
        (datetime.date(2022, 5, 1), "Niklas NIENASS MEP (Renew Europe Group; Germany)"),
    ],
)
def test_a_signatory_signs_in_the_group_of_the_letters_date(db, dated_on, line):
    meps_import_file(plain(*MOVER))
    letter = make_letter(signed=False)
    letter.dated_on = dated_on
    letter.save()
    signatory = signatory_add(letter=letter, person=Person.objects.get(ep_identifier="197465"))
    assert str(signatory) == line
    assert signatory.position.organisation.kind == OrganisationKind.PARLIAMENT


def test_the_signatory_picker_lists_the_members_of_a_committee(client, letters_user):
    meps_import_file(
        plain(
            *MOVER,
            "96646,Helmut,Scholz,DE,The Left,,,2019-07-02,,INTA",
            "197650,Isabel,Santos,PT,S&D,,,2019-07-02,,DROI|AFET",
        )
    )
    letter = make_letter(signed=False)  # dated 1 March 2024
    password_login(client, letters_user)
    url = reverse("letters:picker", args=[letter.pk])
    html = client.get(url, {"for": "signatory", "committee": "DROI"}).content.decode()
    assert "Niklas NIENASS" in html and "Isabel SANTOS" in html
    assert "Helmut SCHOLZ" not in html
    assert "MEP (Renew Europe Group; Germany)" in html
    afet = Organisation.objects.get(abbreviation="AFET")
    renew = Organisation.objects.get(abbreviation="Renew")
    html = client.get(
        url, {"for": "signatory", "committee": afet.pk, "group": renew.pk, "country": "DE"}
    ).content.decode()
    assert "Niklas NIENASS" in html and "Isabel SANTOS" not in html
    html = client.get(url, {"for": "signatory", "country": "PT", "q": "Santos"}).content.decode()
    assert "Isabel SANTOS" in html and "Niklas NIENASS" not in html


# --- Dry runs and refusals ----------------------------------------------------------------


def test_a_dry_run_reports_and_writes_nothing(demo, tmp_path):
    counts = (Person.objects.count(), Position.objects.count(), Organisation.objects.count())
    history = history_rows()
    path = tmp_path / "meps.csv"
    path.write_bytes(plain(*MOVER))
    output = import_file(path, "--dry-run")
    assert "dry run: nothing written" in output
    assert "Positions created: " in output and "Positions created: 0" not in output
    assert (Person.objects.count(), Position.objects.count(), Organisation.objects.count()) == (
        counts
    )
    assert history_rows() == history


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,party\nAnna,EPP\n", "The header is neither"),
        (b"", "The file is empty"),
        (b"\x00\x01\x02PK\x03\x04", "NUL"),
        (
            plain(
                "4001,Anna,Nowak,PL,EPP,,,2019-07-02,,LIBE",
                "4002,Jan,Kowalski,PL,EPP,,,2 July 2019,,LIBE",
            ),
            "Line 3: start_date “2 July 2019” is not a date",
        ),
        (plain("4001,Anna,Nowak,Atlantis,EPP,,,2019-07-02,,"), "unknown country “Atlantis”"),
        (plain("4001,Anna,Nowak,PL,EPP,,not-an-address,2019-07-02,,"), "not an email address"),
        (plain("4001,Anna,Nowak,PL,EPP,,,2019-07-02,2019-01-01,"), "end_date is before"),
        (
            plain(
                "4001,Anna,Nowak,PL,EPP,,,2019-07-02,,",
                "4001,Anna,Nowak,PL,ECR,,,2020-01-01,,",
            ),
            "overlaps the one on line 2",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_message_and_writes_nothing(
    db, tmp_path, content, message
):
    path = tmp_path / "meps.csv"
    path.write_bytes(content)
    persons, history = Person.objects.count(), history_rows()
    with pytest.raises(CommandError) as refusal:
        import_file(path)
    assert "nothing was changed" in str(refusal.value)
    assert message in str(refusal.value)
    assert (Person.objects.count(), history_rows()) == (persons, history)
    assert not Organisation.objects.filter(kind=OrganisationKind.POLITICAL_GROUP).exists()


def test_a_missing_file_or_bad_date_option_is_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        import_file(tmp_path / "absent.csv")
    with pytest.raises(CommandError, match="--as-of"):
        import_file(EP_LIST, "--as-of", "yesterday")


def test_the_import_is_recorded_in_history_under_the_importing_user(db, administrator):
    path_data = plain("4001,Anna,Nowak,PL,EPP,,,2019-07-02,,LIBE")
    meps_import_file(path_data, user=administrator, reason="import_meps nowak.csv")
    record = Person.objects.get(ep_identifier="4001").history.get()
    assert record.history_user == administrator
    assert record.history_change_reason == "import_meps nowak.csv"


def test_the_refusal_of_a_file_says_which_rows(db):
    with pytest.raises(DirectoryFileError) as refusal:
        meps_import_file(plain("x y,Anna,Nowak,PL,,,,2019-07-02,,"))
    assert refusal.value.messages == ["Line 2: the identifier “x y” is not 1–20 letters or digits."]
