"""What the dashboard shows beside the results, counted with each default refresh from the
columns the results were read from (results.study_columns.StudyColumns), so a page view reads it
instead of scanning votes: per pair, the comparisons (gold pairs aside) and the votes filling
their slots (raters.selectors.votes_filling_slots); gold votes and how many were right; the
simulated votes; per rater the totals of raters.quality (votes per choice, median seconds,
gold checks); and the study's counts (comparisons.selectors.study_counts). A rating study's
items have one response (its pair key is "a:a"), and `systems` gives per system the items, the
votes filling their slots and the items full. Stored as the
study's ResultSnapshot under results.services.DIGEST_KEY with the votes version it was counted at."""

from __future__ import annotations

from typing import Any

import numpy as np

from comparisons.models import Study
from comparisons.selectors import study_counts
from comparisons.stats._base import factorize
from raters.models import GoldPair, Rater
from results.joins import lookup
from results.study_columns import StudyColumns

CHOICES = ("left", "right", "tie")


def study_digest(
    study: Study, cols: StudyColumns, version: str, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The digest; ``previous``: the digest stored before, whose study counts (prompts,
    responses, comparisons) are kept when the version says no build and no gold pair changed
    since (results.selectors.votes_version's last parts)."""
    votes, comparisons = cols.votes, cols.comparisons
    low, high = cols.systems_of_comparisons()
    gold_comparison = comparisons["gold"]
    # the systems' sorted ids, and each comparison's pair as (lower, higher) positions among them
    systems, positions = factorize(np.concatenate([low, high])) if low.size else (np.zeros(0, dtype=np.int64),) * 2
    pair_key = positions[: low.size] * max(systems.size, 1) + positions[low.size :]
    present = np.flatnonzero(np.bincount(pair_key, minlength=1)) if pair_key.size else np.zeros(0, dtype=np.int64)
    pair_codes = np.stack([systems[present // max(systems.size, 1)], systems[present % max(systems.size, 1)]], axis=1)
    pair_of_comparison = np.searchsorted(present, pair_key)
    at, found = cols.links["comparison_at"], cols.links["comparison_found"]
    excluded = {r[0] for r in cols.raters if r[3]}
    judges = {r[0] for r in cols.raters if r[2] == Rater.JUDGE_GROUP}
    not_counting = np.array(sorted(excluded | judges), dtype=np.int64)
    by_not_counting = np.isin(cols.rater_ids(), not_counting)[cols.rater_at()]
    filling = found & ~votes["gold"] & ~cols.links["comparison_gold"] & ~by_not_counting
    n_pairs = pair_codes.shape[0]
    comparisons_per_pair = np.bincount(pair_of_comparison[~gold_comparison], minlength=n_pairs)
    votes_per_pair = np.bincount(pair_of_comparison[at[filling]], minlength=n_pairs)
    pairs = {
        f"{a}:{b}": [int(c), int(v)]
        for (a, b), c, v in zip(
            pair_codes.tolist(), comparisons_per_pair.tolist(), votes_per_pair.tolist(), strict=True
        )
        if c
    }
    known = GoldPair.objects.filter(comparison__study=study).values_list(
        "comparison_id", "expected_winner_id", "expected_grade", "kind"
    )
    expected, grades, kinds = {}, {}, {}
    for comparison_id, winner, grade, kind in known:
        expected[comparison_id], grades[comparison_id], kinds[comparison_id] = winner, grade, kind
    gold_ids = np.array(sorted(expected), dtype=np.int64)
    gold_at, on_gold = lookup(gold_ids, votes["comparison"])
    expected_winner = np.array([expected[c] or 0 for c in gold_ids.tolist()], dtype=np.int64)
    attention = np.array([kinds[c] == GoldPair.Kind.ATTENTION for c in gold_ids.tolist()], dtype=bool)
    expected_grade = np.array([-1 if grades[c] is None else grades[c] for c in gold_ids.tolist()], dtype=np.int64)
    want_grade = expected_grade[gold_at] if gold_ids.size else np.full(votes["rater"].size, -1)
    by_winner = votes["winner"] == (expected_winner[gold_at] if gold_ids.size else 0)
    correct = on_gold & np.where(want_grade >= 0, votes["grade"] == want_grade, by_winner) & ~_split(votes, cols.turns)
    progress_gold = on_gold & votes["gold"]
    return {
        "votes_version": version,
        "pairs": pairs,
        "systems": _graded(study, comparisons, low, filling, at) if study.is_rating else {},
        "gold_votes": int(progress_gold.sum()),
        "gold_correct": int((progress_gold & correct).sum()),
        "simulated_votes": int(votes["simulated"].sum()),
        "raters": _raters(
            cols.rater_ids(),
            cols.rater_at(),
            votes,
            on_gold,
            correct,
            on_gold & attention[gold_at] if gold_ids.size else on_gold,
            cols.medians,
        ),
        "counts": _counts(study, version, previous),
    }


def outputs_unchanged(version: str, previous: dict[str, Any] | None) -> bool:
    """Whether the digest ``previous`` was counted with the same outputs, comparisons and gold
    pairs as ``version`` says the study has now (results.selectors.votes_version's last parts:
    gold pairs and the last build, which follows every upload)."""
    return bool(previous) and str((previous or {}).get("votes_version", "")).split(":")[5:] == version.split(":")[5:]


def _counts(study: Study, version: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    if previous and "counts" in previous and outputs_unchanged(version, previous):
        counts: dict[str, Any] = previous["counts"]
        return counts
    return study_counts(study)


def _graded(
    study: Study, comparisons: dict[str, np.ndarray], system: np.ndarray, filling: np.ndarray, at: np.ndarray
) -> dict[str, list[int]]:
    """A rating study's progress per system id (as a string): [items, votes filling their
    slots, items full], gold items aside."""
    counting = ~comparisons["gold"]
    per_item = np.bincount(at[filling], minlength=system.size)
    full = counting & (per_item >= study.votes_per_comparison)
    out = {}
    for s in np.unique(system[counting]).tolist():
        mine = counting & (system == s)
        out[str(s)] = [int(mine.sum()), int(per_item[mine].sum()), int((full & mine).sum())]
    return out


def _split(votes: dict[str, np.ndarray], turns: dict[str, np.ndarray] | None) -> np.ndarray:
    """Per vote: a per-turn vote whose turns were not all answered alike. On a gold pair or an
    attention check such a vote is wrong whatever its majority (raters.selectors.stats_by_rater)."""
    split = np.zeros(votes["id"].size, dtype=bool)
    if turns is None or not turns["vote"].size:
        return split
    starts = np.flatnonzero(np.r_[True, turns["vote"][1:] != turns["vote"][:-1]])
    varied = np.minimum.reduceat(turns["code"], starts) != np.maximum.reduceat(turns["code"], starts)
    at, found = lookup(votes["id"], turns["vote"][starts])
    split[at[found & varied]] = True
    return split


def _median(values: np.ndarray) -> float:
    """np.median of a float array (0.0 when empty), equal to the bit, without its machinery
    (about a third of the time for a rater's few thousand values): the middle values put in place
    with one partition, the mean of the two middle ones as np.median takes it. Partitions
    ``values`` in place; NaN is not expected (seconds are never null)."""
    n = values.size
    if not n:
        return 0.0
    half = n // 2
    if n % 2:
        values.partition(half)
        return float(values[half])
    values.partition([half - 1, half])
    return float((values[half - 1] + values[half]) / 2.0)


def _raters(
    known: np.ndarray,
    inverse: np.ndarray,
    votes: dict[str, np.ndarray],
    on_gold: np.ndarray,
    correct: np.ndarray,
    attention: np.ndarray,
    medians_known: dict[int, tuple[int, float]],
) -> dict[str, dict[str, Any]]:
    """Per rater id (as a string: JSON keys): raters.quality.RaterTotals' fields. ``known``: the
    study's rater ids, sorted; ``inverse``: each vote's rater's position in them;
    ``medians_known``: per rater id (its votes, their median seconds) from an earlier count of
    the same votes or fewer (results.study_columns.StudyColumns.medians: columns grown by inserts
    only), kept for a rater whose votes did not change in number and updated here."""
    if not votes["rater"].size:
        return {}
    sizes = np.bincount(inverse, minlength=known.size)
    medians = _medians(known, inverse, sizes, votes["seconds"], medians_known)
    raters = np.flatnonzero(sizes)  # raters with votes, as positions in `known`
    choice = np.minimum(votes["choice"], 3)  # a per-turn vote (code 4) has no one side: counted with the graded
    per_choice = np.bincount(inverse * 4 + choice, minlength=4 * known.size).reshape(-1, 4)[raters]
    gold = np.bincount(inverse[on_gold], minlength=known.size)[raters]
    right = np.bincount(inverse[on_gold & correct], minlength=known.size)[raters]
    failed = np.bincount(inverse[attention & ~correct], minlength=known.size)[raters]
    return {
        str(r): {
            "left": c[0],
            "right": c[1],
            "tie": c[2],
            "graded": c[3],  # rating and per-turn votes (results.study_columns.GRADED, PER_TURN)
            "median_seconds": m,
            "gold_votes": g,
            "gold_correct": k,
            "attention_failed": f > 0,
        }
        for r, c, m, g, k, f in zip(
            known[raters].tolist(),
            per_choice.tolist(),
            medians[raters].tolist(),
            gold.tolist(),
            right.tolist(),
            failed.tolist(),
            strict=True,
        )
    }


def _medians(
    known: np.ndarray,
    inverse: np.ndarray,
    sizes: np.ndarray,
    seconds: np.ndarray,
    cache: dict[int, tuple[int, float]],
) -> np.ndarray:
    """Per rater position in ``known``, the median seconds of its votes (0.0 without one): from
    ``cache`` where it holds the rater's present number of votes, else from the votes (grouped
    by rater with a stable radix sort of small codes), and then written to ``cache``."""
    out = np.zeros(known.size)
    todo = []
    for at, (rater, size) in enumerate(zip(known.tolist(), sizes.tolist(), strict=True)):
        hit = cache.get(rater)
        if hit is not None and hit[0] == size:
            out[at] = hit[1]
        elif size:
            todo.append(at)
    if not todo:
        return out
    if len(todo) == int(np.count_nonzero(sizes)):  # every rater: all the votes
        mine, codes = None, inverse
    else:
        mine = np.flatnonzero(np.isin(inverse, todo))
        codes = inverse[mine]
    small = np.uint8 if known.size <= 256 else np.uint16 if known.size <= 65_536 else np.int32  # radix passes
    order = np.argsort(codes.astype(small), kind="stable")
    grouped = (seconds if mine is None else seconds[mine])[order]
    counts = np.bincount(codes, minlength=known.size)
    starts = np.cumsum(counts) - counts
    for at in todo:
        start, size = int(starts[at]), int(counts[at])
        out[at] = _median(grouped[start : start + size])
        cache[int(known[at])] = (size, float(out[at]))
    return out
