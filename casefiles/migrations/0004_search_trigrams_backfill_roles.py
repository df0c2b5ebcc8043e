"""pg_trgm and a trigram GIN index on search keys (PostgreSQL only), the keys of existing
rows, and the new models' permissions for each role."""

from django.db import migrations

from people.roles import ADMINISTRATOR, ALL_ACTIONS, EDITOR, LETTERS, READ, VIEWER, grant_app_permissions


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite searches keys by substring; no extension to load.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS casefiles_searchname_key_trgm "
        "ON casefiles_searchname USING gin (key gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS casefiles_searchname_key_trgm")


def backfill_search_keys(apps, schema_editor):
    from casefiles.search import search_key

    SearchName = apps.get_model("casefiles", "SearchName")
    Person = apps.get_model("people", "Person")
    Organisation = apps.get_model("people", "Organisation")
    Case = apps.get_model("casefiles", "Case")
    rows = []

    def add(owner_field, owner, names):
        seen = set()
        for name in names:
            key = search_key(name or "")
            if key and key not in seen:
                seen.add(key)
                rows.append(SearchName(**{owner_field: owner}, text=name, key=key))

    for person in Person.objects.prefetch_related("aliases"):
        full = f"{person.given_name} {person.family_name}".strip()
        add("person", person, [full, person.family_name, person.name_original]
            + [alias.name for alias in person.aliases.all()])
    for organisation in Organisation.objects.all():
        add("organisation", organisation,
            [organisation.name, organisation.abbreviation, organisation.name_original])
    for case in Case.objects.all():
        add("case", case, [case.reference, case.title])
    SearchName.objects.bulk_create(rows)


def grant(apps, schema_editor):
    grant_app_permissions(
        apps,
        "casefiles",
        {VIEWER: READ, EDITOR: ALL_ACTIONS, LETTERS: READ, ADMINISTRATOR: ALL_ACTIONS},
    )


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0003_staff_pages"), ("people", "0002_roles")]
    operations = [
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        migrations.RunPython(backfill_search_keys, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
