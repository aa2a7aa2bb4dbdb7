"""LLM graders beside the humans on a rating or dialogue study: the ``judges`` entries of the
``ratings`` section. For each rater group left out of the headline (``Params.headline_excludes``,
the group "judge"), every (judge grade, human grade) pair on a unit both graded (a response, or
a dialogue's assistant turn): exact agreement, agreement within one grade step, Cohen's weighted
kappa (linear and quadratic) over those pairs, and the mean grade difference (judge minus human:
> 0 the judge is more lenient). Beside them the humans' own exact agreement over their pairs on
the same units, the reference LIMA reported (crowd-crowd beside crowd-GPT-4). Point estimates:
the pairs share items and raters, so no interval is claimed for them."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from comparisons import stats
from results.params import Params

if TYPE_CHECKING:
    from results.ratings import GradeUnits


def _pairs(judge: dict[int, list[int]], human: dict[int, list[tuple[int, int]]]) -> tuple[list[int], list[int]]:
    a: list[int] = []
    b: list[int] = []
    for item, grades in judge.items():
        for g in grades:
            for _rater, h in human.get(item, []):
                a.append(g)
                b.append(h)
    return a, b


def _human_agreement(human: dict[int, list[tuple[int, int]]], items: set[int]) -> tuple[float | None, int]:
    same = total = 0
    for item in items:
        for (r1, g1), (r2, g2) in combinations(human[item], 2):
            if r1 != r2:
                total += 1
                same += int(g1 == g2)
    return (same / total if total else None), total


def judge_entries(units: GradeUnits, n_levels: int, params: Params) -> list[dict[str, Any]]:
    """One entry per judge group with votes on units the humans graded too (empty otherwise)."""
    groups = units.group.astype(str) if units.group.size else np.zeros(0, dtype=str)
    is_judge = np.isin(groups, list(params.headline_excludes))
    human: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for item, rater, grade in zip(units.item[~is_judge], units.rater[~is_judge], units.grade[~is_judge], strict=True):
        human[int(item)].append((int(rater), int(grade)))
    out = []
    for group in sorted(set(groups[is_judge].tolist())):
        mine = groups == group
        judged: dict[int, list[int]] = defaultdict(list)
        for item, grade in zip(units.item[mine], units.grade[mine], strict=True):
            if int(item) in human:
                judged[int(item)].append(int(grade))
        a, b = _pairs(judged, human)
        x, y = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        humans, human_pairs = _human_agreement(human, set(judged))
        out.append(
            {
                "group": group,
                "n_units": len(judged),
                "n_pairs": int(x.size),
                "exact_agreement": float((x == y).mean()) if x.size else None,
                "within_one": float((np.abs(x - y) <= 1).mean()) if x.size else None,
                "weighted_kappa_linear": stats.weighted_kappa(x, y, n_levels, "linear").value,
                "weighted_kappa_quadratic": stats.weighted_kappa(x, y, n_levels, "quadratic").value,
                "mean_difference": float((x - y).mean()) if x.size else None,
                "humans_exact_agreement": humans,
                "humans_n_pairs": human_pairs,
            }
        )
    return out
