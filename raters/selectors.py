"""Reads that feed the rater pages and the researcher API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from comparisons.models import Study
from raters import sql
from raters.models import Assignment, GoldPair, Rater, StudyRaterSettings, Vote
from raters.quality import RaterStats, Thresholds, VoteRow, rater_stats


def votes_that_count(*, include_excluded: bool = False) -> QuerySet[Vote]:
    """The one definition of "a vote that counts": not a gold vote and not on a comparison
    that is a gold pair or attention check now (whoever wrote the vote: rater form, import,
    judge or demo), of a rater not excluded (unless `include_excluded`). Judges' votes are
    among them (results show them apart, by group); see `votes_filling_slots`."""
    qs = Vote.objects.filter(is_gold=False, comparison__gold__isnull=True)
    return qs if include_excluded else qs.filter(rater__excluded=False)


def votes_filling_slots() -> QuerySet[Vote]:
    """Votes that fill one of a comparison's `votes_per_comparison` slots: the votes that
    count, minus judges' (Rater.JUDGE_GROUP). Imported and simulated human votes do fill
    slots. raters.sql.exact_fill is tested equal to this plus `leases_holding_slots`."""
    return votes_that_count().exclude(rater__group=Rater.JUDGE_GROUP)


def leases_holding_slots(now: datetime) -> QuerySet[Assignment]:
    """Leases that hold a slot: pending and still running, not gold, of a rater not excluded."""
    return Assignment.objects.filter(
        state=Assignment.State.PENDING, expires_at__gt=now, is_gold=False, rater__excluded=False
    )


@dataclass(frozen=True)
class Pair:
    """What a rater's page shows: texts only, no system and no database id; the `*_html`
    are the texts rendered ahead (raters.services.render_ahead) or None."""

    turns: list[dict]
    prompt: str
    left: str
    right: str | None  # None: a rating item (one response)
    prompt_html: str | None = None
    turns_html: list[str] | None = None
    left_html: str | None = None
    right_html: str | None = None


def pair_for(assignment: Assignment) -> Pair:
    texts = getattr(assignment, "texts", None)  # read with a new lease (raters.sql.lease_insert)
    prompt, turns, left, right, prompt_html, turns_html, left_html, right_html = texts or sql.pair_texts(
        assignment.comparison_id
    )
    if assignment.swapped and right is not None:
        left, right, left_html, right_html = right, left, right_html, left_html
    earlier = turns[:-1] if turns else []
    if turns_html is not None and len(turns_html) != len(earlier):
        turns_html = None
    return Pair(
        turns=earlier,
        prompt=prompt,
        left=left,
        right=right,
        prompt_html=prompt_html,
        turns_html=turns_html,
        left_html=left_html,
        right_html=right_html,
    )


def raters_of(study: Study) -> QuerySet[Rater]:
    return Rater.objects.filter(study=study).order_by("id")


def stats_by_rater(study: Study, settings: StudyRaterSettings) -> dict[int, RaterStats]:
    """Quality statistics of every rater of the study who has voted."""
    gold = dict(GoldPair.objects.filter(comparison__study=study).values_list("comparison_id", "kind"))
    expected = {
        c: (w, g)
        for c, w, g in GoldPair.objects.filter(comparison__study=study).values_list(
            "comparison_id", "expected_winner_id", "expected_grade"
        )
    }
    rows: dict[int, list[VoteRow]] = {}
    for rater_id, comparison_id, choice, seconds, winner_id, grade, turn_choices in Vote.objects.filter(
        rater__study=study
    ).values_list("rater_id", "comparison_id", "choice", "seconds", "winner_id", "grade", "turn_choices"):
        kind = gold.get(comparison_id)
        correct = None
        if kind:  # a gold item with a known grade is right on that grade, a gold pair on its winner
            want_winner, want_grade = expected[comparison_id]
            correct = grade == want_grade if want_grade is not None else winner_id == want_winner
            # per turn: right only when every turn is (the majority winner alone would pass a rater
            # who answers one turn of an attention check at random)
            correct = correct and (not turn_choices or len(set(turn_choices)) == 1)
        rows.setdefault(rater_id, []).append(VoteRow(choice, seconds, kind, correct))
    thresholds = Thresholds(settings.min_median_seconds, settings.min_gold_accuracy)
    return {rater_id: rater_stats(r, thresholds) for rater_id, r in rows.items()}
