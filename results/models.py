"""The results' one table: computed results, cached per study and parameter set.

The table keeps its original name (`comparisons_resultsnapshot`): the model moved here from
`comparisons` with state-only migrations, so no data is copied on upgrade."""

from __future__ import annotations

from django.db import models

from comparisons.models import Study
from raters.models import Rater


class ResultSnapshot(models.Model):
    """Computed results of a study for one set of parameters (`key`), with when and from
    how many votes they were computed. Kept fresh by the results sweep (results.tasks)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="result_snapshots")
    key = models.CharField(max_length=500, help_text="The canonical query parameters; 'default' for none.")
    computed_at = models.DateTimeField()
    n_votes = models.PositiveIntegerField()
    votes_version = models.CharField(max_length=100, help_text="Count and newest vote id when computed.")
    data = models.JSONField()

    class Meta:
        db_table = "comparisons_resultsnapshot"
        constraints = [models.UniqueConstraint(fields=["study", "key"], name="result_snapshot_unique_key")]

    def __str__(self) -> str:
        return f"results of {self.study_id} ({self.key})"


class RaterVoteCount(models.Model):
    """Per rater: votes now, changes ever (inserts, updates and deletes of its votes), the
    newest vote id and when its newest vote that is not simulated was written (the dashboard's
    active raters). Kept by triggers on the vote table in the writing transaction (migration
    results/0002: one statement-level trigger per event on PostgreSQL, row triggers on SQLite),
    so every writer (the rater form's SQL, bulk imports, judges, the demo, cascades) moves it;
    results.selectors.votes_version reads it instead of scanning votes. One row per rater, so
    raters voting at once never wait on one another's counter."""

    rater = models.OneToOneField(
        Rater, on_delete=models.CASCADE, primary_key=True, related_name="vote_count", db_constraint=False
    )
    votes = models.BigIntegerField(default=0)
    changes = models.BigIntegerField(default=0)
    last_vote = models.BigIntegerField(default=0)
    last_voted_at = models.DateTimeField(null=True, blank=True, help_text="The newest vote not simulated.")

    def __str__(self) -> str:
        return f"{self.votes} votes of rater {self.rater_id}"
