"""ResultSnapshot now belongs to the `results` app (results/models.py). State only: the table
`comparisons_resultsnapshot` stays as it is and `results.0001_initial` takes it over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("comparisons", "0002_result_snapshot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ResultSnapshot")],
            database_operations=[],
        ),
    ]
