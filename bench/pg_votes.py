"""How many votes per second one PostgreSQL primary sustains (issue 13 item 6).

    .venv/bin/python -m bench.pg_votes [--prompts 20000] [--seconds 20] [--clients 4 8 16]

A vote costs the database one rater cycle: one POST of /r/{slug}/vote/ records the vote and
hands out the next pair (raters/services/cycle.py): the rater and study lookup, then one
transaction that locks the rater, locks the token's lease counting the rater's pairs, inserts
the vote marking its lease voted, scans the candidates, locks one with SKIP LOCKED, counts its
exact fill writing the hint, inserts the next lease returning the pair's texts, and commits
durably: 10 statements, 1 commit. `bench/pg_votes.sql` is that cycle's SQL as Django issues
it, transcribed from `CaptureQueriesContext` around a real POST (this bench captures a real GET
and POST again on every run and writes them next to its results, so a change to the rater path
shows up as a difference) with the literals turned into pgbench variables: one pgbench
transaction = one vote. Each rater's first pair is leased before the clock by the app itself
(`assignment_next`, as the first GET does), and each cycle votes on the lease its rater's
previous cycle inserted; each run has raters of its own. No web server is involved: this is
the ceiling the database sets, with pgbench's clients in place of gunicorn workers. After the
runs the bench checks that each rater's chain of leases held and that no comparison got more
votes and live leases than its cap.

The anchor, in the same run on the same server: pgbench's built-in TPC-B-like transaction
(scale 10). Results go to bench/results/pg_votes-*.json; record them in docs/benchmarks.md."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_suffix(".sql")
DB = os.environ.get("PG_VOTES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lima_pg_votes")
SLUG = "pg-votes"
PER_CLIENT = 100  # raters per pgbench client, used in turn (a rater does quota-sized work, not thousands)


def psql_url(url: str) -> dict[str, str]:
    m = re.match(
        r"postgres(?:ql)?://(?P<user>[^:@/]+)(?::(?P<pw>[^@]*))?@(?P<host>[^:/]+)(?::(?P<port>\d+))?/(?P<db>.+)", url
    )
    assert m, url
    return {"user": m["user"], "host": m["host"], "port": m["port"] or "5432", "db": m["db"], "pw": m["pw"] or ""}


def pgbench(url: str, args: list[str]) -> str:
    p = psql_url(url)
    env = {**os.environ, "PGPASSWORD": p["pw"]} if p["pw"] else dict(os.environ)
    cmd = ["pgbench", "-h", p["host"], "-p", p["port"], "-U", p["user"], *args, p["db"]]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pgbench failed: {result.stderr[-2000:]}")
    return result.stdout


def tps(output: str) -> float:
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    assert m, output
    return float(m.group(1))


def latency_ms(output: str) -> float:
    m = re.search(r"latency average = ([\d.]+) ms", output)
    return float(m.group(1)) if m else float("nan")


def prepare(prompts: int, raters_count: int) -> dict[str, int]:
    """A fresh database (from the drill's migrated template), an open focal study of `prompts`
    prompts against two baselines, its comparisons and coverage rows, and `raters_count`
    consented raters (ids base+1 .. base+raters_count), each with the key the script derives
    from its id."""
    from bench.drill import recreate_database, setup_django

    recreate_database(DB, {**os.environ, "SECRET_KEY": "x" * 50})
    setup_django(DB)
    from django.contrib.auth import get_user_model
    from django.db.models import CharField, Value
    from django.db.models.functions import MD5, Cast, Concat, Left
    from django.utils import timezone

    from comparisons.ingest.rows import validate_rows
    from comparisons.models import Study
    from comparisons.services import comparisons_build, outputs_upload, study_create
    from raters.models import Rater
    from raters.services import rater_settings_update
    from raters.services.coverage import coverage_sync

    owner = get_user_model().objects.create(username="pg-votes")
    study = study_create(
        owner=owner,
        name="pg votes",
        slug=SLUG,
        design="focal",
        focal_system="pgv-focal",
        baselines=["pgv-a", "pgv-b"],
        votes_per_comparison=3,
    )
    raw = [
        {"prompt_id": f"p{i}", "prompt": f"Question {i}?", "system": s, "response": f"An answer by {s} to {i}."}
        for i in range(prompts)
        for s in ("pgv-focal", "pgv-a", "pgv-b")
    ]
    rows, errors = validate_rows(list(enumerate(raw, start=1)), max_text_chars=10**6)
    assert not errors, errors[:3]
    outputs_upload(study=study, rows=rows)
    comparisons_build(study_id=study.pk)
    Study.objects.filter(pk=study.pk).update(status=Study.Status.OPEN, opened_at=timezone.now())
    rater_settings_update(study=study, quota=10**6)
    coverage_sync(study_id=study.pk, force=True)
    now = timezone.now()
    raters = Rater.objects.bulk_create(
        [
            Rater(study=study, external_id=f"pgv{i}", source=Rater.Source.PROLIFIC, consented_at=now)
            for i in range(raters_count)
        ]
    )
    ids = sorted(r.pk for r in raters)
    assert ids == list(range(ids[0], ids[0] + len(ids))), "rater ids are consecutive"
    # The key of a rater's cookie, derived as bench/pg_votes.sql derives it (24 characters, as the app's)
    Rater.objects.filter(pk__in=ids).update(key=Left(MD5(Concat(Value("pgv-key-"), Cast("id", CharField()))), 24))
    return {"study": study.pk, "rater_base": ids[0] - 1}


def seed_leases(study_id: int, first: int, last: int) -> None:
    """Each rater first..last's first pair, leased by the app as the first GET of the voting
    page leases it, its token then made the one bench/pg_votes.sql derives for visit 0."""
    from django.db.models import CharField, Value
    from django.db.models.functions import MD5, Cast, Concat

    from comparisons.models import Study
    from raters.models import Assignment, Rater
    from raters.services import assignment_next

    study = Study.objects.select_related("rater_settings").get(pk=study_id)
    for rater in Rater.objects.filter(pk__range=(first, last)).order_by("pk"):
        nxt = assignment_next(rater=rater, study=study)
        assert nxt.state == "assigned", (rater.pk, nxt.state)
    seeded = Assignment.objects.filter(rater__pk__range=(first, last), state=Assignment.State.PENDING).update(
        token=MD5(Concat(Value("pgv-"), Cast("rater_id", CharField()), Value("-0")))
    )
    assert seeded == last - first + 1, (seeded, first, last)


def check(study_id: int, blocks: list[tuple[int, int]]) -> dict[str, int]:
    """What must hold after the runs: each bench rater has exactly one pending lease (its chain
    of cycles never broke), every vote marked its lease voted, and no comparison holds more
    votes and live leases than its cap (the script leases without checking the exact fill)."""
    import psycopg

    with psycopg.connect(DB) as conn:
        broken = 0
        for first, last in blocks:
            row = conn.execute(
                "select count(*) from (select r.id from raters_rater r left join raters_assignment a"
                " on a.rater_id = r.id and a.state = 'pending' where r.id between %s and %s"
                " group by r.id having count(a.id) <> 1) x",
                (first, last),
            ).fetchone()
            broken += int(row[0]) if row else 0
        unmarked = conn.execute(
            "select count(*) from raters_vote v join raters_assignment a on a.id = v.assignment_id"
            " where a.state <> 'voted'"
        ).fetchone()
        over = conn.execute(
            "select count(*) from (select c.id from comparisons_comparison c"
            " left join raters_vote v on v.comparison_id = c.id"
            " where c.study_id = %s group by c.id having count(v.id) + (select count(*) from raters_assignment a"
            " where a.comparison_id = c.id and a.state = 'pending' and a.expires_at > now()) > 3) x",
            (study_id,),
        ).fetchone()
    found = {
        "raters_without_one_pending_lease": broken,
        "votes_on_leases_not_voted": int(unmarked[0]) if unmarked else 0,
        "comparisons_over_cap": int(over[0]) if over else 0,
    }
    return found


def capture_cycle() -> list[str]:
    """The SQL of one real GET and POST of /r/{slug}/vote/ (Django's test client, this database):
    the GET leases a new rater's first pair (done before the clock in the bench), the POST is
    one vote cycle (bench/pg_votes.sql)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(f"/r/{SLUG}/?PROLIFIC_PID=capture")
    client.post(f"/r/{SLUG}/instructions/", {"consent": "yes"})
    with CaptureQueriesContext(connection) as get:
        page = client.get(f"/r/{SLUG}/vote/").content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    with CaptureQueriesContext(connection) as post:
        client.post(f"/r/{SLUG}/vote/", {"token": token, "choice": "tie"})
    return (
        ["-- GET: a new rater's first pair (seeded before the clock)"]
        + [q["sql"] for q in get.captured_queries]
        + ["-- POST: one vote cycle (bench/pg_votes.sql)"]
        + [q["sql"] for q in post.captured_queries]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, nargs="+", default=[4, 8, 16])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.common import machine

    os.environ["ALLOWED_HOSTS"] = "testserver"  # the capture's test client
    os.environ["LIMA_RATER_ENTRIES_PER_ADDRESS"] = "0"
    t = time.time()
    ids = prepare(args.prompts, sum(args.clients) * PER_CLIENT)  # each run has raters of its own
    print(f"prepared {args.prompts} prompts ({2 * args.prompts} comparisons) in {time.time() - t:.0f} s", flush=True)
    captured = capture_cycle()
    from django.db import connection

    connection.close()
    anchor_db = DB + "_tpcb"
    from bench.drill import _admin

    name = anchor_db.rsplit("/", 1)[1]
    with _admin(anchor_db) as conn:
        conn.execute(f'drop database if exists "{name}"')
        conn.execute(f'create database "{name}"')
    pgbench(anchor_db, ["-i", "-q", "-s", "10"])
    runs = []
    blocks = []
    base = ids["rater_base"]
    for clients in args.clients:
        common = ["-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(args.seconds)]
        blocks.append((base + 1, base + clients * PER_CLIENT))
        seed_leases(ids["study"], *blocks[-1])  # the first GET of each rater, before the clock
        connection.close()
        vacuum(DB)  # what autovacuum does within a minute with raters 0007's settings (it may be off here)
        anchor = pgbench(anchor_db, [*common, "-b", "tpcb-like"])
        votes = pgbench(
            DB,
            [
                *common,
                "-f",
                str(SCRIPT),
                "-D",
                f"study={ids['study']}",
                "-D",
                f"rater_base={base}",
                "-D",
                f"per_client={PER_CLIENT}",
                "-D",
                "cycle=0",
            ],
        )
        base += clients * PER_CLIENT
        run = {
            "clients": clients,
            "votes_per_second": tps(votes),
            "vote_cycle_latency_ms": latency_ms(votes),
            "tpcb_tps": tps(anchor),
            "ratio_to_tpcb": round(tps(votes) / tps(anchor), 3),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
        runs.append(run)
        print(
            f"{clients:3d} clients: {run['votes_per_second']:8.0f} votes/s "
            f"(cycle {run['vote_cycle_latency_ms']:.1f} ms), "
            f"TPC-B-like {run['tpcb_tps']:8.0f} tps, ratio {run['ratio_to_tpcb']:.2f}, load {run['load_average']}",
            flush=True,
        )
    setup_votes = _count_votes()
    invariants = check(ids["study"], blocks)
    print(f"checks (all must be 0): {invariants}", flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"pg_votes-{stamp}.captured.sql").write_text(";\n\n".join(captured) + ";\n")
    (out / f"pg_votes-{stamp}.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "prompts": args.prompts,
                "runs": runs,
                "votes_in_db": setup_votes,
                "checks": invariants,
            },
            indent=2,
        )
    )
    print(f"machine: {machine()}; {setup_votes} votes written; captured SQL in {out}/pg_votes-{stamp}.captured.sql")
    if any(invariants.values()):
        raise SystemExit(f"a check failed: {invariants}")


def vacuum(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE raters_coverage, raters_assignment, raters_vote")
        autovacuum = conn.execute("SHOW autovacuum").fetchone()
    if autovacuum and autovacuum[0] != "on":
        print("  (autovacuum is off on this server: the bench vacuums before each run)", flush=True)


def _count_votes() -> int:
    import psycopg

    with psycopg.connect(DB) as conn:
        row = conn.execute("select count(*) from raters_vote").fetchone()
        return int(row[0]) if row else 0


if __name__ == "__main__":
    main()
