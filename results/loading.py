"""The counted votes of a study as columns straight into numpy (PostgreSQL): what
results.selectors.vote_load_rows reads through the ORM, without a Python object per vote.

Four reads: the study's raters (a few hundred rows, through the ORM: which count under the
filters, their groups and names), and three column reads (results.columns): every vote of the
study's raters (id, comparison, rater, shown responses, winner, seconds, and the choice code,
simulated and gold flags and grade packed in one integer; no join), the study's comparisons
(id, prompt, gold pair or not, responses) and its responses (id, system, length), each column
aggregated by PostgreSQL into one binary string (results.columns); the turns of per-turn votes
when there are any. numpy joins them by id (`lookup`: a table indexed by id, or a binary search
for few ids), orders the votes by id and applies the same rules as the row path: not a gold
vote, not on a gold pair or attention check now, of a rater counted under the filters;
simulated votes left out once a real vote of their kind (person or judge) counts. A vote's
rater and comparison belong to one study (every writer builds the vote from a rater and a
comparison of the study)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from django.conf import settings
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


# A vote's choice code, its flags and its grade travel packed in one int4 (`codes`): each column
# aggregated costs PostgreSQL a send function call and an append per vote, so five small columns
# in one took the read of 1M votes from 1.0-1.06 s to 0.80 s of PostgreSQL's time (docs/benchmarks.md).
# Bits: 0-2 the choice code, 3 simulated, 4 gold, 5 both bad, 6 and up the grade + 1 (0: none).
CHOICE_CODE = (
    "case choice when 'left' then 0 when 'right' then 1 when 'grade' then 3 when 'turns' then 3"
    " when 'per_turn' then 4 else 2 end"
)
VOTE_COLUMNS = [
    ("id", "id", "int8"),
    ("comparison", "comparison_id", "int8"),
    ("rater", "rater_id", "int8"),
    ("left", "shown_left_id", "int8"),
    ("right", "coalesce(shown_right_id, 0)", "int8"),
    ("winner", "coalesce(winner_id, 0)", "int8"),
    ("seconds", "seconds", "float8"),
    (
        "codes",
        f"({CHOICE_CODE}) | (simulated::int << 3) | (is_gold::int << 4) | ((choice = 'both_bad')::int << 5)"
        " | ((coalesce(grade, -1) + 1) << 6)",
        "int4",
    ),
]


def _unpacked(votes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The vote columns as read (VOTE_COLUMNS) with `codes` unpacked into choice, simulated,
    gold, both_bad and grade."""
    out = dict(votes)
    codes = out.pop("codes")
    out["simulated"] = (codes & 8) != 0
    out["gold"] = (codes & 16) != 0
    out["choice"] = codes & 7
    out["both_bad"] = (codes & 32) != 0
    out["grade"] = (codes >> 6) - 1
    return out


@dataclass(frozen=True)
class _Kept:
    """A study's columns kept between refreshes, and what they were read at: the newest vote id
    read, the vote counters' totals (votes, changes) in the same statement, and the version's
    parts that change the comparisons (gold pairs, the last build)."""

    study: tuple[int, str]
    last_id: int
    votes: int
    changes: int
    shape: str
    columns: StudyColumns
    # the buffers the kept columns are the first entries of, with room after them (`_appended`)
    room: dict[str, np.ndarray]


_kept: OrderedDict[int, _Kept] = OrderedDict()  # per process, newest last


