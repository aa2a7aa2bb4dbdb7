"""The votes export (GET /api/studies/{slug}/votes.csv and votes.jsonl; results.export) at 10k
and 1M votes, on the results bench's LIMA-shaped studies (bench/results_data.py, all sizes built
before the first is measured, so that each is read beside the others), one core.

For each size, wall time, this process's CPU and its PostgreSQL backend's (read from /proc:
the database runs on this machine), medians of --repeat runs, alternating:
- `csv` and `jsonl`: the export as served (a binary COPY of one query, results.export), every
  chunk the response would send, joined and counted;
- `csv_orm`: the same CSV from the ORM's rows (`.iterator()`'s server-side cursor over the same
  columns: the export's read before 2026-12-01, and the SQLite first run's path today);
and the anchor in the same run on the same votes: `anchor_copy_csv`, PostgreSQL writing the same
columns' CSV itself (`COPY (query) TO STDOUT (FORMAT csv)`, read by psycopg in blocks), with no
Python per row. The ratio printed is the export's wall time over the anchor's.

    .venv/bin/python bench/export.py [--sizes 10000 1000000] [--repeat 2]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/lima_bench).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import machine, setup_django  # noqa: E402
from bench.results import timed  # noqa: E402  (wall, CPU and the PostgreSQL backend's CPU)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    setup_django()
    print(machine(), f"load at start {os.getloadavg()}", flush=True)
    from django.db import connection, transaction
    from psycopg import sql

    from bench.results_data import study_build, votes_vacuum
    from comparisons.models import Study
    from results import export
    from results.planner import planner_applied

    def served(lines: Callable[[], Iterator[str]]) -> int:
        return sum(len(chunk) for chunk in lines())

    def record(sent: dict[str, int], name: str, fn: Callable[[], int]) -> None:
        sent[name] = fn()

    def orm_csv(study: Study) -> int:
        real = export._copy_rows
        export._copy_rows = export._orm_rows  # type: ignore[assignment]
        try:
            return served(partial(export.csv_lines, study))
        finally:
            export._copy_rows = real  # type: ignore[assignment]

    def anchor(study: Study) -> int:
        query, planner = export.copy_query(study)
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            csv_out = sql.SQL("copy ({}) to stdout (format csv)").format(query)
            with planner_applied(raw, planner), raw.copy(csv_out) as copy:
                return sum(len(block) for block in copy)

    ids = {n: study_build(n) for n in args.sizes}
    votes_vacuum()
    for n in args.sizes:
        study = Study.objects.get(pk=ids[n])
        runs: dict[str, Callable[[], int]] = {
            "csv": partial(served, partial(export.csv_lines, study)),
            "jsonl": partial(served, partial(export.jsonl_lines, study)),
            "csv_orm": partial(orm_csv, study),
            "anchor_copy_csv": partial(anchor, study),
        }
        anchor(study)  # the study's pages read once before the clock
        times: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
        sent: dict[str, int] = {}
        for _ in range(args.repeat):  # alternating
            for name, fn in runs.items():
                times[name].append(timed(partial(record, sent, name, fn), 1))
        med = {name: {k: statistics.median(t[k] for t in ts) for k in ts[0]} for name, ts in times.items()}
        print(f"\n{n:,} votes")
        for name, r in med.items():
            ratio = r["wall"] / med["anchor_copy_csv"]["wall"]
            print(
                f"  {name:16s} wall {r['wall']:.3f} s cpu {r['cpu']:.3f} s + PostgreSQL {r['server_cpu']:.3f} s"
                f"  ({sent[name] / 1e6:.1f} MB, load {r['load']:.1f})"
                + (f"  {ratio:.1f}x the anchor's wall" if name != "anchor_copy_csv" else ""),
                flush=True,
            )


if __name__ == "__main__":
    main()
