"""Search keys' trigram index without a pending list, and trigram indexes for the case
list's free text (PostgreSQL only).

With GIN's default `fastupdate`, new keys wait in an unsorted pending list that every search
reads in full until a vacuum merges it into the index: after a bulk load of 100,000 persons
the near-spelling test took 24 ms through the index against 4 ms once merged. Keys are
written a few at a time (one person saved) or rebuilt in bulk with the index built afresh
(search.search_names_rebuild), so inserting straight into the index costs little. The list
left by earlier writes is merged now; where the app's database user may not, a notice says
so and search stays correct, only slower until the next vacuum.

The case list's `q` looks for the text inside each case's reference, title and summary
(`UPPER(column) LIKE UPPER('%text%')`): without an index every case was read, 20,000 at
size; these trigram indexes on the same expressions find the few that hold it.
"""

from django.db import migrations

INDEX = "casefiles_searchname_key_trgm"

FORWARDS = f"""
ALTER INDEX IF EXISTS {INDEX} SET (fastupdate = off);
DO $$
BEGIN
    PERFORM gin_clean_pending_list('{INDEX}'::regclass);
EXCEPTION WHEN insufficient_privilege OR undefined_table THEN
    RAISE NOTICE 'Could not merge the pending list of {INDEX}: VACUUM casefiles_searchname';
END
$$;
"""


# (index name, the expression Django's icontains writes for the column)
CASE_TEXT = [
    ("casefiles_case_reference_trgm", "UPPER(reference::text)"),
    ("casefiles_case_title_trgm", "UPPER(title::text)"),
    ("casefiles_case_summary_trgm", "UPPER(summary::text)"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)
        for name, expression in CASE_TEXT:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON casefiles_case "
                f"USING gin (({expression}) gin_trgm_ops)"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} RESET (fastupdate)")
        for name, _ in CASE_TEXT:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0019_search_cost_restricted_index")]

    operations = [migrations.RunPython(forwards, backwards)]
