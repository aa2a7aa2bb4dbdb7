"""Shares, intervals, verdicts and judge agreement per category (or per value of a metadata key) (pure).

The votes of each value's prompts are analysed on their own: per pair the counts, the
prompt-clustered bootstrap and Wilson intervals, PPI++ when there are human and judge votes, the
sign test with Holm's adjustment over the pairs of that value, and the verdict; then the judges'
agreement with the humans (``judging``). Prompts without a value are grouped under "(none)".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from comparisons import stats
from results.judge_ppi import ppi_pair
from results.judges_results import judge_mask
from results.judging import NO_CATEGORY, judge_agreement_section
from results.params import Params
from results.table import VoteTable


def breakdown(
    votes: VoteTable, pairs: list[tuple[int, int]], params: Params, labels: dict[int, str], by: str
) -> dict[str, Any]:
    """``votes``: every counted vote (judges too); ``labels``: prompt id -> value."""
    values = np.array([labels.get(int(p), "") or NO_CATEGORY for p in votes.prompt.tolist()], dtype=object)
    groups = [_one(votes.select(values == value), pairs, params, str(value)) for value in sorted(set(values.tolist()))]
    return {"by": by, "groups": groups}


def _one(votes: VoteTable, pairs: list[tuple[int, int]], params: Params, value: str) -> dict[str, Any]:
    judge = judge_mask(votes, params)
    keys = votes.pair_keys()
    reports: list[dict[str, Any]] = []
    samples: list[tuple[np.ndarray | list[Any], np.ndarray | list[int]]] = []
    for first, second in pairs:
        index, outcomes = votes.pair_votes(keys, first, second)
        human = ~judge[index]
        h_index, h_outcomes = index[human], outcomes[human]
        _units, unit_outcomes = stats.aggregate_votes(votes.comparison[h_index], h_outcomes, params.aggregate)
        if params.aggregate == "vote":
            unit_prompts = votes.prompt[h_index]
        else:
            _, first_vote = np.unique(votes.comparison[h_index], return_index=True)
            unit_prompts = votes.prompt[h_index][first_vote]
        samples.append((unit_prompts, unit_outcomes))
        counts = stats.count_outcomes(unit_outcomes)
        reports.append(
            {
                "systems": [votes.systems[first], votes.systems[second]],
                "counts": counts.as_dict(),
                "intervals": {
                    "wilson": stats.share_intervals(
                        counts.wins, counts.ties, counts.losses, params.level, "wilson"
                    ).as_dict(),
                },
                "sign_test": stats.sign_test(counts.wins, counts.losses).as_dict(),
                "ppi": ppi_pair(votes.prompt[index], outcomes, judge[index], params.level),
            }
        )
    boots = stats.clustered_bootstraps(samples, params.n_resamples, params.level, params.seed) if samples else []
    adjusted = stats.holm([r["sign_test"]["p_value"] for r in reports], params.alpha) if reports else None
    for i, (report, boot) in enumerate(zip(reports, boots, strict=True)):
        report["intervals"]["bootstrap"] = boot.as_dict()
        report["interval"] = report["intervals"]["bootstrap"]
        report["interval_method"] = "bootstrap"
        if report["ppi"] is not None:
            report["intervals"]["ppi"] = report["ppi"]
        del report["ppi"]
        report["prompts"] = boot.n_prompts
        report["p_value_holm"] = adjusted.adjusted[i] if adjusted else None
        report["significant"] = bool(adjusted.reject[i]) if adjusted else False
        report["verdict"] = stats.verdict(
            report["systems"][0],
            report["systems"][1],
            report["sign_test"]["effect"],
            report["p_value_holm"],
            params.alpha,
        )
    judges = judge_agreement_section(
        votes, params.headline_excludes, None, params.n_resamples, params.level, params.seed
    )
    return {
        "value": value,
        "n_votes": len(votes),
        # votes, not turns: a per-turn vote's entries after its first (turn 0) are not counted again
        "headline_votes": int((~judge).sum())
        if votes.turn is None
        else int(np.count_nonzero(~judge & (votes.turn == 0))),
        "pairs": reports,
        "judges": judges,
    }
