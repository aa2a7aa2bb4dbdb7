"""A rating (or dialogue) study's results: per system (and per category) each grade's share
with an interval from a bootstrap clustered by prompt (by conversation for dialogues), the mean
score, paired tests between systems on the same prompts (Holm across pairs), agreement
(weighted Cohen's kappa per rater pair, Krippendorff's ordinal alpha), rater severity and the
votes still needed for a target precision. The statistics are comparisons.stats' (grades,
grade_tests, grade_agreement); this module reads the votes that count and shapes the JSON.

The votes are read by the same selector as the pairwise results (results.selectors.counted_votes:
gold items, excluded raters and the simulated rule apply alike), only the rating votes of it.
The unit of the shares is the graded response, or for a dialogue each assistant turn: a
dialogue vote with k turn grades is k units, all in the cluster of its conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from comparisons import stats
from comparisons.models import Study
from comparisons.services.queue import study_system_ids
from results.params import Params
from results.ratings_judges import judge_entries
from results.selectors import GRADED_CHOICES, VoteFilter, counted_votes


@dataclass(frozen=True)
class GradeUnits:
    """One entry per graded unit (a response, or a dialogue's assistant turn)."""

    cluster: np.ndarray  # prompt id: the conversation for a dialogue
    system: np.ndarray  # index into `systems`
    rater: np.ndarray  # rater id
    item: np.ndarray  # the graded unit: comparison id * 1000 + turn
    vote: np.ndarray  # the vote's id
    grade: np.ndarray  # 0 .. len(scale) - 1
    group: np.ndarray  # rater group (object)
    category: np.ndarray  # prompt category (object)
    systems: list[str]
    raters: dict[int, str]  # rater id: external id
    n_votes: int


def grade_units(study: Study, filters: VoteFilter) -> GradeUnits:
    ids = study_system_ids(study)
    names = dict(study.systems.values_list("id", "name"))
    index = {system_id: i for i, system_id in enumerate(ids)}
    rows = list(
        counted_votes(study, filters)
        .filter(choice__in=GRADED_CHOICES)
        .order_by("id")
        .values_list(
            "id",
            "comparison_id",
            "comparison__prompt_id",
            "comparison__prompt__category",
            "shown_left__system_id",
            "rater_id",
            "rater__external_id",
            "rater__group",
            "grade",
            "turn_grades",
        )
    )
    cols: dict[str, list[Any]] = {
        k: [] for k in ("cluster", "system", "rater", "item", "vote", "grade", "group", "category")
    }
    raters: dict[int, str] = {}
    for vote, comparison, prompt, category, system, rater, external, group, grade, turns in rows:
        raters[rater] = external
        for turn, g in enumerate([grade] if turns is None else turns):
            for key, value in (
                ("cluster", prompt),
                ("system", index[system]),
                ("rater", rater),
                ("item", comparison * 1000 + turn),
                ("vote", vote),
                ("grade", g),
                ("group", group),
                ("category", category or ""),
            ):
                cols[key].append(value)
    ints = {k: np.asarray(cols[k], dtype=np.int64) for k in ("cluster", "system", "rater", "item", "vote", "grade")}
    return GradeUnits(
        **ints,
        group=np.asarray(cols["group"], dtype=object),
        category=np.asarray(cols["category"], dtype=object),
        systems=[names[i] for i in ids],
        raters=raters,
        n_votes=len(rows),
    )


def _systems(units: GradeUnits, keep: np.ndarray, scale: list[str], params: Params, unit: str) -> list[dict[str, Any]]:
    found = stats.grade_shares(
        units.cluster[keep],
        units.system[keep],
        units.grade[keep],
        len(scale),
        n_systems=len(units.systems),
        level=params.level,
        n_resamples=params.n_resamples,
        seed=params.seed,
        unit=unit,
    )
    out = []
    for name, s in zip(units.systems, found, strict=True):
        plan = stats.grade_votes_needed(s, params.half_width)
        out.append(
            {
                "system": name,
                "n_units": s.n_votes,
                f"n_{unit}s": s.n_clusters,
                "counts": dict(zip(scale, s.counts, strict=True)),
                "shares": {label: i.as_dict() for label, i in zip(scale, s.shares, strict=True)},
                "mean_score": s.mean_score.as_dict(),
                "small_sample": s.small_sample,
                "votes_needed": {
                    "half_width": plan.half_width,
                    "needed": plan.votes_needed,
                    "still_needed": plan.votes_still_needed,
                    "method": plan.method,
                },
            }
        )
    return out


def rating_results(units: GradeUnits, scale: list[str], params: Params, *, dialogue: bool) -> dict[str, Any]:
    """The `ratings` section of the results JSON."""
    unit = "conversation" if dialogue else "prompt"
    headline = ~np.isin(units.group, list(params.headline_excludes)) if units.group.size else np.zeros(0, bool)
    tests = stats.paired_grade_tests(
        units.cluster[headline],
        units.system[headline],
        units.grade[headline],
        len(scale),
        alpha=params.alpha,
        unit=unit,
    )
    kappas = stats.rater_pair_kappas(units.item[headline], units.rater[headline], units.grade[headline], len(scale))
    alpha = stats.krippendorff_alpha_grades(
        units.item[headline], units.rater[headline], units.grade[headline], len(scale)
    )
    severity = stats.rater_severity(
        units.item[headline], units.rater[headline], units.grade[headline], len(scale), params.level
    )
    categories = sorted({c for c in units.category[headline].tolist() if c})
    groups = sorted(set(units.group.tolist()))
    return {
        "scale": scale,
        "unit": "turn" if dialogue else "response",
        "cluster": unit,
        "n_units": int(headline.sum()),
        "headline_votes": len(set(units.vote[headline].tolist())),
        "systems": _systems(units, headline, scale, params, unit),
        "by_category": [
            {"category": c, "systems": _systems(units, headline & (units.category == c), scale, params, unit)}
            for c in categories
        ],
        "by_group": {g: _systems(units, units.group == g, scale, params, unit) for g in groups},
        "judges": judge_entries(units, len(scale), params),
        "tests": [
            {
                "systems": [units.systems[t.system_a], units.systems[t.system_b]],
                f"n_{unit}s": t.n_clusters,
                "mean_difference": t.mean_difference,
                "statistic": t.statistic,
                "p_value": t.p_value,
                "p_holm": t.p_holm,
                "reject": t.reject,
                "method": t.method,
            }
            for t in tests
        ],
        "agreement": {
            "krippendorff_alpha_ordinal": alpha.as_dict(),
            "cohens_kappa_rater_pairs": [
                {
                    "raters": [
                        units.raters.get(k.rater_a, str(k.rater_a)),
                        units.raters.get(k.rater_b, str(k.rater_b)),
                    ],
                    "n_items": k.n_items,
                    "kappa": k.kappa,
                    "weights": k.weights,
                }
                for k in kappas
            ],
        },
        "rater_severity": [
            {"rater": units.raters.get(r.rater, str(r.rater)), "n_items": r.n_items, "severity": r.severity.as_dict()}
            for r in severity
        ],
    }
