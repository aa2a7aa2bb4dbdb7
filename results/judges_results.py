"""The judge parts of a study's results, added beside what ``compute`` reports (pure).

``judges_results`` returns what ``attach_judges`` writes into the results: ``intervals.ppi`` of
each pair (when the pair has human and judge votes), and the ``judges`` section (agreement with
the humans per judge group, for the study and per category; biases beside the humans').
"""

from __future__ import annotations

from typing import Any

import numpy as np

from results.judge_bias import bias_report
from results.judge_ppi import ppi_pair
from results.judging import judge_agreement_section
from results.params import Params
from results.table import VoteTable


def judge_mask(votes: VoteTable, params: Params) -> np.ndarray:
    return votes.group_mask(params.headline_excludes)


def judges_results(
    votes: VoteTable,
    pairs: list[tuple[int, int]],
    params: Params,
    categories: dict[int, str] | None,
    family: tuple[str, ...] = (),
    section: bool = True,
) -> dict[str, Any]:
    """``votes``: every counted vote, judges included. Without ``section`` only the pairs' PPI
    intervals (closed form) are computed, and ``judges`` (agreement and biases, resampled) is None."""
    judge = judge_mask(votes, params)
    keys = votes.pair_keys()
    ppi = []
    for first, second in pairs:
        index, outcomes = votes.pair_votes(keys, first, second)
        ppi.append(ppi_pair(votes.prompt[index], outcomes, judge[index], params.level))
    if not section:
        return {"ppi": ppi, "judges": None}
    entries = judge_agreement_section(
        votes, params.headline_excludes, categories, params.n_resamples, params.level, params.seed
    )
    for entry in entries:
        this_judge = votes.group_mask([entry["judge_group"]])
        entry["bias"] = bias_report(votes, this_judge, ~judge, family, params.n_resamples, params.level, params.seed)
    return {"ppi": ppi, "judges": entries}


def attach_judges(data: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Write ``judges_results`` into the results dict (``compute_results``' pairs, in order)."""
    for report, ppi in zip(data["pairs"], extra["ppi"], strict=True):
        if ppi is not None:
            report["intervals"]["ppi"] = ppi
    data["judges"] = extra["judges"]
    return data
