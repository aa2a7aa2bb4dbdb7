"""Turning raw votes into analysis units: one per vote (default) or one per comparison."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import as_outcomes, factorize

AGGREGATIONS = ("vote", "majority")


def aggregate_votes(
    unit_ids: np.ndarray | list[Any], outcomes: np.ndarray | list[int], how: str = "vote"
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(unit_ids, outcomes)`` for the chosen unit of analysis.

    ``how="vote"`` (default): every vote counts, inputs are returned unchanged (as arrays).
    ``how="majority"``: one outcome per ``unit_id`` (a comparison, or a prompt): the
    outcome with the most votes when it is the unique maximum, otherwise a tie ("split =
    tie": 1 win + 1 loss -> 0; 2 wins + 2 ties -> 0; 2 wins + 1 tie -> +1). With three
    raters and three classes this is the usual plurality label (as PandaLM's majority).
    Units come back sorted by id.
    """
    ids = np.asarray(unit_ids)
    out = as_outcomes(outcomes)
    if ids.shape != out.shape:
        raise ValueError("unit_ids and outcomes must have the same length")
    if how == "vote":
        return ids, out
    if how != "majority":
        raise ValueError(f"how must be one of {AGGREGATIONS}")
    if out.size == 0:
        return ids[:0], out
    uniq, inv = factorize(ids)
    tally = np.zeros((uniq.size, 3), dtype=np.int64)  # columns: loss, tie, win
    np.add.at(tally, (inv, out + 1), 1)
    top = tally.max(axis=1)
    unique_top = (tally == top[:, None]).sum(axis=1) == 1
    label = np.where(unique_top, tally.argmax(axis=1) - 1, 0)
    return uniq, label.astype(np.int64)
