"""Search across scripts: every usual spelling of a name finds the same person."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casefiles.search import near_spelling_pattern, persons_matching, search_key
from people.models import Alias, Person
from tests.factories import CaseFactory, CasePartyFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "spellings",
    [
        ("Мендыгазиев", "Mendygaziev", "Mendygazyev", "MENDYGAZYEV", "мендыгазиев"),
        ("Жусупов", "Zhusupov", "Jussupov", "Joussoupov"),
        ("Auštrevičius", "Austrevicius", "AUŠTREVIČIUS"),
        ("Бауржан", "Baurzhan"),
        ("Қазақстан", "Kazakstan", "Qazaqstan"),
    ],
)
def test_spellings_of_one_name_fold_to_one_key(spellings):
    assert len({search_key(spelling) for spelling in spellings}) == 1


@pytest.fixture
def persons(db):
    bekizhan = PersonFactory(
        given_name="Bekizhan", family_name="Mendygazyev", name_original="Бекижан Мендыгазиев"
    )
    barlyk = PersonFactory(
        given_name="Barlyk", family_name="Mendygazyev", name_original="Барлык Мендыгазиев"
    )
    jussupov = PersonFactory(
        given_name="Baurzhan", family_name="Jussupov", name_original="Бауржан Жусупов"
    )
    austrevicius = PersonFactory(given_name="Petras", family_name="Auštrevičius")
    PersonFactory(given_name="Rinat", family_name="Batkayev")
    return {
        "bekizhan": bekizhan,
        "barlyk": barlyk,
        "jussupov": jussupov,
        "austrevicius": austrevicius,
    }


@pytest.mark.parametrize("query", ["Мендыгазиев", "Mendygaziev", "Mendygazyev", "mendygazyev"])
def test_each_spelling_of_mendygazyev_finds_both_brothers(persons, query):
    found = set(persons_matching(query))
    assert found == {persons["bekizhan"], persons["barlyk"]}


@pytest.mark.parametrize("query", ["Жусупов", "Zhusupov", "Jussupov"])
def test_each_spelling_of_jussupov_finds_baurzhan_jussupov(persons, query):
    assert list(persons_matching(query)) == [persons["jussupov"]]


@pytest.mark.parametrize("query", ["Auštrevičius", "Austrevicius", "austrevičius"])
def test_austrevicius_is_found_with_or_without_diacritics(persons, query):
    assert list(persons_matching(query)) == [persons["austrevicius"]]


def test_a_full_name_in_cyrillic_finds_only_that_brother(persons):
    assert list(persons_matching("Барлык Мендыгазиев")) == [persons["barlyk"]]


def test_an_alias_added_later_is_searchable_at_once(persons):
    Alias.objects.create(person=persons["jussupov"], name="Yusupov")
    assert list(persons_matching("Yusupov")) == [persons["jussupov"]]


def test_a_renamed_person_is_found_by_the_new_name_only(persons):
    person = persons["austrevicius"]
    person.family_name = "Ausztrevics"
    person.save()
    assert not persons_matching("Austrevicius").exists()
    assert list(persons_matching("Ausztrevics")) == [person]


def test_deleting_a_person_with_aliases_leaves_no_search_rows(persons):
    from casefiles.models import SearchName

    Alias.objects.create(person=persons["barlyk"], name="Barlyq")
    persons["barlyk"].delete()
    assert not SearchName.objects.filter(person_id=persons["barlyk"].pk).exists()


def test_a_near_misspelling_is_found_on_postgresql_and_on_sqlite(persons):
    # "Mendygazeyev" does not fold to the same key as "Mendygazyev" (a letter added): trigram
    # similarity matches it on PostgreSQL, the one-letter-off pattern on SQLite.
    assert search_key("Mendygazeyev") != search_key("Mendygazyev")
    found = set(persons_matching("Mendygazeyev"))
    assert found == {persons["bekizhan"], persons["barlyk"]}


def test_the_search_page_lists_the_brothers_for_the_cyrillic_surname(demo, viewer_client):
    response = viewer_client.get(reverse("staff:search"), {"q": "Мендыгазиев"})
    assert response.status_code == 200
    persons = [person.name for person in response.context["results"].persons]
    assert "Bekizhan Mendygazyev" in persons and "Barlyk Mendygazyev" in persons
    assert [case.reference for case in response.context["results"].cases] == ["KZ-2021-MENDYGAZYEV"]
    assert "Baurzhan Jussupov" not in persons


def test_the_search_page_finds_organisations_by_abbreviation_and_cases_by_party(viewer_client):
    OrganisationFactory(name="Karachaganak Support Services", abbreviation="KSS")
    case = CaseFactory(reference="KZ-X-1", title="Unrelated title")
    CasePartyFactory(case=case, person=PersonFactory(family_name="Жусупов", given_name="Бауржан"))
    response = viewer_client.get(reverse("staff:search"), {"q": "Zhusupov"})
    assert [c.reference for c in response.context["results"].cases] == ["KZ-X-1"]
    response = viewer_client.get(reverse("staff:search"), {"q": "kss"})
    assert [o.abbreviation for o in response.context["results"].organisations] == ["KSS"]


def test_the_person_picker_returns_matches_as_json_with_names_escaped_by_the_client(
    persons, editor_client
):
    response = editor_client.get(reverse("staff:person_picker"), {"q": "Жусупов"})
    assert response.json() == {
        "results": [
            {
                "id": persons["jussupov"].pk,
                "name": "Baurzhan Jussupov",
                "name_original": "Бауржан Жусупов",
            }
        ]
    }


def test_search_keys_are_backfilled_by_the_rebuild_for_rows_written_without_save(db):
    from casefiles.search import search_names_rebuild

    Person.objects.bulk_create([Person(given_name="Erik", family_name="Мендыгазиев")])
    assert not persons_matching("Mendygazyev").exists()
    search_names_rebuild()
    assert persons_matching("Mendygazyev").count() == 1


def _names(html: str, section: str) -> list[str]:
    import re

    block = re.search(rf'class="plain results-{section}">(.*?)</ul>', html, re.S)
    return re.findall(r"<strong>([^<]*)</strong>", block.group(1)) if block else []


def test_search_and_picker_list_the_best_match_first(editor_client):
    # Alphabetically Apetrov comes first and Petrova before Petrov: best match first instead.
    apetrov = PersonFactory(given_name="Lev", family_name="Apetrov")
    petrova = PersonFactory(given_name="Anna", family_name="Petrova")
    petrov = PersonFactory(given_name="Oleg", family_name="Petrov")
    for person in (apetrov, petrova, petrov):
        CasePartyFactory(person=person)

    picked = editor_client.get(reverse("staff:person_picker"), {"q": "Петров"}).json()
    assert [row["id"] for row in picked["results"]] == [petrov.pk, petrova.pk, apetrov.pk]

    html = editor_client.get(reverse("staff:search"), {"q": "Petrov"}).content.decode()
    assert _names(html, "persons") == ["Oleg Petrov", "Anna Petrova", "Lev Apetrov"]


@pytest.mark.parametrize(
    "misspelled",
    [
        "Mendygazuev",  # a letter changed
        "Mendygaziaev",  # a letter added
        "Mendygazev",  # a letter dropped
    ],
)
def test_a_near_spelling_finds_the_person_on_every_database(editor_client, misspelled):
    found = PersonFactory(given_name="Bekizhan", family_name="Mendygaziev")
    PersonFactory(given_name="Baurzhan", family_name="Jussupov")
    CasePartyFactory(person=found)

    picked = editor_client.get(reverse("staff:person_picker"), {"q": misspelled}).json()

    assert [row["id"] for row in picked["results"]] == [found.pk]


@pytest.mark.parametrize(
    ("key", "near"),
    [
        ("bekijan mendigazuev", True),  # a letter changed
        ("mendigaziaev", True),  # a letter added
        ("mendigazev barlik", True),  # a letter dropped
        ("mendigazaaev", False),  # two letters off
        ("jusupov", False),
    ],
)
def test_the_sqlite_near_spelling_pattern_allows_one_letter_off(key, near):
    import re

    assert bool(re.search(near_spelling_pattern(search_key("Mendygaziev")), key)) is near


def test_the_bulk_rebuild_writes_exactly_the_keys_that_saving_writes(demo):
    from io import StringIO

    from django.core.management import call_command

    from casefiles.models import SearchName

    def keys() -> set[tuple]:
        return set(
            SearchName.objects.values_list("person_id", "organisation_id", "case_id", "text", "key")
        )

    saved = keys()
    assert saved

    out = StringIO()
    call_command("rebuild_search_names", stdout=out)

    assert keys() == saved
    assert f"{len(saved):,} search names written" in out.getvalue()


@pytest.mark.postgres
def test_postgresql_finds_near_spellings_through_the_trigram_index(db):
    """Tens of thousands of names are searched through the trigram index, not read one by
    one (migration casefiles 0019 tells the planner what the word-similarity test costs)."""
    from django.db import connection

    from casefiles.models import SearchName
    from casefiles.search import matching_names
    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    owner = Person.objects.create(given_name="Many", family_name="Names")
    syllables = ["ba", "ke", "zhan", "men", "dy", "ga", "nur", "sul", "tan", "kar", "bek", "ali"]
    SearchName.objects.bulk_create(
        (
            SearchName(person=owner, text=f"name {i}", key=key)
            for i in range(30_000)
            for key in [
                "".join(syllables[(i // 12**k) % 12] for k in range(4))
                + " "
                + "".join(syllables[(i * 7 // 12**k) % 12] for k in range(3))
            ]
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE casefiles_searchname")
    sql, params = matching_names("Mendygaziev").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "casefiles_searchname_key_trgm" in plan, plan


def _case(reference: str, title: str, opened: int):
    import datetime

    return CaseFactory(reference=reference, title=title, opened_on=datetime.date(opened, 1, 1))


def test_search_lists_cases_exact_then_prefix_then_contains_then_near(viewer_client):
    # Newest first is the cases' own order: here it is the reverse of the best match.
    _case("KZ-R-EXACT", "Mendygaziev", 2001)
    _case("KZ-R-PREFIX", "Mendygaziev brothers", 2002)
    _case("KZ-R-CONTAINS", "Amendygaziev", 2003)
    _case("KZ-R-NEAR", "Mendygazuev", 2004)
    _case("KZ-R-OTHER", "Jussupov", 2005)

    html = viewer_client.get(reverse("staff:search"), {"q": "Mendygaziev"}).content.decode()

    assert _names(html, "cases") == ["KZ-R-EXACT", "KZ-R-PREFIX", "KZ-R-CONTAINS", "KZ-R-NEAR"]


def test_a_case_found_through_its_party_ranks_as_the_partys_best_name(viewer_client):
    by_party = _case("KZ-P-PARTY", "Unrelated title", 2001)
    CasePartyFactory(
        case=by_party,
        person=PersonFactory(given_name="Бекижан", family_name="Мендыгазиев"),
    )
    _case("KZ-P-TITLE", "Imprisoned Mendygazievs", 2009)  # a word starting with the query
    _case("KZ-P-NEAR", "Mendygazuev", 2010)

    html = viewer_client.get(reverse("staff:search"), {"q": "Мендыгазиев"}).content.decode()

    # The party's family name is the query itself: exact, before the newer cases.
    assert _names(html, "cases") == ["KZ-P-PARTY", "KZ-P-TITLE", "KZ-P-NEAR"]
    listed = viewer_client.get(reverse("staff:case_list"), {"q": "Mendygaziev"})
    assert {case.reference for case in listed.context["page"].object_list} == {
        "KZ-P-PARTY",
        "KZ-P-TITLE",
        "KZ-P-NEAR",
    }


def test_a_case_with_several_matching_parties_is_listed_once(viewer_client):
    case = _case("KZ-TWO", "Two brothers", 2001)
    for given in ("Bekizhan", "Barlyk"):
        CasePartyFactory(
            case=case, person=PersonFactory(given_name=given, family_name="Mendygazyev")
        )

    found = viewer_client.get(reverse("staff:search"), {"q": "Mendygazyev"}).context["results"]
    listed = viewer_client.get(reverse("staff:case_list"), {"person": "Мендыгазиев"})

    assert [c.reference for c in found.cases] == ["KZ-TWO"]
    assert [c.reference for c in listed.context["page"].object_list] == ["KZ-TWO"]
    assert listed.context["page"].paginator.count == 1


def test_the_case_list_finds_beyond_the_ids_it_lists(viewer_client, monkeypatch):
    from casefiles import filtersets

    monkeypatch.setattr(filtersets, "FOUND_IDS_LISTED", 1)
    for n in range(3):
        CasePartyFactory(
            case=_case(f"KZ-MANY-{n}", "Unrelated", 2001 + n),
            person=PersonFactory(family_name="Жусупов"),
        )
    summary_only = _case("KZ-SUMMARY", "Unrelated", 2000)
    summary_only.summary = "Held with Zhusupov"
    summary_only.save()

    for params in ({"q": "Zhusupov"}, {"person": "Jussupov"}):
        listed = viewer_client.get(reverse("staff:case_list"), params)
        found = {case.reference for case in listed.context["page"].object_list}
        assert {"KZ-MANY-0", "KZ-MANY-1", "KZ-MANY-2"} <= found
    assert "KZ-SUMMARY" in {
        case.reference
        for case in viewer_client.get(reverse("staff:case_list"), {"q": "Zhusupov"})
        .context["page"]
        .object_list
    }


def _search_names(client, query: str) -> tuple[list[str], list[str]]:
    html = client.get(reverse("staff:search"), {"q": query}).content.decode()
    return _names(html, "persons"), _names(html, "cases")


def test_names_containing_the_query_fill_the_page_before_near_spellings(viewer_client, monkeypatch):
    import sys

    search_view = sys.modules["casefiles.views.search"]
    for given, family in [("Oleg", "Petrov"), ("Anna", "Petrova"), ("Ivan", "Petrof")]:
        CasePartyFactory(
            case=_case(f"KZ-{family.upper()}", "Unrelated", 2001),
            person=PersonFactory(given_name=given, family_name=family),
        )

    monkeypatch.setattr(search_view, "SEARCH_LIMIT", 2)
    persons, cases = _search_names(viewer_client, "Petrov")
    assert persons == ["Oleg Petrov", "Anna Petrova"]
    assert cases == ["KZ-PETROV", "KZ-PETROVA"]

    # One more place: the near spelling (a letter changed) comes next.
    monkeypatch.setattr(search_view, "SEARCH_LIMIT", 3)
    persons, cases = _search_names(viewer_client, "Petrov")
    assert persons == ["Oleg Petrov", "Anna Petrova", "Ivan Petrof"]
    assert cases == ["KZ-PETROV", "KZ-PETROVA", "KZ-PETROF"]


def test_a_full_list_of_cases_links_to_every_case_matching_in_the_case_list(
    viewer_client, monkeypatch
):
    import sys

    search_view = sys.modules["casefiles.views.search"]
    for n in range(3):
        _case(f"KZ-NURLAN-{n}", f"Nurlan Rakhimov {n}", 2001 + n)
    every_case = reverse("staff:case_list") + "?q=Nurl%C3%A1n%20R"

    monkeypatch.setattr(search_view, "SEARCH_LIMIT", 3)
    html = viewer_client.get(reverse("staff:search"), {"q": "Nurlán R"}).content.decode()
    assert "the 3 best matches of each kind at most" in html
    assert f'href="{every_case}"' in html
    # The case list behind the link finds them all.
    listed = viewer_client.get(reverse("staff:case_list"), {"q": "Nurlán R"})
    assert listed.context["page"].paginator.count == 3

    monkeypatch.setattr(search_view, "SEARCH_LIMIT", 4)
    html = viewer_client.get(reverse("staff:search"), {"q": "Nurlán R"}).content.decode()
    assert "best matches" not in html and every_case not in html


def test_near_spellings_fill_the_page_when_the_names_containing_the_query_are_hidden(
    viewer_client, monkeypatch
):
    import sys

    search_view = sys.modules["casefiles.views.search"]
    for given, family in [("Oleg", "Petrov"), ("Anna", "Petrova")]:
        hidden = _case(f"KZ-{family.upper()}", "Unrelated", 2001)
        hidden.restricted = True
        hidden.save()
        CasePartyFactory(case=hidden, person=PersonFactory(given_name=given, family_name=family))
    CasePartyFactory(
        case=_case("KZ-PETROF", "Unrelated", 2001),
        person=PersonFactory(given_name="Ivan", family_name="Petrof"),
    )
    monkeypatch.setattr(search_view, "SEARCH_LIMIT", 2)

    persons, cases = _search_names(viewer_client, "Petrov")

    # Two names contain the query, enough for the page, but the viewer may see neither.
    assert persons == ["Ivan Petrof"]
    assert cases == ["KZ-PETROF"]


def test_search_reads_a_bounded_number_of_names_best_first(viewer_client, monkeypatch):
    from casefiles import search

    monkeypatch.setattr(search, "CANDIDATES_PER_KIND", 3)
    for n in range(5):
        PersonFactory(given_name=f"Lev{'a' * n}", family_name="Apetrov")
    PersonFactory(given_name="Oleg", family_name="Petrov")

    persons, _ = _search_names(viewer_client, "Petrov")

    # Five Apetrovs contain the query; only the best three names are read, the exact first.
    assert persons[0] == "Oleg Petrov"
    assert len(persons) <= 3


def test_the_person_picker_lists_at_most_its_limit_of_thousands_best_first(editor_client):
    from casefiles.views.base import PICKER_LIMIT

    Person.objects.bulk_create(
        Person(given_name=f"Given{n}", family_name=f"Ayaliev{n}") for n in range(PICKER_LIMIT + 10)
    )
    exact = PersonFactory(given_name="Nur", family_name="Ayali")
    from casefiles.search import search_names_rebuild

    search_names_rebuild()

    picked = editor_client.get(reverse("staff:person_picker"), {"q": "Аяли"}).json()["results"]

    assert len(picked) == PICKER_LIMIT
    assert picked[0]["id"] == exact.pk


@pytest.mark.postgres
def test_the_bulk_rebuild_keeps_the_indexes_and_foreign_keys_of_the_search_names(demo):
    from django.db import connection

    from casefiles.search import search_names_rebuild
    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")

    def schema() -> set[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'casefiles_searchname'"
            )
            indexes = set(cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'casefiles_searchname'::regclass"
            )
            return indexes | set(cursor.fetchall())

    before = schema()
    assert any("fastupdate=off" in definition for _, definition in before)

    search_names_rebuild()

    assert schema() == before
    assert persons_matching("Mendygazeyev").exists()


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("Mendygazyev", True),  # exact family name, several persons
        ("Bekizhan Mendygazyev", True),  # the whole name
        ("Mendy", True),  # a prefix
        ("gazyev", True),  # inside a word
        ("Мендыгазиев", True),  # another script
        ("Mendygaziyev", True),  # a letter added (a near spelling)
        ("Jusupov", True),  # a letter dropped
        ("Austrevicius", True),  # diacritics left out
        ("Petras Austrevicius", True),  # two words, each contained
        ("Zzyzx", False),  # nothing
        ("100%_", False),  # LIKE's wildcards, taken literally
    ],
)
def test_the_search_statement_finds_and_ranks_as_the_name_conditions_say(persons, query, finds):
    """/search/ and the picker run one hand-written statement over the names (compiling it
    through the ORM cost more than running it); it must keep exactly the names the ORM's
    conditions keep (`_name_matches`), each with the rank `_name_rank` gives it, and the
    cases of those persons with their best rank."""
    from casefiles.models import CaseParty, SearchName
    from casefiles.search import _candidate_ranks, _name_matches, _name_rank

    CasePartyFactory(person=persons["bekizhan"], case=CaseFactory(title="Mendygazyev brothers"))
    key = search_key(query)
    expected_persons: dict[int, int] = {}
    expected_cases: dict[int, int] = {}
    names = SearchName.objects.filter(_name_matches(key))
    for person_id, case_id, rank in names.values_list("person_id", "case_id", _name_rank(key)):
        owner, ranks = (person_id, expected_persons) if person_id else (case_id, expected_cases)
        ranks[owner] = min(rank, ranks.get(owner, rank))
    parties = CaseParty.objects.filter(person_id__in=expected_persons)
    for person_id, case_id in parties.values_list("person_id", "case_id"):
        rank = expected_persons[person_id]
        expected_cases[case_id] = min(rank, expected_cases.get(case_id, rank))

    found_persons, found_cases, _ = _candidate_ranks(key, cases=True, unless_filled=None)
    assert found_persons == expected_persons
    assert found_cases == expected_cases
    assert bool(found_persons) is finds


def _bek_register() -> dict[str, list]:
    """Persons whose names begin with "Bek", whose names hold it further in, and one whose
    family name is "Bek" itself."""
    return {
        "exact": [PersonFactory(given_name="Aigerim", family_name="Bek")],
        "begins": [PersonFactory(given_name="Aidos", family_name=f"Bekov{n}") for n in range(30)],
        "inside": [
            PersonFactory(given_name="Aidar", family_name=f"Nurbekov{n}") for n in range(30)
        ],
    }


def test_a_name_typed_short_gives_the_picker_those_it_begins_the_exact_one_first(
    editor_client,
):
    """The picker asks with each keystroke: three letters typed are answered from the names
    that begin with them, when those fill the list, without ranking every name they are in."""
    from casefiles.views.base import PICKER_LIMIT

    register = _bek_register()

    picked = editor_client.get(reverse("staff:person_picker"), {"q": "Bek"}).json()["results"]

    assert len(picked) == PICKER_LIMIT
    assert picked[0]["id"] == register["exact"][0].pk
    beginning = {person.pk for person in register["begins"]}
    assert {person["id"] for person in picked[1:]} <= beginning


def test_search_lists_the_names_a_short_query_begins_before_those_it_is_inside(viewer_client):
    """Too few names begin with it to fill the page: the names holding it further in follow,
    ranked after them."""
    _bek_register()

    persons, _ = _search_names(viewer_client, "Bek")

    assert persons[0] == "Aigerim Bek"
    assert len(persons) == 50  # the page's limit
    assert all("Bekov" in name and "Nur" not in name for name in persons[1:31])
    assert all("Nurbekov" in name for name in persons[31:])


@pytest.mark.parametrize("wanted", [(1, 0), (20, 0), (40, 0), (1, 1), (5, 50), (100, 100)], ids=str)
def test_each_tier_of_the_search_statement_ranks_as_the_name_conditions_say(persons, wanted):
    """Whichever tier answers (names beginning with the query, containing it, or near
    spellings), each person and case found has the rank the ORM's conditions give it, and
    a tier that fills the page keeps out every worse-ranked one."""
    from casefiles.models import SearchName
    from casefiles.search import RANK_PREFIX, _candidate_ranks, _name_matches, _name_rank

    _bek_register()
    for person in Person.objects.filter(family_name__startswith="Bekov")[:8]:
        CasePartyFactory(person=person)
    key = search_key("Bek")
    best: dict[int, int] = {}
    names = SearchName.objects.filter(_name_matches(key), person__isnull=False)
    for person_id, rank in names.values_list("person_id", _name_rank(key)):
        best[person_id] = min(rank, best.get(person_id, rank))

    found_persons, found_cases, _ = _candidate_ranks(key, cases=True, unless_filled=wanted)

    assert len(found_persons) >= min(wanted[0], len(best))
    assert len(found_cases) >= min(wanted[1], 8)
    assert all(best[person_id] == rank for person_id, rank in found_persons.items())
    if len([rank for rank in best.values() if rank <= RANK_PREFIX]) >= wanted[0] and (
        wanted[1] <= 8
    ):
        assert max(found_persons.values()) <= RANK_PREFIX
