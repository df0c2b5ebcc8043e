"""Name search across scripts: one normalised key per name, kept up to date on write.

Staff type a name the way they last saw it: Мендыгазиев, Mendygaziev or Mendygazyev;
Жусупов, Zhusupov or Jussupov; Auštrevičius or Austrevicius. Every name of a person
(given + family, the name in the original script, each alias), of an organisation and
of a case is stored in `SearchName` with a key that folds case, diacritics, script and
the usual transliteration variants together. A query is folded the same way.

On PostgreSQL near spellings also match through pg_trgm word similarity (GIN index on
the key, migrations 0004 and 0020); SQLite falls back to substring matching of the keys.

/search/ and the person picker read a bounded number of the best matching names, and look
for near spellings only when the names containing the query do not fill the page
(`persons_and_cases_found`).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii
from django.db import connection, models, transaction
from django.db.models import (
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Least

# Russian and Kazakh Cyrillic, transliterated the way English-language sources
# usually do (BGN/PCGN-like); anyascii's defaults differ for several Kazakh letters.
_CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y", "і": "i", "к": "k", "қ": "k",
    "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}  # fmt: skip
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC)

# Spelling variants that name the same sound, folded to one letter, longest first.
# Zhusupov/Jussupov/Joussoupov, Khalil/Halil, Mendygazyev/Mendygaziev, Qazaq/Kazak.
_FOLDS = (
    ("dzh", "j"),
    ("zh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("ph", "f"),
    ("ou", "u"),
    ("w", "v"),
    ("q", "k"),
    ("x", "ks"),
    ("y", "i"),
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLES = re.compile(r"([a-z])\1+")


def search_key(text: str) -> str:
    """Fold a name to the key it is stored and searched under.

    >>> search_key("Мендыгазиев") == search_key("Mendygazyev") == search_key("Mendygaziev")
    True
    """
    latin = text.lower().translate(_CYRILLIC_TABLE)
    if not latin.isascii():
        latin = anyascii(latin).lower()
    latin = _NOT_ALNUM.sub(" ", latin)
    words = []
    for word in latin.split():
        for variant, folded in _FOLDS:
            word = word.replace(variant, folded)
        words.append(_DOUBLES.sub(r"\1", word))
    return " ".join(words)


def uses_trigrams() -> bool:
    return connection.vendor == "postgresql"


# --- keeping the keys up to date -------------------------------------------------------


def _person_names(person) -> list[str]:
    names = [person.name, person.family_name, person.name_original]
    names += [alias.name for alias in person.aliases.all()]
    return names


def _organisation_names(organisation) -> list[str]:
    return [organisation.name, organisation.abbreviation, organisation.name_original]


def _case_names(case) -> list[str]:
    return [case.reference, case.title]


def _name_keys(names: Iterable[str], key_of=search_key) -> list[tuple[str, str]]:
    """(name, key) for each distinct key of an owner's names (`key_of` computes a key)."""
    pairs, seen = [], set()
    for name in names:
        key = key_of(name or "")
        if key and key not in seen:
            seen.add(key)
            pairs.append((name, key))
    return pairs


def _replace_names(owner_field: str, owner, names: Iterable[str]) -> None:
    from casefiles.models import SearchName

    SearchName.objects.filter(**{owner_field: owner}).delete()
    SearchName.objects.bulk_create(
        SearchName(**{owner_field: owner}, text=text, key=key) for text, key in _name_keys(names)
    )


@transaction.atomic
def search_names_update(*, person=None, organisation=None, case=None) -> None:
    """Rewrite the search keys of one person, organisation or case from its current names."""
    if person is not None:
        _replace_names("person", person, _person_names(person))
    if organisation is not None:
        _replace_names("organisation", organisation, _organisation_names(organisation))
    if case is not None:
        _replace_names("case", case, _case_names(case))


# Rows read and written per round trip by the rebuild.
REBUILD_BATCH = 10_000