def study_columns(study: Study, version: str | None = None) -> StudyColumns:
    """The study's columns: on PostgreSQL aggregated into binary strings, elsewhere (the SQLite
    first run) from the ORM's rows.

    With ``version`` (results.selectors.votes_version, read just before), a study of at least
    LIMA_RESULTS_COLUMN_CACHE_MIN_VOTES votes keeps its columns in this process, and the next
    call reads only the votes newer than the newest it read, when the vote counters show that
    nothing but inserts happened since (the votes' count and changes moved together, checked in
    the same statement that reads the new votes, so a vote that committed late with a lower id
    is noticed) and neither gold pairs nor the comparisons changed. Anything else is a full read."""
    if connection.vendor != "postgresql":
        return study_columns_rows(study)
    raters = list(Rater.objects.filter(study=study).values_list("id", "external_id", "group", "excluded"))
    systems = dict(study.systems.values_list("id", "name"))
    rater_ids = sql.Literal("{" + ",".join(str(r[0]) for r in raters) + "}")
    shape = ":".join(version.split(":")[5:]) if version else ""
    kept = _kept.get(study.pk) if version else None
    if kept is not None and (kept.study != (study.pk, study.slug) or kept.shape != shape):
        kept = None
    # the new votes only (kept columns): through the primary key's range; all of them: through the
    # rater index when they are a small share of the votes table (`_through_rater_index`)
    through_index = kept is None and _through_rater_index(rater_ids)
    after = sql.SQL(" and v.id > {}").format(sql.Literal(kept.last_id)) if kept is not None else sql.SQL("")
    counters = sql.SQL(
        "(select coalesce(sum(votes), 0)::int8 from results_ratervotecount where rater_id = any({0}::bigint[])),"
        " (select coalesce(sum(changes), 0)::int8 from results_ratervotecount where rater_id = any({0}::bigint[]))"
    ).format(rater_ids)
    votes, (n_votes, n_changes) = fetch_columns(
        sql.SQL("from {} where {}{}").format(*study_votes(rater_ids, through_index), after),
        VOTE_COLUMNS,
        extra=counters,
        jit=not through_index,
    )
    votes = _by_id(_unpacked(votes))

    def read_turns(through_index: bool, ids: sql.Composable) -> sql.Composable:
        voted, of_study = study_votes(rater_ids, through_index)
        return sql.SQL(
            "from {} cross join lateral jsonb_array_elements_text(v.turn_choices) with ordinality t(c, n)"
            " where {} and v.choice = 'per_turn'{}"
        ).format(voted, of_study, ids)

    turn_columns = [
        ("vote", "v.id", "int8"),
        ("turn", "t.n - 1", "int4"),
        ("code", "case t.c when 'left' then 0 when 'right' then 1 when 'both_bad' then 4 else 2 end", "int4"),
    ]
    if kept is not None:
        before = kept.columns
        inserts_only = n_votes - kept.votes == n_changes - kept.changes == votes["id"].size
        if inserts_only:
            new_turns = _turns(votes, read_turns(False, _id_range(kept.last_id, votes)), turn_columns)
            new_links = links(votes, before.comparisons, before.responses, raters)
            old_links = before.links
            old_ids, new_ids = before.rater_ids(), np.array(sorted(r[0] for r in raters), dtype=np.int64)
            if old_ids.size > new_ids.size or not np.array_equal(old_ids, new_ids[: old_ids.size]):
                # a rater left the list (new raters' ids come last): every vote's rater position again
                old_links = {**old_links, "rater_at": lookup(new_ids, before.votes["rater"])[0]}
            columns = replace(
                before,
                votes={k: _appended(kept.room, f"votes.{k}", col, votes[k]) for k, col in before.votes.items()},
                links={k: _appended(kept.room, f"links.{k}", col, new_links[k]) for k, col in old_links.items()},
                raters=raters,
                systems=systems,
                turns=_by_turn(
                    new_turns
                    if before.turns is None
                    else {k: np.concatenate([col, new_turns[k]]) for k, col in before.turns.items()}
                ),
            )
            _keep(study, columns, n_votes, n_changes, shape, kept.room)
            return columns
        # not only inserts (an update, a delete, a late commit): read everything again
        through_index = _through_rater_index(rater_ids)
        votes, (n_votes, n_changes) = fetch_columns(
            sql.SQL("from {} where {}").format(*study_votes(rater_ids, through_index)),
            VOTE_COLUMNS,
            extra=counters,
            jit=not through_index,
        )
        votes = _by_id(_unpacked(votes))
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
    )[0]
    responses = fetch_columns(
        sql.SQL(
            "from comparisons_response r where r.prompt_id in (select id from comparisons_prompt where study_id = {})"
        ).format(sql.Literal(study.pk)),
        [("id", "r.id", "int8"), ("system", "r.system_id", "int8"), ("length", "r.length", "int4")],
    )[0]
    turns = _turns(votes, read_turns(through_index, _id_range(0, votes)), turn_columns, jit=not through_index)
    comparisons, responses = _by_id(comparisons), _by_id(responses)
    per_vote = links(votes, comparisons, responses, raters)
    # kept only when the counters agree with the votes read (they are the check of the next read)
    keep = bool(version) and n_votes == votes["id"].size >= settings.LIMA_RESULTS_COLUMN_CACHE_MIN_VOTES
    room: dict[str, np.ndarray] = {}
    if keep:  # in buffers with room after them, so that the next refresh's votes are appended there
        votes = {k: _appended(room, f"votes.{k}", col, col[:0]) for k, col in votes.items()}
        per_vote = {k: _appended(room, f"links.{k}", col, col[:0]) for k, col in per_vote.items()}
    columns = StudyColumns(votes, comparisons, responses, raters, systems, _by_turn(turns), per_vote)
    if keep:
        _keep(study, columns, n_votes, n_changes, shape, room)
    else:
        _kept.pop(study.pk, None)
    return columns


# A study whose votes are fewer than this share of the votes table's rows reads them through the
# rater index, a rater at a time (`study_votes`), whatever the planner estimates: a study's raters
# that are not among the column's most common values were estimated at 448,279 votes for the
# 10,005 of a 10k study beside a 1M one, and the table (1,010,010 votes) was scanned: 211 ms against
# 32 ms through the index (docs/benchmarks.md). A larger share is left to the planner (a scan).
RATER_INDEX_MAX_SHARE = 0.25


