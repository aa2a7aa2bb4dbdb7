"""The votes of a study as plain arrays, the hand-over between the database and `compute`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from comparisons.stats._base import factorize


@dataclass(frozen=True)
class VoteTable:
    """One entry per counted vote. System ids are database ids; `winner` is 0 for a tie and for
    "both are bad" (folded into a tie by every statistic of three outcomes); `both_bad` marks the
    latter (None: no such vote). `left` / `right` are the systems as the rater saw them; lengths
    are of those responses.

    In a per-turn study (Study.per_turn) an entry is one assistant turn of a vote: the vote's
    turns follow each other in turn order, `turn` numbers them from 0, `winner` and `both_bad`
    are the turn's, and `comparison` is the unit (comparison, turn) as `turn_unit` keys it, so
    that majorities, agreement and judges' comparisons pair the same turn; `prompt` stays the
    conversation's prompt, the cluster of every bootstrap."""

    comparison: np.ndarray
    prompt: np.ndarray
    rater: np.ndarray
    group: np.ndarray  # rater group names (object array of str)
    left: np.ndarray
    right: np.ndarray
    winner: np.ndarray
    left_length: np.ndarray
    right_length: np.ndarray
    systems: dict[int, str] = field(default_factory=dict)
    both_bad: np.ndarray | None = None
    turn: np.ndarray | None = None  # per entry its assistant turn (0 for a whole vote); None: no per-turn votes

    def bad(self) -> np.ndarray:
        """Per vote, whether it said "both are bad" (all False when the table has no such column)."""
        return np.zeros(len(self), dtype=bool) if self.both_bad is None else self.both_bad

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]], systems: dict[int, str]) -> VoteTable:
        """Rows of (comparison, prompt, rater, group, left, right, winner or None, left length,
        right length[, both bad[, turn]])."""
        width = len(rows[0]) if rows else 10
        cols = list(zip(*rows, strict=True)) if rows else [()] * width

        def ints(column: Sequence[Any]) -> np.ndarray:
            return np.asarray(column, dtype=np.int64)

        return cls(
            comparison=ints(cols[0]),
            prompt=ints(cols[1]),
            rater=ints(cols[2]),
            group=np.asarray(cols[3], dtype=object),
            left=ints(cols[4]),
            right=ints(cols[5]),
            winner=ints([w or 0 for w in cols[6]]),
            left_length=ints(cols[7]),
            right_length=ints(cols[8]),
            systems=systems,
            both_bad=np.asarray(cols[9], dtype=bool) if width > 9 else None,
            turn=ints(cols[10]) if width > 10 else None,
        )

    def __len__(self) -> int:
        return int(self.comparison.size)

    def select(self, mask: np.ndarray) -> VoteTable:
        return VoteTable(
            self.comparison[mask],
            self.prompt[mask],
            self.rater[mask],
            self.group[mask],
            self.left[mask],
            self.right[mask],
            self.winner[mask],
            self.left_length[mask],
            self.right_length[mask],
            self.systems,
            None if self.both_bad is None else self.both_bad[mask],
            None if self.turn is None else self.turn[mask],
        )

    def group_codes(self) -> tuple[list[str], np.ndarray]:
        """The sorted distinct group names and each vote's index among them. A group is a
        rater's, so the names are read from one vote per rater (the rest are checked). Computed
        once per table (the table is immutable)."""
        known: tuple[list[str], np.ndarray] | None = self.__dict__.get("_group_codes")
        if known is None:
            known = self._group_codes()
            object.__setattr__(self, "_group_codes", known)
        return known

    def with_group_codes(self, names: list[str], codes: np.ndarray) -> VoteTable:
        """This table, its group codes given by a loader that has them already (as
        `group_codes` would compute them from `group`: the sorted distinct group names of its
        votes and each vote's index among them), so that they are not computed again from a
        million strings (results.loading; tests/results/test_loading.py checks they agree)."""
        object.__setattr__(self, "_group_codes", (names, codes))
        return self

    def group_mask(self, groups: Iterable[str]) -> np.ndarray:
        """Per vote: whether its rater's group is one of ``groups``."""
        names, codes = self.group_codes()
        wanted = set(groups)
        return np.isin(codes, [i for i, name in enumerate(names) if name in wanted])

    def _group_codes(self) -> tuple[list[str], np.ndarray]:
        if not len(self):
            return [], np.zeros(0, dtype=np.int64)
        raters, inverse = factorize(self.rater)
        one_vote = np.zeros(raters.size, dtype=np.int64)
        one_vote[inverse] = np.arange(len(self))
        names, codes = _codes(self.group[one_vote])
        codes = codes[inverse]
        if not (self.group == np.asarray(names, dtype=object)[codes]).all():  # a rater in several groups
            names, codes = _codes(self.group)
        return names, codes

    def pair_keys(self) -> np.ndarray:
        """Per vote, a key of its unordered pair of systems, low * (top + 1) + high with top
        the largest system id (for ``pair_votes``). Computed once per table."""
        known: np.ndarray | None = self.__dict__.get("_pair_keys")
        if known is None:
            low = np.minimum(self.left, self.right)
            known = low * (self._top_system() + 1) + (self.left + self.right - low)
            object.__setattr__(self, "_pair_keys", known)
        return known

    def pair_votes(self, keys: np.ndarray, first: int, second: int) -> tuple[np.ndarray, np.ndarray]:
        """``outcomes_for`` as indices: the votes on (first, second) in either order (``keys``
        from ``pair_keys``) and their outcomes for `first` (kept with the table for its own keys)."""
        own = keys is self.__dict__.get("_pair_keys")
        found: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = self.__dict__.setdefault("_found_pair_votes", {})
        if own and (first, second) in found:
            return found[(first, second)]
        result = self._pair_votes(keys, first, second)
        if own:
            for array in result:
                array.flags.writeable = False  # shared by every caller
            found[(first, second)] = result
        return result

    def _pair_votes(self, keys: np.ndarray, first: int, second: int) -> tuple[np.ndarray, np.ndarray]:
        top = self._top_system()
        if max(first, second) > top or min(first, second) < 0:
            index = np.zeros(0, dtype=np.int64)
        else:
            index = np.flatnonzero(keys == min(first, second) * (top + 1) + max(first, second))
        winner = self.winner[index]
        return index, np.where(winner == first, 1, np.where(winner == second, -1, 0)).astype(np.int64)

    def _top_system(self) -> int:
        return int(max(self.left.max(initial=0), self.right.max(initial=0)))

    def outcomes_for(self, first: int, second: int) -> tuple[np.ndarray, np.ndarray]:
        """Mask of the votes on (first, second) in either order, and their outcomes for
        `first`: +1 win, 0 tie, -1 loss."""
        mask = ((self.left == first) & (self.right == second)) | ((self.left == second) & (self.right == first))
        winner = self.winner[mask]
        return mask, np.where(winner == first, 1, np.where(winner == second, -1, 0)).astype(np.int64)


TURN_UNITS = 128  # more than comparisons.grading.MAX_PER_TURN


def turn_unit(comparison: np.ndarray | int, turn: np.ndarray | int) -> np.ndarray:
    """The unit of a per-turn vote's turn: comparison id * TURN_UNITS + turn (a per-turn study
    has no other votes in its results, so the keys never meet a plain comparison id)."""
    return np.asarray(comparison, dtype=np.int64) * TURN_UNITS + np.asarray(turn, dtype=np.int64)


def _codes(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    names = sorted(set(values.tolist()))
    lookup = {name: i for i, name in enumerate(names)}
    return names, np.array([lookup[v] for v in values.tolist()], dtype=np.int64)
