"""The budget planner: for a target half-width of a pair's PPI++ interval, the cheapest mix of human
votes and judge calls (stats.ppi_planning), from the judge-human correlation of the votes so far.

The price of a human vote comes from the researcher; the price of a judge call is the mean cost of
the study's answered judge calls unless the researcher gives one (imported judge votes cost nothing
we know of)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.db.models import Avg

from comparisons.models import Study
from comparisons.services.queue import study_pairs
from comparisons.stats.ppi_planning import plan_budget
from judges.models import JudgeCall
from results.compute import Params
from results.judge_ppi import pilot_estimates
from results.judges_results import judge_mask
from results.selectors import vote_table


def judge_price_per_call(study: Study) -> float | None:
    """Mean cost of the study's answered judge calls, None when there are none."""
    mean = JudgeCall.objects.filter(judge__study=study, state=JudgeCall.State.DONE).aggregate(m=Avg("cost"))["m"]
    return None if mean is None else float(Decimal(mean))


def budget_plan(
    *,
    study: Study,
    half_width: float,
    price_per_human_vote: float,
    price_per_judge_call: float | None,
    level: float = 0.95,
    share: str = "win_rate",
) -> dict[str, Any]:
    """Per pair: the pilot estimates (sd of the humans' per-prompt share, judge-human correlation,
    votes and calls per prompt) and the cheapest plan; ``plan`` is None (with ``reason``) where
    the votes so far cannot estimate them."""
    price_judge = judge_price_per_call(study) if price_per_judge_call is None else price_per_judge_call
    table, _raters = vote_table(study)
    judge = judge_mask(table, Params())
    keys = table.pair_keys()
    pairs = []
    for first, second in study_pairs(study):
        index, outcomes = table.pair_votes(keys, first, second)
        pilot = pilot_estimates(table.prompt[index], outcomes, judge[index], share)
        entry: dict[str, Any] = {
            "systems": [table.systems.get(first), table.systems.get(second)],
            "pilot": pilot,
            "plan": None,
            "reason": None,
        }
        if pilot is None:
            entry["reason"] = "needs human and judge votes on at least three prompts, varying on both sides"
        elif price_judge is None:
            entry["reason"] = "no judge call has a known cost: give price_per_judge_call"
        else:
            plan = plan_budget(
                pilot["sigma"],
                pilot["rho"],
                half_width,
                price_per_human_vote,
                price_judge,
                votes_per_prompt=max(1, math.ceil(pilot["human_votes_per_prompt"] - 1e-9)),
                calls_per_prompt=max(1, round(pilot["judge_calls_per_prompt"])),
                level=level,
            )
            entry["plan"] = plan.as_dict()
        pairs.append(entry)
    return {
        "half_width": half_width,
        "level": level,
        "share": share,
        "price_per_human_vote": price_per_human_vote,
        "price_per_judge_call": price_judge,
        "pairs": pairs,
    }
