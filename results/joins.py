"""numpy joins of a study's columns by id: each vote's comparison, rater and shown responses
found among the study's (`lookup`, `links`), and the columns put in id order. No Django."""

from __future__ import annotations

import numpy as np


def lookup(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `ids` in the sorted, distinct `keys`, and whether each was found (an id not
    found gets ``min(searchsorted(keys, id), len(keys) - 1)``).

    Many ids among keys of a moderate span (a study's comparison, response or vote ids) are
    looked up in a table indexed by id: a binary search per id in random order costs a cache
    miss per step, 230-255 ms for 1M votes' comparisons among 333,335 against 10-11 ms here
    (votes arrive in any comparison's order; the bench's were written in comparison order, where
    the search costs 25 ms)."""
    if not keys.size:
        return np.zeros(ids.size, dtype=np.int64), np.zeros(ids.size, dtype=bool)
    low, high = int(keys[0]), int(keys[-1])
    if ids.size < LOOKUP_TABLE_MIN_IDS or high - low >= 4 * keys.size + 1_000_000:
        pos = np.minimum(np.searchsorted(keys, ids), keys.size - 1)
        return pos, keys[pos] == ids
    table = np.full(high - low + 1, -1, dtype=np.int64)
    table[keys - low] = np.arange(keys.size)
    inside = (ids >= low) & (ids <= high)
    pos = table[np.where(inside, ids - low, 0)]
    found = inside & (pos >= 0)
    if not found.all():  # as the search places them
        missing = ~found
        pos[missing] = np.minimum(np.searchsorted(keys, ids[missing]), keys.size - 1)
    return pos, found


LOOKUP_TABLE_MIN_IDS = 1024  # fewer ids: a binary search each


def links(
    votes: dict[str, np.ndarray],
    comparisons: dict[str, np.ndarray],
    responses: dict[str, np.ndarray],
    raters: list[tuple[int, str, str, bool]],
) -> dict[str, np.ndarray]:
    """Per vote: the position of its comparison in ``comparisons`` (id-ordered) and whether it is
    there, the position of its rater among the sorted ids of ``raters``, and what the vote table
    reads through its comparison and shown responses (the comparison's prompt and gold mark, the
    responses' systems and lengths), gathered once: votes come in any comparison's order, so each
    gather reads memory at random, and kept columns append these for their new votes only (a
    vote not found reads the entry its position clamps to)."""
    comparison_at, comparison_found = lookup(comparisons["id"], votes["comparison"])
    left_at, _ = lookup(responses["id"], votes["left"])
    right_at, _ = lookup(responses["id"], votes["right"])
    rater_ids = np.array(sorted(r[0] for r in raters), dtype=np.int64)
    return {
        "comparison_at": comparison_at,
        "comparison_found": comparison_found,
        "rater_at": lookup(rater_ids, votes["rater"])[0],
        "prompt": _gathered(comparisons["prompt"], comparison_at),
        "comparison_gold": _gathered(comparisons["gold"], comparison_at),
        "left_system": _gathered(responses["system"], left_at),
        "right_system": _gathered(responses["system"], right_at),
        "left_length": _gathered(responses["length"], left_at),
        "right_length": _gathered(responses["length"], right_at),
    }


# what the vote table takes from `links` for each counted vote
TABLE_LINKS = ("prompt", "left_system", "right_system", "left_length", "right_length")


def _gathered(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    return values[at] if values.size else np.zeros(at.size, dtype=values.dtype)


def comparison_systems(
    comparisons: dict[str, np.ndarray], responses: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Per comparison, its two systems' ids, lower first (a rating item's one system twice)."""
    left_at, _ = lookup(responses["id"], comparisons["left"])
    right_at, has_right = lookup(responses["id"], comparisons["right"])
    a = responses["system"][left_at]
    b = np.where(has_right, responses["system"][right_at], a)  # a rating item: one response
    return np.minimum(a, b), np.maximum(a, b)


def by_id(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.argsort(columns["id"], kind="stable")  # mostly in order already: a merge sort's best case
    return {k: col[order] for k, col in columns.items()}


def by_turn(turns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.lexsort((turns["turn"], turns["vote"]))
    return {k: col[order] for k, col in turns.items()}
