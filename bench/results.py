"""Results and dashboard benchmark at 10k, 100k and 1M votes (LIMA-shaped studies built in
PostgreSQL by bench/results_data.py: prompts x 5 baselines x 3 votes, 200 raters; 1M votes
are 66,667 prompts), one core for numpy (BLAS/OpenMP pools of one thread).

For each size, wall time, CPU time (this process's, and its PostgreSQL backend's read from
/proc: the database runs on this machine) and the load average of:
- refresh: `results_refresh` (the Celery task's body), from PostgreSQL to the stored snapshot
  and dashboard digest, in a fresh process (no columns kept): in full (`refresh_full`: every part
  resampled) and with the resampled parts kept from the stored results (`refresh_counted`: what
  the worker does between their own refreshes on a study above 100,000 votes); and after 1,000 new
  votes, as the worker does it (columns kept from the refresh before, only the new votes read;
  `refresh_counted_after_1000`) and in full (`refresh_full_after_1000`);
- the parts of a refresh: reading the columns (results.loading.study_columns) and computing;
- dashboard: the study page's server time (Django's test client in this process, logged in,
  snapshot fresh), and the results API (GET /api/studies/{slug}/results/, snapshot fresh);
and, once, what the vote counters' trigger adds to a single-row vote INSERT; and the anchors
measured in the same run on the same votes:
- PostgreSQL executing the old row path's vote query alone (EXPLAIN ANALYZE, server time);
- psycopg's binary COPY of the same columns straight into numpy (a row at a time, as psycopg
  hands them over), and of the raw votes table's columns the new path reads.

    .venv/bin/python bench/results.py [--sizes 10000 100000 1000000] [--repeat 2] [--pages-only]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/lima_bench); the studies
are built once and kept (the 1M study takes a few minutes), all of them before the first is
measured, so that each size is read beside the others."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import machine, setup_django  # noqa: E402

# numpy is imported inside the functions, after these (one core for its thread pools)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")  # Django's test client's host
os.environ.setdefault("CONN_MAX_AGE", "600")  # one PostgreSQL backend, whose CPU time is read


def backend_cpu() -> float:
    """CPU seconds used so far by this process's PostgreSQL backend (same machine: /proc)."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    """Median wall time, this process's CPU and its PostgreSQL backend's CPU (one connection
    kept: CONN_MAX_AGE), and the 1-minute load average."""
    walls, cpus, server = [], [], []
    for _ in range(repeat):
        s = backend_cpu()
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        server.append(backend_cpu() - s)
    return {
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "server_cpu": statistics.median(server),
        "load": os.getloadavg()[0],
    }


def copy_rows_anchor(study_id: int) -> None:
    """The old path's columns through psycopg's binary COPY, into numpy (a row at a time)."""
    import numpy as np
    from django.db import connection

    query = f"""copy (select v.comparison_id, c.prompt_id, v.rater_id, l.system_id, r.system_id,
                  coalesce(v.winner_id, 0), l.length, r.length
               from raters_vote v join comparisons_comparison c on c.id = v.comparison_id
               join comparisons_response l on l.id = v.shown_left_id
               join comparisons_response r on r.id = v.shown_right_id
               join raters_rater rt on rt.id = v.rater_id
               where c.study_id = {int(study_id)} and not v.is_gold and not rt.excluded
               order by v.id) to stdout (format binary)"""
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        copy.set_types(["int8", "int8", "int8", "int8", "int8", "int8", "int4", "int4"])
        rows = list(copy.rows())
    np.array(rows, dtype=np.int64)


def old_query_server_ms(study: Any) -> float:
    """PostgreSQL's own time for the row path's vote query (EXPLAIN ANALYZE, no transfer)."""
    from django.db import connection

    from results.selectors import vote_rows_query

    qs = vote_rows_query(study)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("explain (analyze, format json) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else plan
    return float(plan["Execution Time"])


def trigger_cost(study_id: int, n: int = 2_000) -> dict[str, float]:
    """Milliseconds per single-row vote INSERT (autocommit off, one transaction rolled back) with
    the vote counters' trigger (results/0002) and with it disabled, alternating three times."""
    from django.db import connection, transaction

    comparisons = list(
        connection.cursor()
        .execute(
            "select id, left_response_id, right_response_id from comparisons_comparison where study_id = %s "
            "order by id limit %s",
            [study_id, n],
        )
        .fetchall()
    )
    out: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(3):
        for kind in ("with", "without"):
            with transaction.atomic(), connection.cursor() as cursor:
                if kind == "without":
                    cursor.execute("alter table raters_vote disable trigger results_vote_count_insert")
                cursor.execute(
                    'insert into raters_rater (external_id, source, "group", prolific_study_id, prolific_session_id,'
                    " excluded, excluded_reason, created_at, study_id, key) values ('bench-trigger', 'imported',"
                    " 'crowd', '', '', false, '', now(), %s, md5(random()::text)) returning id",
                    [study_id],
                )
                rater = cursor.fetchone()[0]
                start = time.perf_counter()
                for c, left, right in comparisons:
                    cursor.execute(
                        "insert into raters_vote (choice, seconds, rationale, is_gold, imported, simulated, created_at,"
                        " comparison_id, rater_id, shown_left_id, shown_right_id, winner_id)"
                        " values ('tie', 10, '', false, false, false, now(), %s, %s, %s, %s, null)",
                        [c, rater, left, right],
                    )
                out[kind].append((time.perf_counter() - start) / len(comparisons) * 1000)
                transaction.set_rollback(True)
    return {k: statistics.median(v) for k, v in out.items()}


