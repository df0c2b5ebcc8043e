"""Administrators may see and remove second-factor devices (a lost phone) and login lockouts
(to unlock a colleague early); nobody else may, and nobody can read a secret key or code
(OTP_ADMIN_HIDE_SENSITIVE_DATA)."""

from django.db import migrations

from people.roles import ADMINISTRATOR, grant_app_permissions

VIEW_AND_DELETE = ("view", "delete")


def grant(apps, schema_editor):
    for app_label in ("otp_totp", "otp_static", "axes"):
        grant_app_permissions(apps, app_label, {ADMINISTRATOR: VIEW_AND_DELETE})


class Migration(migrations.Migration):
    dependencies = [
        ("casefiles", "0007_restricted_cases_role"),
        ("people", "0002_roles"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
