"""Per-rater quality statistics and flags: pure Python, no Django (tested without a database).

A rater's votes come in as plain `VoteRow`s; out comes a frozen `RaterStats` with gold
accuracy, counts, median seconds, the share of ties and of left choices, and flags:
- too_fast: median seconds per vote below the study's threshold (3 votes or more);
- one_side: 90% or more of the votes for the same side (5 votes or more);
- all_ties: 90% or more ties (5 votes or more; "both are bad" counts as a tie here: either way
  the rater never picks a side);
- failed_checks: gold accuracy below the study's threshold, or any attention check failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

MIN_VOTES_FOR_SPEED = 3
MIN_VOTES_FOR_SIDES = 5
ONE_SIDE_SHARE = 0.9


@dataclass(frozen=True)
class VoteRow:
    choice: str  # "left", "right", "tie" or "both_bad", as shown; "grade" or "turns" in a rating study
    seconds: float
    gold_kind: str | None = None  # None, "gold" or "attention"
    correct: bool | None = None  # for gold and attention votes


@dataclass(frozen=True)
class Thresholds:
    min_median_seconds: float = 5.0
    min_gold_accuracy: float = 0.5


@dataclass(frozen=True)
class RaterStats:
    votes: int
    gold_votes: int
    gold_correct: int
    gold_accuracy: float | None
    median_seconds: float | None
    tie_share: float | None
    left_share: float | None
    flags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class RaterTotals:
    """What a rater's statistics need, counted once (from VoteRows, or by the results' refresh
    from columns: results.digest): votes per choice, the median seconds, gold checks."""

    left: int
    right: int
    tie: int
    median_seconds: float | None
    gold_votes: int = 0
    gold_correct: int = 0
    attention_failed: bool = False
    graded: int = 0  # rating and per-turn votes: no one side (the side and tie flags look at pairwise votes only)


def rater_totals(rows: list[VoteRow]) -> RaterTotals:
    checks = [r for r in rows if r.gold_kind]
    return RaterTotals(
        left=sum(1 for r in rows if r.choice == "left"),
        right=sum(1 for r in rows if r.choice == "right"),
        # a side is picked or not: "both are bad" is folded into a tie (three outcomes)
        tie=sum(1 for r in rows if r.choice in ("tie", "both_bad")),
        median_seconds=median(r.seconds for r in rows) if rows else None,
        gold_votes=len(checks),
        gold_correct=sum(1 for r in checks if r.correct),
        attention_failed=any(r.gold_kind == "attention" and not r.correct for r in checks),
        graded=sum(1 for r in rows if r.choice in ("grade", "turns", "per_turn")),
    )


def rater_stats(rows: list[VoteRow], thresholds: Thresholds = Thresholds()) -> RaterStats:
    return stats_from_totals(rater_totals(rows), thresholds)


def stats_from_totals(t: RaterTotals, thresholds: Thresholds = Thresholds()) -> RaterStats:
    n = t.left + t.right + t.tie
    votes = n + t.graded
    accuracy = t.gold_correct / t.gold_votes if t.gold_votes else None
    med = t.median_seconds
    share = {"left": t.left / n, "right": t.right / n, "tie": t.tie / n} if n else {}
    flags = []
    if med is not None and votes >= MIN_VOTES_FOR_SPEED and med < thresholds.min_median_seconds:
        flags.append("too_fast")
    if n >= MIN_VOTES_FOR_SIDES and max(share["left"], share["right"]) >= ONE_SIDE_SHARE:
        flags.append("one_side")
    if n >= MIN_VOTES_FOR_SIDES and share["tie"] >= ONE_SIDE_SHARE:
        flags.append("all_ties")
    if t.attention_failed or (accuracy is not None and accuracy < thresholds.min_gold_accuracy):
        flags.append("failed_checks")
    return RaterStats(
        votes=votes,
        gold_votes=t.gold_votes,
        gold_correct=t.gold_correct,
        gold_accuracy=accuracy,
        median_seconds=med,
        tie_share=share.get("tie"),
        left_share=share.get("left"),
        flags=tuple(flags),
    )
