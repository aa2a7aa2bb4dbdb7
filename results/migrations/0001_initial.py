"""ResultSnapshot, taken over from `comparisons` (state only: the table already exists,
created by comparisons.0002_result_snapshot)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("comparisons", "0003_result_snapshot_moves_to_results"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ResultSnapshot",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(help_text="The canonical query parameters; 'default' for none.", max_length=500)),
                        ("computed_at", models.DateTimeField()),
                        ("n_votes", models.PositiveIntegerField()),
                        ("votes_version", models.CharField(help_text="Count and newest vote id when computed.", max_length=100)),
                        ("data", models.JSONField()),
                        ("study", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="result_snapshots", to="comparisons.study")),
                    ],
                    options={
                        "db_table": "comparisons_resultsnapshot",
                        "constraints": [models.UniqueConstraint(fields=("study", "key"), name="result_snapshot_unique_key")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