def bench_size(n_votes: int, repeat: int, pages_only: bool = False) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.test import APIClient

    from bench.results_data import new_votes_remove, study_build, votes_vacuum
    from comparisons.models import Study
    from results import kept_columns
    from results.compute import compute_results  # noqa: F401  (numpy and scipy loaded before the clock)
    from results.loading import study_columns
    from results.params import Params
    from results.selectors import VoteFilter
    from results.services import results_compute, results_refresh

    study_id = study_build(n_votes)
    study = Study.objects.select_related("focal_system").get(pk=study_id)
    out: dict[str, Any] = {"votes": n_votes}
    if not pages_only:
        new_votes_remove(study_id)
        votes_vacuum()
        results_refresh(study_id=study_id, resample=True)  # warm: imports, the plan cache, a stored snapshot

        def cold(resample: bool) -> Callable[[], Any]:
            def run() -> None:
                kept_columns.kept_studies.clear()  # a fresh process: everything read from PostgreSQL
                results_refresh(study_id=study_id, resample=resample)

            return run

        out["refresh_full"] = timed(cold(True), repeat)
        out["refresh_counted"] = timed(cold(False), repeat)
        columns = study_columns(study)
        out["read_columns"] = timed(lambda: study_columns(study), repeat)
        params = Params(seed=study.seed)
        out["compute"] = timed(
            lambda: results_compute(study=study, params=params, filters=VoteFilter(), columns=columns), repeat
        )
        out.update(after_new_votes(study_id, repeat))
        votes_vacuum()  # (the votes added and removed since: before the anchors' reads)
    from django.contrib.auth.models import Group

    from comparisons.permissions import RESEARCHERS_GROUP

    owner = get_user_model().objects.get(username="bench")
    owner.groups.add(Group.objects.get_or_create(name=RESEARCHERS_GROUP)[0])
    web = Client()
    web.force_login(owner)
    api = APIClient()
    api.force_authenticate(owner)
    page, results = f"/dashboard/s/{study.slug}/", f"/api/studies/{study.slug}/results/"
    assert web.get(page).status_code == 200 and api.get(results).status_code == 200
    out["dashboard"] = timed(lambda: web.get(page), max(repeat, 5))
    out["progress_panel"] = timed(lambda: web.get(f"/dashboard/s/{study.slug}/progress/"), max(repeat, 5))
    out["results_api"] = timed(lambda: api.get(results), max(repeat, 5))
    if pages_only:
        return out
    executed: list[float] = []
    out["anchor_old_query"] = timed(lambda: executed.append(old_query_server_ms(study) / 1000), 1)
    out["anchor_old_query"]["executed"] = executed[0]
    out["anchor_copy_rows_numpy"] = timed(lambda: copy_rows_anchor(study_id), 1)
    return out


def after_new_votes(study_id: int, repeat: int) -> dict[str, dict[str, float]]:
    """A refresh after 1,000 new votes: as the worker does it (the study's columns kept from the
    refresh before, the resampled parts kept: `refresh_counted_after_1000`) and in full from
    PostgreSQL (`refresh_full_after_1000`, what every refresh cost before issue 13's tiers)."""
    from bench.results_data import new_votes_add, new_votes_remove
    from results import kept_columns
    from results.services import results_refresh

    out: dict[str, list[dict[str, float]]] = {"refresh_counted_after_1000": [], "refresh_full_after_1000": []}
    for _ in range(repeat):
        for name, resample in (("refresh_counted_after_1000", False), ("refresh_full_after_1000", True)):
            new_votes_remove(study_id)
            kept_columns.kept_studies.clear()
            results_refresh(study_id=study_id, resample=True)  # the refresh before: columns kept
            new_votes_add(study_id, 1_000)
            if resample:
                kept_columns.kept_studies.clear()
            out[name].append(timed(partial(results_refresh, study_id=study_id, resample=resample), 1))
    new_votes_remove(study_id)
    results_refresh(study_id=study_id, resample=True)
    return {name: {key: statistics.median(run[key] for run in runs) for key in runs[0]} for name, runs in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--pages-only", action="store_true", help="the dashboard and the API only (snapshots kept)")
    args = parser.parse_args()
    setup_django()
    print(machine(), f"load at start {os.getloadavg()}", flush=True)
    from bench.results_data import study_build

    # every study built before the first is measured: each size is read beside the others, as
    # in a lab's database of many studies (a 10k study measured before the 1M one existed read
    # in 8 ms what it read in 103 ms beside it, before session 11: docs/benchmarks.md)
    for n in args.sizes:
        study_build(n)
    cost = trigger_cost(study_build(min(args.sizes)))
    print(
        f"a single-row vote INSERT: {cost['with']:.3f} ms with the vote counters' trigger, "
        f"{cost['without']:.3f} ms without (load {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    for n in args.sizes:
        r = bench_size(n, args.repeat, args.pages_only)
        print(f"\n{n:,} votes")
        for k, v in r.items():
            if isinstance(v, dict):
                cpu = f" cpu {v['cpu']:.3f} s + PostgreSQL {v['server_cpu']:.3f} s" if "cpu" in v else ""
                run = f" (executed in {v['executed']:.3f} s)" if "executed" in v else ""
                print(f"  {k:26s} wall {v['wall']:.3f} s{cpu}{run}  (load {v['load']:.1f})", flush=True)


if __name__ == "__main__":
    main()
