"""The columns path (a binary COPY straight into numpy, results.loading) reads exactly the votes
the row path (the ORM's tuples, results.selectors.vote_load_rows) reads, and every study's
results are unchanged by it (to 1e-12): focal and all-pairs studies, judges, excluded raters,
gold pairs and attention checks, imported and simulated votes, the researcher's filters, and
the real-data studies of ../shared/data (AlpacaEval's judge, PandaLM's annotators). The group
codes the columns path hands to its table equal those the table computes from its groups."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext
from typing import Any

import numpy as np
import pytest
from django.db import connection, transaction
from psycopg import sql

from bench.results_data import study_build
from comparisons.models import Study
from demo.simulate import votes_simulate
from raters.models import GoldPair, Rater, Vote
from results import loading, services
from results.columns import columns_query, fetch_columns
from results.params import Params
from results.planner import RATER_INDEX_MAX_SHARE, planner_settings, through_rater_index
from results.selectors import VoteFilter, vote_load, vote_load_rows, votes_version
from tests.comparisons.helpers import create_study, jsonl, rows_for, upload
from tests.comparisons.test_real_data import alpaca_rows
from tests.conftest import shared_data
from tests.results.judge_votes import simulated_votes
from tests.results.test_api import import_votes, lima_votes
from tests.results.test_real_data import pandalm_study

pytestmark = pytest.mark.django_db
FIELDS = ("comparison", "prompt", "rater", "group", "left", "right", "winner", "left_length", "right_length")
FILTERS = [
    VoteFilter(),
    VoteFilter(exclude_raters=("r2",)),
    VoteFilter(rater_group="judge"),
    VoteFilter(rater_group="crowd"),
    VoteFilter(include_excluded=True),
]


def assert_close(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            assert_close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float) and not (math.isnan(a) and math.isnan(b)):
        assert b == pytest.approx(a, rel=1e-12, abs=1e-12), path
    else:
        assert a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)), path


def assert_same_everywhere(study: Study, monkeypatch: pytest.MonkeyPatch, filters=FILTERS) -> int:
    """Both paths give the same arrays and the same results; returns the default's vote count."""
    assert connection.vendor == "postgresql"
    params = Params(seed=study.seed)
    for f in filters:
        rows, cols = vote_load_rows(study, f), vote_load(study, f)
        for name in FIELDS:
            x, y = getattr(rows.table, name), getattr(cols.table, name)
            assert x.dtype == y.dtype and np.array_equal(x, y), (f, name)
        for through_index in (True, False):  # the votes read through the rater index, or by the planner's choice
            with monkeypatch.context() as m:
                m.setattr(loading, "through_rater_index", lambda _ids, through=through_index: through)
                forced = vote_load(study, f)
            for name in FIELDS:
                x, y = getattr(forced.table, name), getattr(cols.table, name)
                assert x.dtype == y.dtype and np.array_equal(x, y), (f, through_index, name)
        assert rows.table.systems == cols.table.systems
        # the group codes the columns path hands over equal those computed from `group`
        (given, codes), (fresh, fresh_codes) = cols.table.group_codes(), rows.table.group_codes()
        assert given == fresh and codes.dtype == fresh_codes.dtype and np.array_equal(codes, fresh_codes), f
        assert rows.raters.items() <= cols.raters.items()  # the columns path names every counting rater
        assert (rows.simulated, rows.simulated_left_out) == (cols.simulated, cols.simulated_left_out)
        new = services.results_compute(study=study, params=params, filters=f)
        with monkeypatch.context() as m:
            m.setattr(services, "vote_load", lambda study, filters, _columns=None: vote_load_rows(study, filters))
            old = services.results_compute(study=study, params=params, filters=f)
        assert_close(json.loads(json.dumps(old)), json.loads(json.dumps(new)))
    return len(vote_load(study).table)


