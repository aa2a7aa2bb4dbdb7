"""The counted votes of a study as columns straight into numpy (PostgreSQL): what
results.selectors.vote_load_rows reads through the ORM, without a Python object per vote.

Four reads: the study's raters (a few hundred rows, through the ORM: which count under the
filters, their groups and names), and three column reads (results.columns): every vote of the
study's raters (id, comparison, rater, shown responses, winner, simulated, gold, seconds,
choice; no join), the study's comparisons (id, prompt, gold pair or not, responses) and its
responses (id, system, length), each column aggregated by PostgreSQL into one binary string
(results.columns). numpy joins them by id (sorted ids and searchsorted), orders the votes by id and applies the same
rules as the row path: not a gold vote, not on a gold pair or attention check now, of a rater
counted under the filters; simulated votes left out once a real vote of their kind (person or
judge) counts. A vote's rater and comparison belong to one study (every writer builds the vote
from a rater and a comparison of the study)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from psycopg import sql

from comparisons.models import Comparison, Response, Study
from raters.models import Rater, Vote
from results.columns import fetch_columns
from results.selectors import VoteFilter, VoteLoad
from results.table import VoteTable, turn_unit

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
    turns: dict[str, np.ndarray] | None = None  # per-turn votes' turns, (vote, turn)-ordered: vote, turn, code


def study_columns(study: Study) -> StudyColumns:
    """The study's columns: on PostgreSQL aggregated into binary strings, elsewhere (the SQLite
    first run) from the ORM's rows."""
    if connection.vendor != "postgresql":
        return study_columns_rows(study)
    raters = list(Rater.objects.filter(study=study).values_list("id", "external_id", "group", "excluded"))
    systems = dict(study.systems.values_list("id", "name"))
    rater_ids = sql.Literal("{" + ",".join(str(r[0]) for r in raters) + "}")
    votes = fetch_columns(
        sql.SQL("from raters_vote where rater_id = any({}::bigint[])").format(rater_ids),
        [
            ("id", "id", "int8"),
            ("comparison", "comparison_id", "int8"),
            ("rater", "rater_id", "int8"),
            ("left", "shown_left_id", "int8"),
            ("right", "coalesce(shown_right_id, 0)", "int8"),
            ("winner", "coalesce(winner_id, 0)", "int8"),
            ("simulated", "simulated", "bool"),
            ("gold", "is_gold", "bool"),
            ("seconds", "seconds", "float8"),
            (
                "choice",
                "case choice when 'left' then 0 when 'right' then 1 when 'grade' then 3 when 'turns' then 3"
                " when 'per_turn' then 4 else 2 end",
                "int4",
            ),
            ("both_bad", "choice = 'both_bad'", "bool"),
            ("grade", "coalesce(grade, -1)", "int4"),
        ],
    )
    comparisons = fetch_columns(
        sql.SQL(
            "from comparisons_comparison c left join raters_goldpair g on g.comparison_id = c.id where c.study_id = {}"
        ).format(sql.Literal(study.pk)),
        [
            ("id", "c.id", "int8"),
            ("prompt", "c.prompt_id", "int8"),
            ("gold", "g.id is not null", "bool"),
            ("left", "c.left_response_id", "int8"),
            ("right", "coalesce(c.right_response_id, 0)", "int8"),
        ],
    )
    responses = fetch_columns(
        sql.SQL(
            "from comparisons_response r where r.prompt_id in (select id from comparisons_prompt where study_id = {})"
        ).format(sql.Literal(study.pk)),
        [("id", "r.id", "int8"), ("system", "r.system_id", "int8"), ("length", "r.length", "int4")],
    )
    turns = fetch_columns(
        sql.SQL(
            "from raters_vote v cross join lateral jsonb_array_elements_text(v.turn_choices) with ordinality t(c, n)"
            " where v.rater_id = any({}::bigint[]) and v.choice = 'per_turn'"
        ).format(rater_ids),
        [
            ("vote", "v.id", "int8"),
            ("turn", "t.n - 1", "int4"),
            ("code", "case t.c when 'left' then 0 when 'right' then 1 when 'both_bad' then 4 else 2 end", "int4"),
        ],
    )
    return StudyColumns(_by_id(votes), _by_id(comparisons), _by_id(responses), raters, systems, _by_turn(turns))


