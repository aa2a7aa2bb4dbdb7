"""The declared shape of the results JSON (`GET /api/studies/{slug}/results/`).

drf-spectacular documents the API from these serializers field by field, a test validates
every computed snapshot against them (so the declaration cannot drift from `compute`), and
the server's consumers (the dashboard's table and chart, its results CSV) read pairs through
`pair_rows`. The client (its own distribution, no server code) reads the same documented
fields. Parts that are long lists of statistics (agreement, ranking, bias) are declared as
objects whose inner fields are documented in docs/statistics.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rest_framework import serializers


class IntervalSerializer(serializers.Serializer[Any]):
    estimate = serializers.FloatField(allow_null=True, help_text="Point estimate; null without data.")
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    level = serializers.FloatField(help_text="Confidence level, e.g. 0.95.")
    method = serializers.CharField()


class ShareIntervalsSerializer(serializers.Serializer[Any]):
    win_share = IntervalSerializer()
    tie_share = IntervalSerializer()
    loss_share = IntervalSerializer()
    win_or_tie_share = IntervalSerializer()


class CountsSerializer(serializers.Serializer[Any]):
    n = serializers.IntegerField()
    wins = serializers.IntegerField(help_text="Wins of the pair's first system (the focal system).")
    ties = serializers.IntegerField()
    losses = serializers.IntegerField()
    win_share = serializers.FloatField(allow_null=True)
    tie_share = serializers.FloatField(allow_null=True)
    loss_share = serializers.FloatField(allow_null=True)
    win_or_tie_share = serializers.FloatField(allow_null=True, help_text="LIMA's headline share.")
    win_rate = serializers.FloatField(allow_null=True, help_text="Ties as half.")


class OutcomesSerializer(serializers.Serializer[Any]):
    """The pair's four outcomes, "both are bad" kept apart from a tie (results/both_bad.py)."""

    n = serializers.IntegerField()
    unit = serializers.CharField(help_text="Always `vote`.")
    wins = serializers.IntegerField()
    ties = serializers.IntegerField(help_text="Ties only (not both-bad).")
    both_bad = serializers.IntegerField(help_text='Votes saying "both are bad".')
    losses = serializers.IntegerField()
    win_share = serializers.FloatField(allow_null=True)
    tie_share = serializers.FloatField(allow_null=True)
    both_bad_share = serializers.FloatField(allow_null=True)
    loss_share = serializers.FloatField(allow_null=True, help_text="The four shares add up to 1.")
    intervals = serializers.DictField(
        child=IntervalSerializer(),
        allow_null=True,
        help_text="Per share (win_share, tie_share, both_bad_share, loss_share): a prompt-clustered bootstrap "
        "interval; null when no vote on the pair said both are bad.",
    )
    folded_into_tie = serializers.CharField(
        help_text="Where both-bad votes count as ties: every statistic of three outcomes (counts, intervals, ...)."
    )


class TestSerializer(serializers.Serializer[Any]):
    statistic = serializers.FloatField()
    p_value = serializers.FloatField()
    n = serializers.IntegerField()
    effect = serializers.FloatField(help_text="> 0: the first system is preferred.")
    method = serializers.CharField()


class PlanSerializer(serializers.Serializer[Any]):
    share = serializers.FloatField()
    half_width = serializers.FloatField()
    level = serializers.FloatField()
    design_effect = serializers.FloatField()
    votes_needed = serializers.IntegerField()
    votes_have = serializers.IntegerField()
    votes_still_needed = serializers.IntegerField(help_text="For the win share's interval to reach `half_width`.")
    method = serializers.CharField()