def _all_search_rows() -> Iterator[tuple[int | None, int | None, int | None, str, str]]:
    """(person, organisation, case, text, key) of every name, read as plain values in chunks
    (no model instance per row: at 100,000 persons that alone took a third of the time).
    A person's names as _person_names reads them on save: full name, family name, name in
    the original script, aliases (the rebuild test compares the two)."""
    from casefiles.models import Case
    from people.models import Alias, Organisation, Person

    # The same names recur (family names, titles): each is folded once.
    key_of = functools.lru_cache(maxsize=100_000)(search_key)

    def name_keys(names: Iterable[str]) -> list[tuple[str, str]]:
        return _name_keys(names, key_of)

    aliases: dict[int, list[str]] = {}
    for person_id, alias in Alias.objects.values_list("person_id", "name").iterator(
        chunk_size=REBUILD_BATCH
    ):
        aliases.setdefault(person_id, []).append(alias)
    persons = Person.objects.values_list("pk", "given_name", "family_name", "name_original")
    for pk, given_name, family_name, name_original in persons.iterator(chunk_size=REBUILD_BATCH):
        full_name = f"{given_name} {family_name}".strip()
        names = [full_name, family_name, name_original, *aliases.get(pk, [])]
        for text, key in name_keys(names):
            yield pk, None, None, text, key
    for organisation in Organisation.objects.iterator(chunk_size=REBUILD_BATCH):
        for text, key in name_keys(_organisation_names(organisation)):
            yield None, organisation.pk, None, text, key
    cases = Case.objects.values_list("pk", "reference", "title")
    for pk, reference, title in cases.iterator(chunk_size=REBUILD_BATCH):
        for text, key in name_keys([reference, title]):
            yield None, None, pk, text, key


