"""Indexes for the case list and the dashboard at size (issue 12).

The case list's page is read in its order (newest first) from an index, alone or after a
country or status filter, instead of sorting 20,000 cases; the dashboard's terms ending and
hearings soonest are read in order, and whether an extension hearing followed a detention is
one index probe instead of reading the case's hearings.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casefiles", "0020_search_speed"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-opened_on", "reference"], name="case_list_order_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["country", "-opened_on", "reference"], name="case_country_order_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["status", "-opened_on", "reference"], name="case_status_order_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="detention",
            index=models.Index(
                condition=models.Q(("actual_end__isnull", True), ("planned_end__isnull", False)),
                fields=["planned_end", "id"],
                name="detention_term_ending_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="hearing",
            index=models.Index(fields=["held_on", "starts_at", "id"], name="hearing_upcoming_idx"),
        ),
        migrations.AddIndex(
            model_name="hearing",
            index=models.Index(
                condition=models.Q(("kind", "extension")),
                fields=["case", "held_on"],
                name="hearing_extension_idx",
            ),
        ),
    ]