class PairSerializer(serializers.Serializer[Any]):
    systems = serializers.ListField(
        child=serializers.CharField(),
        min_length=2,
        max_length=2,
        help_text="[focal (or first) system, baseline]; outcomes are the first's.",
    )
    unit = serializers.CharField()
    counts = CountsSerializer(help_text='Win / tie / loss; "both are bad" votes count as ties here (see `outcomes`).')
    outcomes = OutcomesSerializer(
        required=False, help_text='Win / tie / both-bad / loss (absent from results computed before "both are bad").'
    )
    prompts = serializers.IntegerField()
    alpaca_eval = serializers.DictField(help_text="AlpacaEval's win_rate and standard_error (percent) and counts.")
    intervals = serializers.DictField(
        child=serializers.DictField(),
        help_text="Per method (bootstrap, wilson, goodman, sequential: anytime-valid): the shares' intervals.",
    )
    interval_method = serializers.CharField()
    interval = serializers.DictField(help_text="The intervals of `interval_method`.")
    sign_test = TestSerializer()
    prompt_test = TestSerializer()
    plan = PlanSerializer()
    by_group = serializers.DictField(child=serializers.DictField(), help_text="Per rater group: counts and win share.")
    p_value_holm = serializers.FloatField(help_text="The sign test's p-value, Holm-adjusted across the pairs.")
    significant = serializers.BooleanField()
    verdict = serializers.CharField()
    pair_key = serializers.CharField(help_text='The pair\'s key, "low system id:high system id".')
    settled = serializers.DictField(
        allow_null=True,
        help_text="Null while open; else {at, rule, verdict, winner, win_rate, votes, prompts}: the pair stopped "
        "under the study's `stopping` rules.",
    )
    need = serializers.DictField(
        help_text="{votes, prompts, settles_within_design, rule}: votes still needed until a stopping rule holds "
        "(projected from the anytime-valid interval)."
    )


class ResultsSerializer(serializers.Serializer[Any]):
    computed_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text="Votes changed since; a refresh is queued.")
    study = serializers.CharField()
    design = serializers.CharField()
    focal_system = serializers.CharField(allow_null=True)
    n_votes = serializers.IntegerField(help_text="Counted votes (judges included).")
    headline_votes = serializers.IntegerField(help_text="Votes in the headline (judges left out).")
    votes_version = serializers.CharField()
    simulated_votes = serializers.IntegerField(
        help_text="Simulated votes (the demo's) among the counted ones; 0 for a study of real votes only."
    )
    simulated_votes_left_out = serializers.IntegerField(
        help_text="Simulated votes left out because the study has real votes (they are never mixed)."
    )
    params = serializers.DictField()
    resampled = serializers.DictField(
        required=False,
        help_text="{n_votes, votes_version, computed_at}: the votes the resampled parts (bootstrap and sequential "
        "intervals, settlements, votes still needed, four outcomes' intervals, ranking, agreement, rater quality, "
        "judges) are from. The default results of a large study recompute them on their own schedule "
        "(docs/statistics.md, Refreshes); when they equal `votes_version` everything is from the same votes.",
    )
    systems = serializers.ListField(child=serializers.CharField())
    pairs = PairSerializer(many=True)
    ranking = serializers.DictField(allow_null=True, help_text="Bradley-Terry, Davidson and the win-share matrix.")
    agreement = serializers.DictField()
    rater_quality = serializers.DictField(allow_null=True)
    bias = serializers.DictField()
    multiple_comparisons = serializers.DictField()
    stopping = serializers.DictField(
        help_text="{rules, pairs_settled, pairs_open, votes_needed, quota_per_rater, raters_to_admit}: how far the "
        "study is from every pair settling."
    )
    judges = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Per judge group: agreement with the humans (per study and per category) "
        "and biases beside theirs (docs/judges.md).",
    )
    breakdown = serializers.DictField(
        required=False, help_text="With `by`: shares, intervals, verdicts and judge agreement per value."
    )


@dataclass(frozen=True)
class PairRow:
    """One pair of the results as the dashboard's table, chart and CSV read it."""

    first: str
    second: str
    counts: dict[str, Any]
    interval_method: str
    interval: dict[str, Any]
    n: int
    p_value: float
    p_value_holm: float
    verdict: str
    outcomes: dict[str, Any] | None = None  # win / tie / both-bad / loss


def pair_rows(data: dict[str, Any]) -> list[PairRow]:
    """The pairs of a results JSON (validated shape: `PairSerializer`)."""
    return [
        PairRow(
            first=p["systems"][0],
            second=p["systems"][1],
            counts=p["counts"],
            interval_method=p["interval_method"],
            interval=p["interval"],
            n=p["counts"]["n"],
            p_value=p["sign_test"]["p_value"],
            p_value_holm=p["p_value_holm"],
            verdict=p["verdict"],
            outcomes=p.get("outcomes"),
        )
        for p in data["pairs"]
    ]
