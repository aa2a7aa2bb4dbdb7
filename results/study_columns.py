"""What a study's votes, comparisons, responses and raters are once read as columns
(`StudyColumns`, by results.loading from PostgreSQL or results.loading_rows through the ORM), and
the choice codes their votes carry."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from results.joins import comparison_systems

# The choice code of a rating vote ("grade", "turns"): never in the pairwise table (results.ratings reads them).
GRADED = 3
PER_TURN = 4  # the choice code of a per-turn vote: one entry per turn in the table (`expand_turns`)
TURN_CODES = {"left": 0, "right": 1, "tie": 2, "both_bad": PER_TURN}  # a turn's choice; both_bad apart


@dataclass(frozen=True)
class StudyColumns:
    """Every vote of the study's raters (gold votes and excluded raters' too), its comparisons
    and responses, and its raters, as read once; `vote_load_columns` narrows them to the votes
    that count, `results.digest` counts the dashboard's figures from them."""

    votes: dict[
        str, np.ndarray
    ]  # id-ordered: id, comparison, rater, left, right, winner, simulated, gold, seconds, choice, both_bad, grade
    comparisons: dict[str, np.ndarray]  # id-ordered: id, prompt, gold, left, right (response ids)
    responses: dict[str, np.ndarray]  # id-ordered: id, system, length
    raters: list[tuple[int, str, str, bool]]  # id, external id, group, excluded
    systems: dict[int, str]
    turns: dict[str, np.ndarray] | None  # per-turn votes' turns, (vote, turn)-ordered: vote, turn, code
    # per vote, where its comparison and rater are, and its prompt, shown systems and lengths (`links`)
    links: dict[str, np.ndarray]
    # per comparison, its systems' ids, lower first (`comparison_systems`), once computed
    pair_systems: tuple[np.ndarray, np.ndarray] | None = None
    # per rater id: (its votes here, their median seconds) as results.digest counted them; shared
    # by the columns grown from these by inserts only (the kept path), where a rater with as many
    # votes as before has the same votes (a full read starts an empty one)
    medians: dict[int, tuple[int, float]] = field(default_factory=dict)

    def rater_ids(self) -> np.ndarray:
        """The study's rater ids, sorted (``links["rater_at"]`` indexes them)."""
        return np.array(sorted(r[0] for r in self.raters), dtype=np.int64)

    def rater_at(self) -> np.ndarray:
        """Per vote, the position of its rater in ``rater_ids`` (every vote read is by one of them)."""
        return self.links["rater_at"]

    def systems_of_comparisons(self) -> tuple[np.ndarray, np.ndarray]:
        """`comparison_systems` of these columns' comparisons (kept with them)."""
        if self.pair_systems is None:
            object.__setattr__(self, "pair_systems", comparison_systems(self.comparisons, self.responses))
        assert self.pair_systems is not None
        return self.pair_systems
