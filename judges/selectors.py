"""Reads of the judges app: a study's judges, and a judge's progress, tokens and cost."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from comparisons.models import Comparison, Study
from judges.endpoints import lost_after
from judges.models import Judge, JudgeCall
from raters.models import Vote


def judges_of(study: Study) -> QuerySet[Judge]:
    return Judge.objects.filter(study=study).select_related("study", "rater")


def judge_status(judge: Judge) -> dict:
    """Calls by state (in flight, lost, failed and retryable), verdicts, votes written,
    order disagreements (both-orders judges), tokens, requests and cost."""
    calls = JudgeCall.objects.filter(judge=judge)
    by_state = {state: 0 for state in JudgeCall.State.values} | dict(
        calls.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    totals = calls.aggregate(
        prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"), cost=Sum("cost"), attempts=Sum("attempts")
    )
    verdicts = {v: 0 for v in JudgeCall.Verdict.values} | dict(
        calls.filter(state=JudgeCall.State.DONE)
        .values_list("verdict")
        .annotate(n=Count("id"))
        .values_list("verdict", "n")
    )
    errors = list(calls.filter(state=JudgeCall.State.FAILED).values("error").annotate(n=Count("id")).order_by("-n")[:5])
    return {
        "comparisons": Comparison.objects.filter(study_id=judge.study_id, gold__isnull=True).count(),
        "calls": sum(by_state.values()),
        "by_state": by_state,
        "in_flight": by_state[JudgeCall.State.RUNNING],
        "lost": calls.filter(state=JudgeCall.State.RUNNING, claimed_at__lt=timezone.now() - lost_after(judge)).count(),
        "failed_retryable": calls.filter(state=JudgeCall.State.FAILED, retryable=True).count(),
        "unparseable": by_state[JudgeCall.State.UNPARSEABLE],
        "verdicts": verdicts,
        "grades": grade_counts(judge, calls),
        "votes": Vote.objects.filter(rater_id=judge.rater_id).count(),
        "order_disagreements": order_disagreements(judge),
        "requests": totals["attempts"] or 0,
        "tokens": {"prompt": totals["prompt"] or 0, "completion": totals["completion"] or 0},
        "cost": str((totals["cost"] or Decimal(0)).quantize(Decimal("0.000001"))),
        "errors": [{"error": e["error"], "calls": e["n"]} for e in errors],
    }


def order_disagreements(judge: Judge) -> int:
    """Comparisons where the judge's two orders, both answered, named different winners."""
    if judge.order_policy != Judge.OrderPolicy.BOTH:
        return 0
    winners: dict[int, set] = {}
    rows = JudgeCall.objects.filter(judge=judge, state=JudgeCall.State.DONE).values_list(
        "comparison_id",
        "order",
        "verdict",
        "comparison__left_response__system_id",
        "comparison__right_response__system_id",
    )
    counts: dict[int, int] = {}
    for comparison, order, verdict, left, right in rows.iterator():
        a, b = (left, right) if order == JudgeCall.Order.AB else (right, left)
        winners.setdefault(comparison, set()).add({"A": a, "B": b}.get(verdict))
        counts[comparison] = counts.get(comparison, 0) + 1
    return sum(1 for c, w in winners.items() if counts[c] == 2 and len(w) == 2)


def grade_counts(judge: Judge, calls: QuerySet[JudgeCall]) -> dict[str, int]:
    """A grader's answered grades per label of the scale (a dialogue's turns each count); empty
    for a pairwise judge."""
    scale = list(judge.study.scale) if judge.study.is_rating else []
    counts = dict.fromkeys(scale, 0)
    for grades in calls.filter(state=JudgeCall.State.DONE, grades__isnull=False).values_list("grades", flat=True):
        for g in grades or []:
            counts[scale[g]] += 1
    return counts