def _by_turn(turns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.lexsort((turns["turn"], turns["vote"]))
    return {k: col[order] for k, col in turns.items()}


def study_columns_rows(study: Study) -> StudyColumns:
    raters = list(Rater.objects.filter(study=study).values_list("id", "external_id", "group", "excluded"))
    systems = dict(study.systems.values_list("id", "name"))
    names = ["id", "comparison", "rater", "left", "right", "winner", "simulated", "gold", "seconds", "choice", "grade"]
    vote_rows = Vote.objects.filter(rater__study=study).values_list(
        "id",
        "comparison_id",
        "rater_id",
        "shown_left_id",
        "shown_right_id",
        "winner_id",
        "simulated",
        "is_gold",
        "seconds",
        "choice",
        "grade",
    )
    votes = dict(zip(names, list(zip(*vote_rows, strict=True)) or [()] * len(names), strict=True))
    names = ["id", "prompt", "gold", "left", "right"]
    comparison_rows = Comparison.objects.filter(study=study).values_list(
        "id", "prompt_id", "gold", "left_response_id", "right_response_id"
    )
    comparisons = dict(zip(names, list(zip(*comparison_rows, strict=True)) or [()] * len(names), strict=True))
    names = ["id", "system", "length"]
    response_rows = Response.objects.filter(prompt__study=study).values_list("id", "system_id", "length")
    responses = dict(zip(names, list(zip(*response_rows, strict=True)) or [()] * len(names), strict=True))

    def ints(values: Any) -> np.ndarray:
        return np.array([v or 0 for v in values], dtype=np.int64)

    v = {k: ints(votes[k]) for k in ("id", "comparison", "rater", "left", "right", "winner")}
    v["simulated"] = np.array(votes["simulated"], dtype=bool)
    v["gold"] = np.array(votes["gold"], dtype=bool)
    v["seconds"] = np.array(votes["seconds"], dtype=np.float64)
    codes = {"left": 0, "right": 1, "grade": GRADED, "turns": GRADED, "per_turn": PER_TURN}
    v["choice"] = np.array([codes.get(c, 2) for c in votes["choice"]], dtype=np.int64)
    v["both_bad"] = np.array([c == "both_bad" for c in votes["choice"]], dtype=bool)
    v["grade"] = np.array([-1 if g is None else g for g in votes["grade"]], dtype=np.int64)
    c = {k: ints(comparisons[k]) for k in ("id", "prompt", "left", "right")}
    c["gold"] = np.array([g is not None for g in comparisons["gold"]], dtype=bool)
    r = {k: ints(responses[k]) for k in ("id", "system", "length")}
    turn_rows = [
        (vote_id, k, TURN_CODES.get(choice, 2))
        for vote_id, choices in Vote.objects.filter(rater__study=study, choice="per_turn").values_list(
            "id", "turn_choices"
        )
        for k, choice in enumerate(choices or [])
    ]
    t = {
        name: np.array([row[i] for row in turn_rows], dtype=np.int64) for i, name in enumerate(("vote", "turn", "code"))
    }
    return StudyColumns(_by_id(v), _by_id(c), _by_id(r), raters, systems, _by_turn(t))


def _by_id(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.argsort(columns["id"], kind="stable")  # mostly in order already: a merge sort's best case
    return {k: col[order] for k, col in columns.items()}


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


def lookup(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `ids` in the sorted `keys`, and whether each was found."""
    if not keys.size:
        return np.zeros(ids.size, dtype=np.int64), np.zeros(ids.size, dtype=bool)
    pos = np.minimum(np.searchsorted(keys, ids), keys.size - 1)
    return pos, keys[pos] == ids


def vote_load_columns(study: Study, filters: VoteFilter, columns: StudyColumns | None = None) -> VoteLoad:
    cols = study_columns(study) if columns is None else columns
    groups, names = {}, {}
    for rater_id, external_id, group, excluded in cols.raters:
        if excluded and not filters.include_excluded:
            continue
        if external_id in filters.exclude_raters or (filters.rater_group and group != filters.rater_group):
            continue
        groups[rater_id], names[rater_id] = group, external_id
    comparisons, responses = cols.comparisons, cols.responses
    counting = np.fromiter(groups, dtype=np.int64, count=len(groups))
    counting.sort()
    _, by_counting = lookup(counting, cols.votes["rater"])
    at, found = lookup(comparisons["id"], cols.votes["comparison"])
    # rating votes (a rating study's) are left out explicitly: the pairwise table has two sides
    keep = by_counting & ~cols.votes["gold"] & found & ~comparisons["gold"][at] & (cols.votes["choice"] != GRADED)
    v = {k: col[keep] for k, col in cols.votes.items()}
    at = at[keep]
    rater_codes, rater_inverse = np.unique(v["rater"], return_inverse=True)
    group_names = sorted(set(groups.values()))
    group_of_rater = np.array([group_names.index(groups[int(r)]) for r in rater_codes.tolist()], dtype=np.int64)
    group_code = group_of_rater[rater_inverse] if rater_codes.size else np.zeros(0, dtype=np.int64)
    judge = group_code == (group_names.index(Rater.JUDGE_GROUP) if Rater.JUDGE_GROUP in group_names else -1)
    simulated, real = v["simulated"], ~v["simulated"]
    left_out = np.zeros(simulated.size, dtype=bool)
    if (real & ~judge).any():
        left_out |= simulated & ~judge
    if (real & judge).any():
        left_out |= simulated & judge
    n_simulated, n_left_out = int(simulated.sum()), int(left_out.sum())
    counted = ~left_out
    v = {k: col[counted] for k, col in v.items()}
    at, group_code = at[counted], group_code[counted]
    src, turn, code = expand_turns(v, cols.turns)
    v = {k: col[src] for k, col in v.items()}
    at, group_code = at[src], group_code[src]
    left_at, _ = lookup(responses["id"], v["left"])
    right_at, _ = lookup(responses["id"], v["right"])
    left, right = responses["system"][left_at], responses["system"][right_at]
    is_turn = v["choice"] == PER_TURN
    table = VoteTable(
        comparison=np.where(is_turn, turn_unit(v["comparison"], turn), v["comparison"]),
        prompt=comparisons["prompt"][at],
        rater=v["rater"],
        group=np.asarray(group_names, dtype=object)[group_code],
        left=left,
        right=right,
        winner=np.where(is_turn, np.where(code == 0, left, np.where(code == 1, right, 0)), v["winner"]),
        left_length=responses["length"][left_at],
        right_length=responses["length"][right_at],
        systems=cols.systems,
        both_bad=np.where(is_turn, code == PER_TURN, v["both_bad"]),
        turn=turn if is_turn.any() else None,
    )
    return VoteLoad(table, names, n_simulated - n_left_out, n_left_out)