def _through_rater_index(rater_ids: sql.Composable) -> bool:
    """Whether the votes of the raters ``rater_ids`` (a literal array) are read through the rater
    index: their count from the vote counters, the table's rows from its statistics (pg_class's
    reltuples, kept by VACUUM and ANALYZE; -1, never counted, leaves it to the planner)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper (a composed statement)
        raw.execute(
            sql.SQL(
                "select coalesce(sum(votes), 0)::float8,"
                " (select reltuples from pg_class where oid = 'raters_vote'::regclass)::float8"
                " from results_ratervotecount where rater_id = any({}::bigint[])"
            ).format(rater_ids)
        )
        voted, table = raw.fetchone()
    return bool(voted < RATER_INDEX_MAX_SHARE * table)


def study_votes(rater_ids: sql.Composable, through_index: bool) -> tuple[sql.Composable, sql.Composable]:
    """The votes of the raters ``rater_ids`` (a literal array) as a FROM item named ``v`` and the
    condition that keeps only theirs. ``through_index``: one lateral subquery per rater (OFFSET 0
    keeps the planner from flattening it into a join it could hash over a scan of the table), each
    an index scan on (rater, comparison), read without JIT compilation (its cost is overestimated
    as much as the rows were: results.columns.fetch_columns); otherwise ``rater_id = any(...)`` and
    the planner's choice."""
    if through_index:
        return (
            sql.SQL(
                "unnest({}::bigint[]) r(study_rater) cross join lateral"
                " (select * from raters_vote where rater_id = r.study_rater offset 0) v"
            ).format(rater_ids),
            sql.SQL("true"),
        )
    return sql.SQL("raters_vote v"), sql.SQL("v.rater_id = any({}::bigint[])").format(rater_ids)


def _appended(room: dict[str, np.ndarray], name: str, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``np.concatenate([old, new])``, as the first entries of a buffer kept in ``room`` under
    ``name`` with room after them (a quarter more than needed when it is made): a refresh after
    a few new votes copies those, not every vote before them again (16 ms of each refresh at 1M
    votes). ``old`` must be a view of the buffer's first entries, as this function returns
    them; anything else (a column computed afresh) gets a new buffer. Only the kept columns'
    own entry holds the room, and they are its longest view, so writing past ``old`` changes no
    view handed out before."""
    n, k = old.size, new.size
    buffer = room.get(name)
    if (
        buffer is None
        or old.base is not buffer
        or old.ctypes.data != buffer.ctypes.data
        or buffer.size < n + k
        or buffer.dtype != np.result_type(old, new)
    ):
        buffer = np.empty(n + k + (n + k) // 4 + 1024, dtype=np.result_type(old, new))
        buffer[:n] = old
        room[name] = buffer
    buffer[n : n + k] = new
    return buffer[: n + k]


def _turns(
    votes: dict[str, np.ndarray], source: sql.Composable, columns: list[tuple[str, str, str]], jit: bool = True
) -> dict[str, np.ndarray]:
    """The turns of the per-turn votes among ``votes`` (read by ``source``), or none without
    one: the read scans the votes again (65-78 ms at 1M votes), and turns whose vote is not
    among those read are dropped anyway (`expand_turns`)."""
    if (votes["choice"] == PER_TURN).any():
        return fetch_columns(source, columns, jit=jit)[0]
    return {name: np.zeros(0, dtype=np.int64) for name, _expr, _kind in columns}


def _id_range(after: int, votes: dict[str, np.ndarray]) -> sql.Composable:
    """The turns of the votes read only (ids after ``after`` up to the newest read): a per-turn
    vote written between the two statements is read, with its turns, by the next refresh."""
    newest = int(votes["id"][-1]) if votes["id"].size else after
    return sql.SQL(" and v.id > {} and v.id <= {}").format(sql.Literal(after), sql.Literal(newest))


def _keep(
    study: Study,
    columns: StudyColumns,
    votes: int,
    changes: int,
    shape: str,
    room: dict[str, np.ndarray],
) -> None:
    last = int(columns.votes["id"][-1]) if columns.votes["id"].size else 0
    _kept.pop(study.pk, None)
    _kept[study.pk] = _Kept((study.pk, study.slug), last, votes, changes, shape, columns, room)
    while len(_kept) > max(settings.LIMA_RESULTS_COLUMN_CACHE_STUDIES, 0):
        _kept.popitem(last=False)


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
    v, c, r = _by_id(v), _by_id(c), _by_id(r)
    return StudyColumns(v, c, r, raters, systems, _by_turn(t), links(v, c, r, raters))


def _by_id(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.argsort(columns["id"], kind="stable")  # mostly in order already: a merge sort's best case
    return {k: col[order] for k, col in columns.items()}


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


def comparison_systems(
    comparisons: dict[str, np.ndarray], responses: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Per comparison, its two systems' ids, lower first (a rating item's one system twice)."""
    left_at, _ = lookup(responses["id"], comparisons["left"])
    right_at, has_right = lookup(responses["id"], comparisons["right"])
    a = responses["system"][left_at]
    b = np.where(has_right, responses["system"][right_at], a)  # a rating item: one response
    return np.minimum(a, b), np.maximum(a, b)


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
