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
from results.table import VoteTable

CHOICES = ("left", "right", "tie")  # "both_bad" is read as a tie here (three outcomes) and kept apart in `both_bad`
GRADED = (
    3  # the choice code of a rating vote ("grade", "turns"): never in the pairwise table (results.ratings reads them)
)


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
                "case choice when 'left' then 0 when 'right' then 1 when 'grade' then 3 when 'turns' then 3 else 2 end",
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
    return StudyColumns(_by_id(votes), _by_id(comparisons), _by_id(responses), raters, systems)


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
    v["choice"] = np.array(
        [CHOICES.index(c) if c in CHOICES else GRADED if c in ("grade", "turns") else 2 for c in votes["choice"]],
        dtype=np.int64,
    )
    v["both_bad"] = np.array([c == "both_bad" for c in votes["choice"]], dtype=bool)
    v["grade"] = np.array([-1 if g is None else g for g in votes["grade"]], dtype=np.int64)
    c = {k: ints(comparisons[k]) for k in ("id", "prompt", "left", "right")}
    c["gold"] = np.array([g is not None for g in comparisons["gold"]], dtype=bool)
    r = {k: ints(responses[k]) for k in ("id", "system", "length")}
    return StudyColumns(_by_id(v), _by_id(c), _by_id(r), raters, systems)


def _by_id(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.argsort(columns["id"], kind="stable")  # mostly in order already: a merge sort's best case
    return {k: col[order] for k, col in columns.items()}


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
    left_at, _ = lookup(responses["id"], v["left"])
    right_at, _ = lookup(responses["id"], v["right"])
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
        systems=cols.systems,
        both_bad=v["both_bad"],
    )
    return VoteLoad(table, names, n_simulated - n_left_out, n_left_out)
