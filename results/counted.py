"""The counted votes of a study as a VoteTable, from its columns (results.study_columns): not a
gold vote, not on a gold pair or attention check now, of a rater counted under the filters;
simulated votes left out once a real vote of their kind (person or judge) counts; each per-turn
vote as its turns. The same rules as results.selectors.vote_load_rows applies to the ORM's rows."""

from __future__ import annotations

import numpy as np

from comparisons.models import Study
from raters.models import Rater
from results.joins import TABLE_LINKS, lookup
from results.loading import study_columns
from results.selectors import VoteFilter, VoteLoad
from results.study_columns import GRADED, PER_TURN, StudyColumns
from results.table import VoteTable, turn_unit


def vote_load_columns(study: Study, filters: VoteFilter, columns: StudyColumns | None = None) -> VoteLoad:
    cols = study_columns(study) if columns is None else columns
    groups, names = {}, {}
    for rater_id, external_id, group, excluded in cols.raters:
        if excluded and not filters.include_excluded:
            continue
        if external_id in filters.exclude_raters or (filters.rater_group and group != filters.rater_group):
            continue
        groups[rater_id], names[rater_id] = group, external_id
    counting = np.fromiter(groups, dtype=np.int64, count=len(groups))
    counting.sort()
    is_counting = np.isin(cols.rater_ids(), counting)  # per rater of the study, sorted like `counting`
    rater_at = cols.rater_at()
    per_vote = cols.links
    # rating votes (a rating study's) are left out explicitly: the pairwise table has two sides
    keep = ~cols.votes["gold"] & per_vote["comparison_found"] & ~per_vote["comparison_gold"]
    keep &= cols.votes["choice"] != GRADED
    if is_counting.all():  # every rater counts (no exclusion, no filter): the positions are the codes
        rater_code = rater_at
    else:
        keep &= is_counting[rater_at]
        rater_code = (np.cumsum(is_counting) - 1)[rater_at]
    v = {**cols.votes, "rater_code": rater_code} | {k: per_vote[k] for k in TABLE_LINKS}
    if not keep.all():  # (no copies when every vote read counts)
        v = {k: col[keep] for k, col in v.items()}
    group_names = sorted(set(groups.values()))
    group_of_rater = np.array([group_names.index(groups[int(r)]) for r in counting.tolist()], dtype=np.int64)
    group_code = group_of_rater[v["rater_code"]] if counting.size else np.zeros(0, dtype=np.int64)
    judge = group_code == (group_names.index(Rater.JUDGE_GROUP) if Rater.JUDGE_GROUP in group_names else -1)
    simulated, real = v["simulated"], ~v["simulated"]
    left_out = np.zeros(simulated.size, dtype=bool)
    if (real & ~judge).any():
        left_out |= simulated & ~judge
    if (real & judge).any():
        left_out |= simulated & judge
    n_simulated, n_left_out = int(simulated.sum()), int(left_out.sum())
    if n_left_out:
        counted = ~left_out
        v = {k: col[counted] for k, col in v.items()}
        group_code = group_code[counted]
    v, group_code, turn, code = _per_turn(v, cols.turns, group_code)
    is_turn = v["choice"] == PER_TURN
    any_turn = bool(is_turn.any())
    left, right = v["left_system"], v["right_system"]
    unit = np.where(is_turn, turn_unit(v["comparison"], turn), v["comparison"]) if any_turn else v["comparison"]
    table = VoteTable(
        comparison=unit,
        prompt=v["prompt"],
        rater=v["rater"],
        group=np.asarray(group_names, dtype=object)[group_code],
        left=left,
        right=right,
        winner=np.where(is_turn, np.where(code == 0, left, np.where(code == 1, right, 0)), v["winner"])
        if any_turn
        else v["winner"],
        left_length=v["left_length"],
        right_length=v["right_length"],
        systems=cols.systems,
        both_bad=np.where(is_turn, code == PER_TURN, v["both_bad"]) if any_turn else v["both_bad"],
        turn=turn if any_turn else None,
    )
    # the table's group codes, as VoteTable.group_codes computes them: the groups of its votes only
    present = np.flatnonzero(np.bincount(group_code, minlength=len(group_names)))
    if present.size < len(group_names):  # a group without a vote here: the others renumbered
        renumber = np.zeros(len(group_names), dtype=np.int64)
        renumber[present] = np.arange(present.size)
        group_code = renumber[group_code]
    table = table.with_group_codes([group_names[i] for i in present.tolist()], group_code)
    return VoteLoad(table, names, n_simulated - n_left_out, n_left_out)


def _per_turn(
    v: dict[str, np.ndarray], turns: dict[str, np.ndarray] | None, group_code: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """The votes with each per-turn vote as its turns (`expand_turns`), their group codes to
    match, each entry's turn and turn choice code. Without a per-turn vote every vote is one
    entry as it is, and nothing is copied."""
    none = np.zeros(0, dtype=np.int64)
    if not (v["choice"] == PER_TURN).any():
        return v, group_code, none, none
    src, turn, code = expand_turns(v, turns)
    if src.size != v["id"].size or not np.array_equal(src, np.arange(src.size)):
        v = {k: col[src] for k, col in v.items()}
        group_code = group_code[src]
    return v, group_code, turn, code


def expand_turns(
    votes: dict[str, np.ndarray], turns: dict[str, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each per-turn vote as its turns: (the vote's position in `votes` per entry, the entry's
    turn (0 for a whole vote), its turn's choice code (TURN_CODES; a whole vote's own code)),
    in (vote id, turn) order. `votes` are id-ordered."""
    per_turn = votes["choice"] == PER_TURN
    whole = np.flatnonzero(~per_turn)
    if not per_turn.any() or turns is None or not turns["vote"].size:
        return whole, np.zeros(whole.size, dtype=np.int64), votes["choice"][whole]
    pos, found = lookup(votes["id"], turns["vote"])
    found &= per_turn[pos]
    src = np.concatenate([whole, pos[found]])
    turn = np.concatenate([np.zeros(whole.size, dtype=np.int64), turns["turn"][found]])
    code = np.concatenate([votes["choice"][whole], turns["code"][found]])
    order = np.lexsort((turn, votes["id"][src]))
    return src[order], turn[order], code[order]


def comparisons_per_pair(cols: StudyColumns) -> dict[str, int]:
    """Comparisons built per pair key ("low:high", Comparison.pair_key), gold pairs and attention
    checks aside, counted from the columns (as results.sequential_state would ask the database)."""
    low, high = cols.systems_of_comparisons()
    design = ~cols.comparisons["gold"]
    low, high = low[design], high[design]
    if not low.size:
        return {}
    keys, counts = np.unique(low * (int(high.max()) + 1) + high, return_counts=True)
    top = int(high.max()) + 1
    return {f"{k // top}:{k % top}": int(n) for k, n in zip(keys.tolist(), counts.tolist(), strict=True)}
