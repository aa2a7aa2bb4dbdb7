"""The counted votes of a study as columns straight into numpy (PostgreSQL): what
results.selectors.vote_load_rows reads through the ORM, without a Python object per vote.

Four reads: the study's raters (a few hundred rows, through the ORM: which count under the
filters, their groups and names), and three binary COPYs (results.columns): the votes of the
counting raters (id, comparison, rater, shown responses, winner, simulated; no join), the
study's comparisons (id, prompt, gold or not) and its responses (id, system, length). numpy
joins them by id (sorted ids and searchsorted), orders the votes by id and applies the same
rules as the row path: not a gold vote, not on a gold pair or attention check now, of a rater
counted under the filters; simulated votes left out once a real vote of their kind (person or
judge) counts. A vote's rater and comparison belong to one study (every writer builds the vote
from a rater and a comparison of the study)."""

from __future__ import annotations

import numpy as np
from psycopg import sql

from comparisons.models import Study
from raters.models import Rater
from results.columns import copy_columns
from results.selectors import VoteFilter, VoteLoad
from results.table import VoteTable


def _counting_raters(study: Study, filters: VoteFilter) -> tuple[dict[int, str], dict[int, str]]:
    """(rater id -> group, rater id -> external id) of the raters whose votes count."""
    groups, names = {}, {}
    for rater_id, external_id, group, excluded in Rater.objects.filter(study=study).values_list(
        "id", "external_id", "group", "excluded"
    ):
        if excluded and not filters.include_excluded:
            continue
        if external_id in filters.exclude_raters or (filters.rater_group and group != filters.rater_group):
            continue
        groups[rater_id], names[rater_id] = group, external_id
    return groups, names


def _lookup(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `ids` in the sorted `keys`, and whether each was found."""
    pos = np.searchsorted(keys, ids)
    pos = np.minimum(pos, max(keys.size - 1, 0))
    found = keys[pos] == ids if keys.size else np.zeros(ids.size, dtype=bool)
    return pos, found


def vote_load_columns(study: Study, filters: VoteFilter) -> VoteLoad:
    groups, names = _counting_raters(study, filters)
    systems = dict(study.systems.values_list("id", "name"))
    if not groups:
        return VoteLoad(VoteTable.from_rows([], systems), {}, 0, 0)
    rater_ids = sql.Literal("{" + ",".join(str(r) for r in sorted(groups)) + "}")
    votes = copy_columns(
        sql.SQL(
            "select id, comparison_id, rater_id, shown_left_id, shown_right_id, coalesce(winner_id, 0), simulated "
            "from raters_vote where not is_gold and rater_id = any({}::bigint[])"
        ).format(rater_ids),
        [
            ("id", "int8"),
            ("comparison", "int8"),
            ("rater", "int8"),
            ("left", "int8"),
            ("right", "int8"),
            ("winner", "int8"),
            ("simulated", "bool"),
        ],
    )
    comparisons = copy_columns(
        sql.SQL(
            "select c.id, c.prompt_id, g.id is not null from comparisons_comparison c "
            "left join raters_goldpair g on g.comparison_id = c.id where c.study_id = {} order by c.id"
        ).format(sql.Literal(study.pk)),
        [("id", "int8"), ("prompt", "int8"), ("gold", "bool")],
    )
    responses = copy_columns(
        sql.SQL(
            "select r.id, r.system_id, r.length from comparisons_response r "
            "join comparisons_prompt p on p.id = r.prompt_id where p.study_id = {} order by r.id"
        ).format(sql.Literal(study.pk)),
        [("id", "int8"), ("system", "int8"), ("length", "int4")],
    )
    order = np.argsort(votes["id"], kind="stable")  # mostly in order already: a merge sort's best case
    v = {k: col[order] for k, col in votes.items()}
    at, found = _lookup(comparisons["id"], v["comparison"])
    keep = found & ~comparisons["gold"][at]
    v = {k: col[keep] for k, col in v.items()}
    at = at[keep]
    rater_codes, rater_inverse = np.unique(v["rater"], return_inverse=True)
    group_names = sorted(set(groups.values()))
    group_of_rater = np.array([group_names.index(groups[int(r)]) for r in rater_codes], dtype=np.int64)
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
    left_at, _ = _lookup(responses["id"], v["left"])
    right_at, _ = _lookup(responses["id"], v["right"])
    table = VoteTable(
        comparison=v["comparison"],
        prompt=comparisons["prompt"][at],
        rater=v["rater"],
        group=np.asarray(group_names, dtype=object)[group_code],
        left=responses["system"][left_at],
        right=responses["system"][right_at],
        winner=v["winner"],
        left_length=responses["length"][left_at],
        right_length=responses["length"][right_at],
        systems=systems,
    )
    return VoteLoad(table, names, n_simulated - n_left_out, n_left_out)
