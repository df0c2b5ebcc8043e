from django.db import migrations

from people.roles import ADMINISTRATOR, grant_named_permission


def grant(apps, schema_editor):
    grant_named_permission(apps, "casefiles", "view_restricted_case", [ADMINISTRATOR])


class Migration(migrations.Migration):
    dependencies = [("casefiles", "0006_case_restricted"), ("people", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