@transaction.atomic
def search_names_rebuild() -> int:
    """Rebuild every key (after a bulk import that bypassed save()), in one transaction: a
    search meanwhile waits or sees the old keys, never none. Returns the rows written.
    `python manage.py rebuild_search_names` runs it.

    On PostgreSQL the rows are loaded with COPY into the emptied table with its secondary
    indexes and foreign keys dropped, then each index is built and each key checked once
    over all the rows (updating the trigram index row by row and checking each row's keys
    was most of the time); elsewhere they are inserted in batches."""
    from casefiles.models import SearchName

    meta = SearchName._meta
    table = str(meta.db_table)
    column_of = {field.name: str(field.column) for field in meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(column_of[name]) for name in ("person", "organisation", "case", "text", "key")
    )
    rows = _all_search_rows()
    written = 0
    with connection.cursor() as cursor:
        copying = connection.vendor == "postgresql"
        if copying:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            # The foreign keys too: checked one by one at commit, or at once when re-added.
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign_keys = cursor.fetchall()
            # Rows written earlier in the transaction have their keys checked now: a table
            # with checks pending cannot be emptied or altered.
            connection.check_constraints()
            cursor.execute(f"TRUNCATE {quote(table)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            for name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        else:
            cursor.execute(f"DELETE FROM {quote(table)}")
        insert = f"INSERT INTO {quote(table)} ({columns}) VALUES (%s, %s, %s, %s, %s)"
        # Batch by batch: the names are read through the same connection, which cannot
        # read while a COPY is under way.
        while batch := list(itertools.islice(rows, REBUILD_BATCH)):
            if copying:
                with cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(insert, batch)
            written += len(batch)
        if copying:
            # Building the trigram index is the longest step: memory makes it faster.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in foreign_keys:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            cursor.execute(f"ANALYZE {quote(table)}")
    return written


# --- querying ---------------------------------------------------------------------------


# Shorter words are not searched by near spelling on SQLite: one letter off "ali" is
# half the names in a register.
NEAR_SPELLING_SHORTEST = 4


def near_spelling_pattern(word: str) -> str:
    """A regular expression for `word` with one letter changed, added or dropped, as the
    transliterations of one Kazakh or Russian name differ ("Mendygazuev", "Mendygaziaev",
    "Mendygazev" for Mendygaziev). Keys hold only a-z, 0-9 and spaces."""
    any_letter = "[a-z0-9]"
    variants = set()
    for i in range(len(word) + 1):
        variants.add(word[:i] + any_letter + word[i:])  # a letter added
        if i < len(word):
            variants.add(word[:i] + any_letter + word[i + 1 :])  # a letter changed
            variants.add(word[:i] + word[i + 1 :])  # a letter dropped
    return "(?:" + "|".join(sorted(variants)) + ")"


def _name_matches(query_key: str, prefix: str = "") -> Q:
    """A stored name matches when it contains every word of the query, or when every word
    is a near spelling of a word in the name: trigram word similarity on PostgreSQL, one
    letter changed, added or dropped on SQLite (the embedded default)."""
    key = f"{prefix}key"
    condition = Q()
    for word in query_key.split():
        word_q = Q(**{f"{key}__contains": word})
        if uses_trigrams() and len(word) >= 3:
            from django.contrib.postgres.lookups import TrigramWordSimilar

            # key %> word: the word is a near spelling of some word in the key.
            word_q |= Q(TrigramWordSimilar(F(key), Value(word)))
        elif not uses_trigrams() and len(word) >= NEAR_SPELLING_SHORTEST:
            # One letter off leaves one half of the word intact: SQLite's own substring test
            # narrows the rows before the (Python) regular expression runs on them.
            half = len(word) // 2
            intact_half = Q(**{f"{key}__contains": word[:half]}) | Q(
                **{f"{key}__contains": word[half:]}
            )
            word_q |= intact_half & Q(**{f"{key}__regex": near_spelling_pattern(word)})
        condition &= word_q
    return condition


def matching_names(query: str) -> models.QuerySet:
    from casefiles.models import SearchName

    key = search_key(query)
    if not key:
        return SearchName.objects.none()
    return SearchName.objects.filter(_name_matches(key))


def persons_matching(query: str, queryset=None) -> models.QuerySet:
    from people.models import Person

    queryset = Person.objects.all() if queryset is None else queryset
    # `pk IN (matching names)`, not a correlated EXISTS: the database finds the few matching
    # names through the key's index first, instead of testing every person in turn.
    return queryset.filter(pk__in=matching_names(query).values("person_id"))


def organisations_matching(query: str, queryset=None) -> models.QuerySet:
    from people.models import Organisation

    queryset = Organisation.objects.all() if queryset is None else queryset
    return queryset.filter(pk__in=matching_names(query).values("organisation_id"))


def matching_case_ids(query: str, *, also: QuerySet | None = None) -> RawSQL | QuerySet:
    """The ids of the cases `query` finds — by their own reference or title, or by a name of
    a person who is a party — and those of `also` (a queryset of case ids, as the case list's
    text): the matching names read once, then the cases they name themselves and the cases
    whose parties are their persons, each through an index (the names' trigram index, the
    parties' person index). Written as SQL, with the conditions of `_name_matches`: through
    the ORM the names were matched twice, or joined through every person."""
    from casefiles.models import CaseParty, SearchName

    key = search_key(query)
    if not key:
        return also if also is not None else SearchName.objects.none().values("case_id")
    quote = connection.ops.quote_name
    names, party = SearchName._meta, CaseParty._meta
    matches, _ = _matches_sql(quote(str(names.get_field("key").column)), key, near=True)
    party_case = quote(str(party.get_field("case").column))
    party_person = quote(str(party.get_field("person").column))
    sql = (
        f"WITH names AS (SELECT {quote(str(names.get_field('person').column))} AS person_id, "
        f"{quote(str(names.get_field('case').column))} AS case_id "
        f"FROM {quote(names.db_table)} WHERE {matches[0]}) "
        "SELECT case_id FROM names WHERE case_id IS NOT NULL "
        f"UNION SELECT party.{party_case} FROM {quote(party.db_table)} party "
        f"WHERE party.{party_person} IN (SELECT person_id FROM names WHERE person_id IS NOT NULL)"
    )
    params = list(matches[1])
    if also is not None:
        also_sql, also_params = also.order_by().query.sql_with_params()
        sql += f" UNION {also_sql}"
        params += list(also_params)
    return RawSQL(sql, params)


def cases_matching(query: str, queryset) -> models.QuerySet:
    """Cases whose reference or title matches, or in which a matching person is a party."""
    return queryset.filter(pk__in=matching_case_ids(query))


# How well a stored name matches, best first: the whole name, a name or word starting with
# the query, every word inside the name, a near spelling only (PostgreSQL's trigrams).
RANK_EXACT, RANK_PREFIX, RANK_CONTAINS, RANK_NEAR = range(4)


def _name_rank(query_key: str, prefix: str = "") -> models.Case:
    key = f"{prefix}key"
    contains_every_word = Q()
    for word in query_key.split():
        contains_every_word &= Q(**{f"{key}__contains": word})
    return models.Case(
        models.When(Q(**{key: query_key}), then=Value(RANK_EXACT)),
        models.When(
            Q(**{f"{key}__startswith": query_key}) | Q(**{f"{key}__contains": f" {query_key}"}),
            then=Value(RANK_PREFIX),
        ),
        models.When(contains_every_word, then=Value(RANK_CONTAINS)),
        default=Value(RANK_NEAR),
        output_field=IntegerField(),
    )


def best_match_first(queryset: QuerySet, query: str, *, owner: str) -> QuerySet:
    """`queryset` (persons, organisations or cases matched by `query`) ordered by how well
    their best name matches — "Petrov" finds Oleg Petrov before Anna Petrova before Lev
    Apetrov — then by the model's own order. A case matched through a party ranks as that
    party's best name does when none of its own names matches better.

    Persons and organisations are narrowed to the matches here: pass them unfiltered
    (matching them first as well cost a second scan of the names)."""

    key = search_key(query)
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    if owner != "case":
        if not key:
            return queryset.none()
        # Ranked in one pass over the matching names, joined to their owners: the names
        # are found through the key's index, and each owner's best rank is their minimum.
        # (A subquery per owner re-read the names of each of thousands of matches.)
        return (
            queryset.filter(_name_matches(key, prefix="search_names__"))
            .annotate(match_rank=Min(_name_rank(key, prefix="search_names__")))
            .order_by("match_rank", *ordering, "pk")
        )

    if not key:
        return queryset
    # Cases: each candidate's names and its parties' names, joined, ranked in the same pass.
    # A name that does not match ranks as a near spelling (the worst), so the minimum over
    # every joined name is the best matching one's rank.
    own = _name_rank(key, prefix="search_names__")
    through_party = _name_rank(key, prefix="parties__person__search_names__")
    return queryset.annotate(match_rank=Min(Least(own, through_party))).order_by(
        "match_rank", *ordering, "pk"
    )


# --- bounded, ranked search for /search/ and the person picker ---------------------------

# Names read per kind of owner (persons, cases) by one search, best ranked first: a common
# surname matches thousands of names, of which a page shows the first few dozen owners.
CANDIDATES_PER_KIND = 400


def _sql_lookup(lookup: str, column: str, value: str) -> tuple[str, list[str]]:
    """`column` `lookup` `value` (exact, contains, startswith, regex) as this database's
    backend writes the ORM's lookup, with its parameter."""
    lhs = connection.ops.lookup_cast(lookup, "CharField") % column
    if lookup in ("contains", "startswith"):
        escaped = connection.ops.prep_for_like_query(value)
        value = f"%{escaped}%" if lookup == "contains" else f"{escaped}%"
    operators: dict[str, str] = connection.operators  # type: ignore[attr-defined]
    return f"{lhs} {operators[lookup]}", [value]


def _sql_all(conditions: list[tuple[str, list[str]]], joiner: str) -> tuple[str, list[str]]:
    sql = f" {joiner} ".join(f"({condition})" for condition, _ in conditions)
    return sql, [param for _, params in conditions for param in params]


def _matches_sql(
    key: str, query_key: str, *, near: bool
) -> tuple[tuple[str, list[str]], tuple[str, list[str]]]:
    """SQL of `_name_matches` over the column `key` (with `near`; without, every word
    contained only), and of every word contained, each with its parameters."""
    words = query_key.split()
    contains_every_word = _sql_all([_sql_lookup("contains", key, word) for word in words], "AND")
    if near:
        word_matches = []
        for word in words:
            either = [_sql_lookup("contains", key, word)]
            if uses_trigrams() and len(word) >= 3:
                either.append((f"{key} %%> %s", [word]))  # a near spelling of a word in the key
            elif not uses_trigrams() and len(word) >= NEAR_SPELLING_SHORTEST:
                half = len(word) // 2
                intact_half = _sql_all(
                    [
                        _sql_lookup("contains", key, word[:half]),
                        _sql_lookup("contains", key, word[half:]),
                    ],
                    "OR",
                )
                pattern = _sql_lookup("regex", key, near_spelling_pattern(word))
                either.append(_sql_all([intact_half, pattern], "AND"))
            word_matches.append(_sql_all(either, "OR"))
        matches = _sql_all(word_matches, "AND")
    else:
        matches = contains_every_word
    return matches, contains_every_word


def _kept_names(query_key: str, *, near: bool, cases: bool) -> tuple[str, list]:
    """SQL and parameters of (person, case, rank) for the names of persons, and with `cases`
    of cases, that match `query_key` — every word contained in a name or, with `near`, also
    near spellings — at most CANDIDATES_PER_KIND names of each kind, best first; with
    `cases`, followed by the cases of the persons kept, each with its person's rank (joined
    to the few hundred names kept, not to every matching one).

    The same conditions and ranks as `_name_matches` and `_name_rank`, written out as SQL:
    built through the ORM, these two statements took a search longer to compile than the
    database to run the names containing the query."""
    from casefiles.models import SearchName

    quote = connection.ops.quote_name
    meta = SearchName._meta

    column = {field.name: quote(str(field.column)) for field in meta.concrete_fields}
    key, person, case, pk = column["key"], column["person"], column["case"], column["id"]
    words = query_key.split()

    matches, contains_every_word = _matches_sql(key, query_key, near=near)
    exact = _sql_lookup("exact", key, query_key)
    prefix = _sql_all(
        [_sql_lookup("startswith", key, query_key), _sql_lookup("contains", key, f" {query_key}")],
        "OR",
    )
    rank_sql = (
        f"CASE WHEN {exact[0]} THEN {RANK_EXACT} WHEN {prefix[0]} THEN {RANK_PREFIX} "
        f"WHEN {contains_every_word[0]} THEN {RANK_CONTAINS} ELSE {RANK_NEAR} END"
    )
    rank_params = [*exact[1], *prefix[1], *contains_every_word[1]]
    closeness_sql, closeness_params = "0", []
    if near and uses_trigrams():
        # Among near spellings, the closest first (what the cap keeps).
        closeness_sql, closeness_params = f"WORD_SIMILARITY(%s, {key})", [words[0]]
    owners = f"{person} IS NOT NULL OR {case} IS NOT NULL" if cases else f"{person} IS NOT NULL"
    sql = (
        "SELECT person_id, case_id, match_rank FROM ("
        "SELECT person_id, case_id, match_rank, ROW_NUMBER() OVER ("
        "PARTITION BY CASE WHEN person_id IS NULL THEN 1 ELSE 0 END "
        "ORDER BY match_rank, closeness DESC, id) AS place FROM ("
        f"SELECT {pk} AS id, {person} AS person_id, {case} AS case_id, "
        f"{rank_sql} AS match_rank, {closeness_sql} AS closeness "
        f"FROM {quote(meta.db_table)} WHERE ({owners}) AND ({matches[0]})"
        ") matched) ranked WHERE place <= %s"
    )
    params = [*rank_params, *closeness_params, *matches[1], CANDIDATES_PER_KIND]
    return _with_parties(sql, cases=cases), params


def _with_parties(kept: str, *, cases: bool) -> str:
    """`kept` (SQL of person, case, rank rows), and with `cases` followed by the cases of the
    persons kept, each with its person's rank (joined to the few hundred names kept)."""
    if not cases:
        return kept
    from casefiles.models import CaseParty

    quote = connection.ops.quote_name
    party = CaseParty._meta
    party_person = f"party.{quote(party.get_field('person').column)}"
    sql = (
        f"WITH kept AS ({kept}) SELECT person_id, case_id, match_rank FROM kept UNION ALL "
        f"SELECT NULL, party.{quote(party.get_field('case').column)}, kept.match_rank "
        f"FROM kept INNER JOIN {quote(party.db_table)} party ON {party_person} = kept.person_id"
    )
    if connection.vendor == "postgresql":
        # The parties of the persons kept, by the parties' person index: the few
        # hundred kept are more than PostgreSQL guesses, so it read and hashed every
        # party (20,000: 4 ms) when not told to look them up.
        sql += f" WHERE {party_person} = ANY(ARRAY(SELECT person_id FROM kept))"
    return sql


def _prefixed_names(query_key: str, *, cases: bool) -> tuple[str, list]:
    """As `_kept_names`, for the names that begin with the query (rank exact or prefix
    only): at most CANDIDATES_PER_KIND of each kind, read in the order of the key's
    pattern index (the `…_like` index Django gives an indexed CharField on PostgreSQL;
    SQLite, for smaller registers, reads the keys in turn) from where the query begins, so
    only those are read — a name typed short ("Bek", as the picker sends with each
    keystroke) begins 17,000 of 100,000 persons' names and is inside 66,000, which the
    names containing it had to rank in full."""
    from casefiles.models import SearchName

    quote = connection.ops.quote_name
    meta = SearchName._meta
    column = {field.name: quote(str(field.column)) for field in meta.concrete_fields}
    key, pk = column["key"], column["id"]
    exact = _sql_lookup("exact", key, query_key)
    begins = _sql_lookup("startswith", key, query_key)
    # Byte order, as the pattern index holds the keys (a-z, 0-9 and spaces only).
    in_key_order = f"{key} USING ~<~" if connection.vendor == "postgresql" else key
    owners = ["person", "case"] if cases else ["person"]
    parts, params = [], []
    for owner in owners:
        person_id = column["person"] if owner == "person" else "CAST(NULL AS BIGINT)"
        case_id = column["case"] if owner == "case" else "CAST(NULL AS BIGINT)"
        parts.append(
            f"SELECT person_id, case_id, match_rank FROM (SELECT {person_id} AS person_id, "
            f"{case_id} AS case_id, CASE WHEN {exact[0]} THEN {RANK_EXACT} "
            f"ELSE {RANK_PREFIX} END AS match_rank FROM {quote(meta.db_table)} "
            f"WHERE {column[owner]} IS NOT NULL AND {begins[0]} "
            f"ORDER BY {in_key_order}, {pk} LIMIT %s) {owner}_names"
        )
        params += [*exact[1], *begins[1], CANDIDATES_PER_KIND]
    return _with_parties(" UNION ALL ".join(parts), cases=cases), params


def _candidate_ranks(
    query_key: str, *, cases: bool, unless_filled: tuple[int, int] | None
) -> tuple[dict[int, int], dict[int, int], bool]:
    """The best rank of each person, and with `cases` of each case (by its own names or its
    best party's), among the names `_kept_names` keeps; and whether near spellings were
    looked for. With `unless_filled` (persons, cases), in tiers, each read only when the
    ones before name fewer persons or cases than that, all in one query: the names that
    begin with the query (by the key's pattern index); else the names containing it (the
    trigram index); else, instead, near spellings too (the costly trigram test, which
    PostgreSQL then runs alone). Without it, the near spellings straight away."""
    if unless_filled is None:
        sql, params = _kept_names(query_key, near=True, cases=cases)
        sql = f"SELECT 2 AS tier, found.* FROM ({sql}) found"
    else:
        begins, begins_params = _prefixed_names(query_key, cases=cases)
        contained, contained_params = _kept_names(query_key, near=False, cases=cases)
        near, near_params = _kept_names(query_key, near=True, cases=cases)
        # Whether a tier fills the page, said once for each and decided before the tier
        # after it is read: each tier tests the earlier ones first, so once one fills the
        # page the later ones are never read.
        filled = "SELECT COUNT(DISTINCT person_id) >= %s AND COUNT(DISTINCT case_id) >= %s AS yes"
        sql = (
            f"WITH begins AS ({begins}), contained AS ({contained}), "
            f"begins_filled AS ({filled} FROM begins), "
            f"contained_filled AS ({filled} FROM contained) "
            "SELECT 0 AS tier, begins.* FROM begins WHERE (SELECT yes FROM begins_filled) "
            "UNION ALL SELECT 1, contained.* FROM contained "
            "WHERE NOT (SELECT yes FROM begins_filled) AND (SELECT yes FROM contained_filled) "
            f"UNION ALL SELECT 2, found.* FROM ({near}) found "
            "WHERE NOT (SELECT yes FROM begins_filled) "
            "AND NOT (SELECT yes FROM contained_filled)"
        )
        params = [
            *begins_params,
            *contained_params,
            *unless_filled,
            *unless_filled,
            *near_params,
        ]
    persons: dict[int, int] = {}
    found_cases: dict[int, int] = {}
    # No row at all: no tier filled the page (were any rows needed), so the near spellings
    # were looked for, and none found either.
    looked_near = unless_filled is None or any(unless_filled)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for tier, person_id, case_id, rank in cursor.fetchall():
            looked_near = tier == 2
            owner, ranks = (person_id, persons) if person_id is not None else (case_id, found_cases)
            ranks[owner] = min(rank, ranks.get(owner, rank))
    return persons, found_cases, looked_near


class _AnyOf(models.Lookup):
    """`column = ANY(%s)`, the ids passed as one array (PostgreSQL): a query of hundreds of
    `IN (%s, …)` parameters took the driver longer to bind than the database to run."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


def among(field: str, ids: Iterable[int]) -> Q | models.Lookup:
    """`field` is one of `ids`."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), ids)
    return Q(**{f"{field}__in": ids})


def _ranked(queryset: QuerySet, ranks: dict[int, int]) -> QuerySet:
    """`queryset` narrowed to the owners in `ranks`, best rank first, then its own order."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    by_rank: dict[int, list[int]] = {}
    for pk, rank in ranks.items():
        by_rank.setdefault(rank, []).append(pk)
    rank_of = models.Case(
        *(models.When(among("pk", pks), then=Value(r)) for r, pks in sorted(by_rank.items())),
        default=Value(RANK_NEAR),
        output_field=IntegerField(),
    )
    return (
        queryset.filter(among("pk", ranks))
        .annotate(match_rank=rank_of)
        .order_by("match_rank", *ordering, "pk")
    )


def persons_and_cases_found(
    query: str,
    *,
    persons: QuerySet | None,
    cases: QuerySet | None,
    limit: int,
) -> tuple[list, list]:
    """The first `limit` of `persons` and of `cases` (each already narrowed to what the user
    may see; None: not wanted) that `query` finds, best match first, as best_match_first
    orders them — a case ranks as its best own name or its best party's name.

    The work is bounded: at most CANDIDATES_PER_KIND names of each kind are read, and near
    spellings (the costly trigram test on PostgreSQL) are looked for only when the names
    containing the query do not already fill both lists: they would rank after them."""
    key = search_key(query)
    if not key or (persons is None and cases is None):
        return [], []
    wanted = (limit if persons is not None else 0, limit if cases is not None else 0)
    person_ranks, case_ranks, looked_near = _candidate_ranks(
        key, cases=cases is not None, unless_filled=wanted
    )
    while True:
        found_persons = (
            list(_ranked(persons, person_ranks)[:limit])
            if persons is not None and person_ranks
            else []
        )
        found_cases = (
            list(_ranked(cases, case_ranks)[:limit]) if cases is not None and case_ranks else []
        )
        if looked_near or (len(found_persons) >= wanted[0] and len(found_cases) >= wanted[1]):
            return found_persons, found_cases
        # Names enough, but not all visible to the user: the near spellings too after all.
        person_ranks, case_ranks, looked_near = _candidate_ranks(
            key, cases=cases is not None, unless_filled=None
        )


@dataclass(frozen=True)
class SearchSection:
    """A kind of record another app adds to /search/: ``find(user, query)`` returns the
    records that user may see, shown with ``template`` (context: records, query)."""

    title: str
    find: Callable[..., QuerySet[Any] | list[Any]]
    template: str


_sections: list[SearchSection] = []


def register_search_section(section: SearchSection) -> None:
    """Called from an app's ready(), so casefiles names no higher app (letters, …)."""
    _sections.append(section)


def search_sections() -> tuple[SearchSection, ...]:
    return tuple(_sections)


@dataclass
class SearchResults:
    query: str
    limit: int = 0  # at most this many of each kind are shown
    persons: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    # (section, its records) for each registered section, in the order registered.
    sections: list[tuple[SearchSection, list]] = field(default_factory=list)

    @property
    def total(self) -> int:
        found = len(self.persons) + len(self.organisations) + len(self.cases)
        return found + sum(len(records) for _, records in self.sections)

    @property
    def capped(self) -> bool:
        """Some kind shows its first `limit` only: there may be more."""
        lists = [self.persons, self.organisations, self.cases] + [r for _, r in self.sections]
        return self.limit > 0 and any(len(records) >= self.limit for records in lists)

    @property
    def cases_capped(self) -> bool:
        return self.limit > 0 and len(self.cases) >= self.limit
