"""Tell PostgreSQL what pg_trgm's word-similarity operator costs (PostgreSQL only), and
index the restricted cases (the visibility rule of persons, organisations and sources starts
from them).

pg_trgm declares the function behind `key %> word` with the default cost of 1, so the planner
prefers reading every search key over the trigram index (migration 0004): at 37,000 keys
that took 245 ms against 18 ms through the index. A cost of 100 makes it choose the index.
The function belongs to the extension's owner: where the app's database user is not it,
the change is skipped with a notice (ask the owner to run it) and search stays correct,
only slower.
"""

from django.db import migrations, models

from people.roles import ADMINISTRATOR, ALL_ACTIONS, EDITOR, LETTERS, READ, VIEWER, grant_app_permissions

COST = """
DO $$
BEGIN
    ALTER FUNCTION word_similarity_commutator_op(text, text) COST {cost};
    ALTER FUNCTION word_similarity_op(text, text) COST {cost};
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'Not the owner of pg_trgm: run ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100 as its owner';
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COST.format(cost=100))


def grant(apps, schema_editor):
    # Import runs (0018) are granted as every casefiles model (tests/foundation/test_roles.py).
    grant_app_permissions(
        apps,
        "casefiles",
        {VIEWER: READ, EDITOR: ALL_ACTIONS, LETTERS: READ, ADMINISTRATOR: ALL_ACTIONS},
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COST.format(cost=1))


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0018_import_runs")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("restricted", True)),
                fields=["id"],
                name="case_restricted_idx",
            ),
        ),
    ]