def test_a_focal_study_with_judges_exclusions_and_gold_pairs_loads_the_same(api, focal, monkeypatch):
    rows = simulated_votes(seed=3)
    rows += lima_votes(10, 5, 8, rater="r1") + lima_votes(7, 9, 4, baseline="Bard", rater="r2", start=3)
    rows += lima_votes(12, 3, 9, rater="r3", start=10)
    # an expert whose only vote is on the gold pair: a counting rater whose group has no vote in the table
    expert = {"prompt_id": "p5", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", "rater": "e1"}
    rows += [expert | {"rater_group": "expert"}]
    assert import_votes(api, rows).status_code == 201
    gold = api.post("/api/studies/s/gold/", {"prompt_id": "p5", "systems": ["LIMA", "GPT-4"], "expected": "LIMA"})
    assert gold.status_code == 201, gold.json()
    Rater.objects.filter(external_id="r3").update(excluded=True, excluded_reason="speeding")
    n = assert_same_everywhere(focal, monkeypatch)
    assert 0 < n < Vote.objects.filter(comparison__study=focal).count()
    assert GoldPair.objects.filter(comparison__study=focal).exists()


def test_simulated_votes_and_their_leaving_once_real_votes_come_load_the_same(api, focal, monkeypatch):
    added = votes_simulate(study=focal, shares={"GPT-4": (3, 1, 2), "Bard": (2, 2, 1)}, judge_shares={}, raters=4)
    assert added > 0
    assert assert_same_everywhere(focal, monkeypatch, filters=[VoteFilter()]) == added
    assert import_votes(api, lima_votes(6, 2, 3, rater="person")).status_code == 201
    assert assert_same_everywhere(focal, monkeypatch, filters=[VoteFilter()]) == 11  # the simulated ones left out


def test_an_all_pairs_study_loads_the_same(api, monkeypatch):
    systems = ["A", "B", "C", "D"]
    create_study(api, slug="ap", design="all_pairs", focal_system=None, baselines=None, systems=systems)
    upload(api, "ap", rows_for(12, systems))
    api.post("/api/studies/ap/open/")
    rng = np.random.default_rng(5)
    votes = []
    for p in range(12):
        for i, a in enumerate(systems):
            for b in systems[i + 1 :]:
                for r in range(3):
                    left, right = (a, b) if rng.random() < 0.5 else (b, a)
                    choice = str(rng.choice(["left", "right", "tie"], p=[0.4, 0.4, 0.2]))
                    votes.append(
                        {
                            "prompt_id": f"p{p}",
                            "left_system": left,
                            "right_system": right,
                            "choice": choice,
                            "rater": f"r{(p + r) % 5}",
                        }  # fmt: skip
                    )
    assert import_votes(api, votes, slug="ap").status_code == 201
    assert assert_same_everywhere(Study.objects.get(slug="ap"), monkeypatch) == len(votes)


def test_the_real_data_studies_load_the_same(api, monkeypatch):
    annotations = json.loads(shared_data("alpaca_eval", "gpt4", "annotations.json").read_text())
    create_study(api, slug="ae", focal_system="gpt4", baselines=["text_davinci_003"])
    api.post("/api/studies/ae/outputs/", jsonl(alpaca_rows("gpt4")), content_type="application/x-ndjson")
    api.post("/api/studies/ae/open/")
    votes = [
        {
            "prompt_id": f"alpaca-{i:03d}",
            "left_system": "text_davinci_003",
            "right_system": "gpt4",
            "choice": {1.0: "left", 2.0: "right"}.get(float(a["preference"]), "tie"),
            "rater": "alpaca_eval_gpt4",
            "rater_group": "judge",
        }
        for i, a in enumerate(annotations)
        if a["preference"] is not None
    ]
    assert import_votes(api, votes, slug="ae").status_code == 201
    assert assert_same_everywhere(Study.objects.get(slug="ae"), monkeypatch, filters=FILTERS[:3]) == len(votes)

    _, votes = pandalm_study(api)
    assert assert_same_everywhere(Study.objects.get(slug="pl"), monkeypatch, filters=FILTERS[:2]) == len(votes)


def test_the_version_moves_with_every_change_that_moves_the_counted_votes(api, focal):
    versions = [votes_version(focal)]

    def changed() -> None:
        versions.append(votes_version(focal))
        assert versions[-1] != versions[-2]

    assert import_votes(api, lima_votes(5, 2, 3, rater="r1") + lima_votes(4, 4, 4, rater="r2")).status_code == 201
    changed()
    rater = Rater.objects.get(external_id="r2")
    Rater.objects.filter(pk=rater.pk).update(excluded=True)
    changed()
    Rater.objects.filter(pk=rater.pk).update(excluded=False)
    changed()
    Rater.objects.filter(pk=rater.pk).update(group="expert")
    changed()
    gold = api.post("/api/studies/s/gold/", {"prompt_id": "p1", "systems": ["LIMA", "GPT-4"], "expected": "LIMA"})
    assert gold.status_code == 201
    changed()  # the gold pair, and its votes marked gold (an update of the votes)
    Vote.objects.filter(rater=rater).order_by("-id")[:1].get().delete()
    changed()
    rater.delete()
    changed()
    assert votes_version(focal).startswith(f"v2:{Vote.objects.filter(comparison__study=focal).count()}:")


def _plan(query: sql.Composable, planner: dict[str, str]) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # a composed statement (psycopg's sql), as results.columns sends it
        raw.execute(planner_settings(planner))
        raw.execute(sql.SQL("explain (format json) {}").format(query))
        plan = raw.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _vote_reads(plan: dict) -> list[dict]:
    nodes = [plan]
    for node in nodes:
        nodes.extend(node.get("Plans", []))
    return [n for n in nodes if n.get("Relation Name") == Vote._meta.db_table]


PLANNER_DEFAULTS = {"enable_seqscan": "on", "jit": "on"}  # PostgreSQL's defaults, set for the plan alone


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_a_small_study_beside_a_large_one_reads_its_votes_through_the_rater_index(monkeypatch):
    """A small study's raters are not among the rater column's most common values, so PostgreSQL
    estimates their votes many times over and scanned the whole votes table: a small study's
    refresh grew with every other study's votes (a 10k study beside a 1M one: 98-128 ms against
    2.5-3.1 ms through the index). Its votes, and its per-turn votes' turns, are now read through
    the rater index, with the same columns."""
    large, small = (Study.objects.get(pk=study_build(n)) for n in (30_000, 600))  # built, then ANALYZEd
    per_turn = Vote.objects.filter(rater__study=small).order_by("id")[:3]
    Vote.objects.filter(pk__in=[v.pk for v in per_turn]).update(choice="per_turn", turn_choices=["left", "tie"])
    sent: list[tuple] = []
    real = loading.fetch_columns

    def spy(source, columns, extra=None, planner=None):
        sent.append((columns_query(source, columns, extra), columns, planner))
        return real(source, columns, extra, planner)

    monkeypatch.setattr(loading, "fetch_columns", spy)
    loading.study_columns(large)
    assert [planner for _q, columns, planner in sent if columns is loading.VOTE_COLUMNS] == [None]  # most of the table
    sent.clear()
    read = loading.study_columns(small)
    monkeypatch.undo()
    votes_read = [(q, planner) for q, columns, planner in sent if columns is loading.VOTE_COLUMNS]
    turns_read = [(q, planner) for q, columns, planner in sent if columns[0][0] == "vote"]
    assert len(votes_read) == len(turns_read) == 1 and read.turns is not None and read.turns["vote"].size == 6
    # (the votes' read because PostgreSQL expects many times the small study's votes)
    (alone,) = _vote_reads(_plan(votes_read[0][0], PLANNER_DEFAULTS))
    assert alone["Plan Rows"] > 5 * Vote.objects.filter(rater__study=small).count(), alone
    for query, planner in (*votes_read, *turns_read):
        assert planner == loading.RATER_INDEX_PLANNER
        # the setting has the problem: left to the planner, the read scans the whole votes table
        (alone,) = _vote_reads(_plan(query, PLANNER_DEFAULTS))
        assert alone["Node Type"] == "Seq Scan", alone
        # as read: a bitmap of the (rater, comparison) index, never a scan of the table
        (through,) = _vote_reads(_plan(query, planner))
        assert through["Node Type"] == "Bitmap Heap Scan", through
        assert through["Plans"][0]["Index Name"] == "vote_once_per_rater_and_comparison", through
    assert len(read.votes["id"]) == Vote.objects.filter(rater__study=small).count()
    assert_same_everywhere(small, monkeypatch, filters=FILTERS[:1])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_the_votes_table_is_counted_at_its_size_now_not_at_its_last_analyze():
    """The table's rows are estimated as PostgreSQL's planner estimates them: the density its
    statistics saw times its pages now. Statistics taken while the table held little more than
    the small study (ANALYZE lags behind the votes) would count the small study as most of the
    table, and leave its read to the planner, which scans the whole table."""
    _large, small = (Study.objects.get(pk=study_build(n)) for n in (30_000, 600))  # built, then ANALYZEd
    raters = sql.Literal("{" + ",".join(str(pk) for pk in small.raters.values_list("id", flat=True)) + "}")
    assert through_rater_index(raters)
    with connection.cursor() as cursor:  # as ANALYZE left them when the table held a fiftieth of its votes
        cursor.execute(
            "update pg_class set reltuples = reltuples / 50, relpages = greatest(relpages / 50, 1)"
            " where oid = 'raters_vote'::regclass returning reltuples"
        )
        (stale,) = cursor.fetchone()
    assert Vote.objects.filter(rater__study=small).count() > RATER_INDEX_MAX_SHARE * stale  # most of the table, stale
    assert through_rater_index(raters)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="settings are PostgreSQL's")
@pytest.mark.parametrize("outer", [False, True], ids=["alone", "in-a-transaction"])
def test_a_read_with_planner_settings_has_them_for_its_statement_only(outer, transactional_db):
    """A read through the rater index turns the table's scan and JIT compilation off (the
    overestimate grows its cost with the table, and past jit_above_cost PostgreSQL spent 63-68 ms
    compiling a read that ran in 6 ms); the session's settings are back after it."""
    source = sql.SQL("from generate_series(1, 3) g")
    settings = sql.SQL("current_setting('enable_seqscan'), current_setting('jit')")
    with connection.cursor() as cursor:
        cursor.execute("select current_setting('enable_seqscan'), current_setting('jit')")
        default = cursor.fetchone()
    planner = {"enable_seqscan": "off", "jit": "off"}
    with transaction.atomic() if outer else nullcontext():  # a caller's transaction keeps a SET LOCAL
        cols, during = fetch_columns(source, [("g", "g", "int8")], extra=settings, planner=planner)
        assert during == ("off", "off") != tuple(default) and list(cols["g"]) == [1, 2, 3]
        assert fetch_columns(source, [("g", "g", "int8")], extra=settings)[1] == tuple(default)
