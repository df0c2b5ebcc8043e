"""The case list's free-text trigram indexes (migration 0020) without a pending list
(PostgreSQL only), as the search keys' index already is.

With GIN's default `fastupdate`, new rows wait in an unsorted pending list that every
free-text search reads in full until a vacuum merges it: after a bulk load of 20,000 cases
the list held every summary and the text part of `/cases/?q=` took 10 ms through the
indexes (PostgreSQL then read every case instead) against under 1 ms once merged. Cases are
written one at a time, so inserting straight into the index costs little. Where the app's
database user may not merge the list left by earlier writes, a notice says so and the list
stays correct, only slower until the next vacuum.
"""

from django.db import migrations

INDEXES = [
    "casefiles_case_reference_trgm",
    "casefiles_case_title_trgm",
    "casefiles_case_summary_trgm",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(
            f"""
ALTER INDEX IF EXISTS {index} SET (fastupdate = off);
DO $$
BEGIN
    PERFORM gin_clean_pending_list('{index}'::regclass);
EXCEPTION WHEN insufficient_privilege OR undefined_table THEN
    RAISE NOTICE 'Could not merge the pending list of {index}: VACUUM casefiles_case';
END
$$;
"""
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {index} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0021_list_speed")]

    operations = [migrations.RunPython(forwards, backwards)]
