"""The judge parts of a study's results, added beside what ``compute`` reports (pure).

``judges_results`` returns what ``attach_judges`` writes into the results: ``intervals.ppi`` of
each pair (when the pair has human and judge votes), and the ``judges`` section (agreement with
the humans per judge group, for the study and per category; biases beside the humans').
"""

from __future__ import annotations

from typing import Any

import numpy as np

from results.compute import Params
from results.judge_bias import bias_report
from results.judge_ppi import ppi_pair
from results.judging import judge_agreement_section
from results.table import VoteTable


def judge_mask(votes: VoteTable, params: Params) -> np.ndarray:
    return np.isin(votes.group.astype(str), list(params.headline_excludes)) if len(votes) else np.zeros(0, dtype=bool)


def judges_results(
    votes: VoteTable,
    pairs: list[tuple[int, int]],
    params: Params,
    categories: dict[int, str] | None,
    family: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``votes``: every counted vote, judges included."""
    judge = judge_mask(votes, params)
    keys = votes.pair_keys()
    ppi = []
    for first, second in pairs:
        index, outcomes = votes.pair_votes(keys, first, second)
        ppi.append(ppi_pair(votes.prompt[index], outcomes, judge[index], params.level))
    section = judge_agreement_section(
        votes, params.headline_excludes, categories, params.n_resamples, params.level, params.seed
    )
    names = votes.group.astype(str) if len(votes) else np.zeros(0, dtype=str)
    for entry in section:
        this_judge = names == entry["judge_group"]
        entry["bias"] = bias_report(votes, this_judge, ~judge, family, params.n_resamples, params.level, params.seed)
    return {"ppi": ppi, "judges": section}


def attach_judges(data: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Write ``judges_results`` into the results dict (``compute_results``' pairs, in order)."""
    for report, ppi in zip(data["pairs"], extra["ppi"], strict=True):
        if ppi is not None:
            report["intervals"]["ppi"] = ppi
    data["judges"] = extra["judges"]
    return data
