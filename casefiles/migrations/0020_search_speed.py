"""Search keys' trigram index without a pending list (PostgreSQL only).

With GIN's default `fastupdate`, new keys wait in an unsorted pending list that every search
reads in full until a vacuum merges it into the index: after a bulk load of 100,000 persons
the near-spelling test took 24 ms through the index against 4 ms once merged. Keys are
written a few at a time (one person saved) or rebuilt in bulk with the index built afresh
(search.search_names_rebuild), so inserting straight into the index costs little. The list
left by earlier writes is merged now; where the app's database user may not, a notice says
so and search stays correct, only slower until the next vacuum.
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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0019_search_cost_restricted_index")]

    operations = [migrations.RunPython(forwards, backwards)]
