"""Voting benchmark: 50 simulated raters run the rater path (GET /r/{slug}/vote/, POST the
vote, and on to the next pair) against gunicorn and PostgreSQL, against a bare Django view
(/healthz/: one SELECT 1) on the same server in the same run.
Goal: rater-path requests at least 40% of the bare view's throughput, p95 at most 3x its p95;
the vote cycles per second are reported beside (a cycle is one POST when the POST answers with
the next pair).

    .venv/bin/python bench/voting.py [--raters 50] [--seconds 10] [--rounds 3] [--workers 3]

Load comes from `wrk` (a C load generator, Debian package wrk), a separate process, in both
phases, with one thread per connection and the same Lua script (bench/voting.lua); the bench
reports the CPU wrk used beside the CPU of gunicorn and of its PostgreSQL backends, so that
one can see the generator is not the bottleneck. The phases alternate for `--rounds` rounds;
each phase's requests are pooled over its rounds. Raters enter (Prolific parameters, consent)
and vote for 3 s before the clock starts (a warm-up, after which the tables a vote cycle
updates are analysed); votes are counted in the database. Results also go to
bench/results/voting-*.json."""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import BENCH_DB, ROOT, machine, setup_django  # noqa: E402

TOKEN = re.compile(r'name="token" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    if match is None:
        raise RuntimeError(f"no CSRF token on the page: {page[:300]!r}")
    return match.group(1)


SLUG = "bench-voting"


def make_study(prompts: int, votes_per_comparison: int, quota: int) -> None:
    from django.contrib.auth import get_user_model

    from comparisons.ingest.rows import validate_rows
    from comparisons.models import Study
    from comparisons.services import comparisons_build, outputs_upload, study_create
    from raters.services import rater_settings_update, render_ahead

    Study.objects.filter(slug=SLUG).delete()
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    study = study_create(
        owner=owner,
        name="Voting bench",
        slug=SLUG,
        design="focal",
        focal_system="bench-focal",
        baselines=["bench-a", "bench-b"],
        votes_per_comparison=votes_per_comparison,
    )
    answer = "A fairly ordinary answer with a list:\n\n1. one point\n2. another point\n\n```\ncode()\n```\n" * 3
    raw = [
        {
            "prompt_id": f"p{i}",
            "prompt": f"Question {i}: how would you explain topic {i}?",
            "system": s,
            "response": f"{answer} ({s[-1]}{i})",
        }
        for i in range(prompts)
        for s in ("bench-focal", "bench-a", "bench-b")
    ]
    rows, errors = validate_rows(list(enumerate(raw, start=1)), max_text_chars=10**6)
    assert not errors, errors[:3]
    outputs_upload(study=study, rows=rows)
    comparisons_build(study_id=study.pk)
    Study.objects.filter(pk=study.pk).update(status=Study.Status.OPEN)
    rater_settings_update(study=study, quota=quota)
    render_ahead(limit=10**6)  # as the beat task raters.render_ahead does within 30 s of opening
    vacuum()


def vacuum(*tables: str) -> float:
    """VACUUM ANALYZE (the whole database, or `tables`) outside the clock; the seconds it took.
    Before the clock, so that autovacuum does not clean up after the previous run's study
    (deleted above) in the middle of this one; between phases, the tables each vote cycle
    updates, as autovacuum would (migration raters 0007 asks for it after every 1,000
    updates of Coverage) on a server where it is on (it is off on the development server)."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(BENCH_DB, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {', '.join(tables)}" if tables else "VACUUM ANALYZE")
    return time.perf_counter() - started


CYCLE_TABLES = ("raters_coverage", "raters_assignment", "raters_rater")


SAMPLE = 0.2  # seconds between samples of the PostgreSQL backends' CPU during a phase


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": BENCH_DB,
        "DEBUG": "False",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    env["LIMA_RATER_ENTRIES_PER_ADDRESS"] = "0"  # every simulated rater comes from 127.0.0.1
    env["STATIC_ROOT"] = str(ROOT / "bench" / "results" / "static")  # as in production: collected, hashed
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "lima_eval.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 120  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz/", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(master: int) -> list[int]:
    """gunicorn's master and its workers."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return [master, *children]


def backend_pids(conn: Any = None) -> list[int]:
    """The PostgreSQL backends serving the benchmark database (gunicorn's connections), asked
    on `conn` (psycopg's, kept by a caller that asks often: no new backend started per sample)
    or on a connection of its own."""
    import psycopg

    if conn is None:
        with psycopg.connect(BENCH_DB, autocommit=True) as own:
            return backend_pids(own)
    name = BENCH_DB.rsplit("/", 1)[1]
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
    ).fetchall()
    return [int(r[0]) for r in rows]


def stored_votes() -> int:
    import psycopg

    with psycopg.connect(BENCH_DB, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM raters_vote v JOIN comparisons_comparison c ON c.id = v.comparison_id"
            " JOIN comparisons_study s ON s.id = c.study_id WHERE s.slug = %s",
            (SLUG,),
        ).fetchone()
    return int(row[0]) if row else 0


def enter(base: str, raters: int) -> list[str]:
    """The raters arrive with Prolific parameters and consent before any clock starts; each
    one's cookies (the rater's signed cookie, the CSRF cookie) as a Cookie header. The server
    runs with DEBUG=False, so its cookies are Secure; over plain http a cookie jar would drop
    them, so they are kept here by hand."""
    headers = []
    stamp = int(time.time())
    for i in range(raters):
        cookies: dict[str, str] = {}
        with httpx.Client(base_url=base, timeout=60) as http:

            def call(method: str, url: str, cookies: dict[str, str] = cookies, http=http, **kw) -> httpx.Response:
                sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
                response = http.request(method, url, headers=sent, **kw)
                for header in response.headers.get_list("set-cookie"):
                    name, _, rest = header.partition("=")
                    cookies[name.strip()] = rest.split(";", 1)[0]
                return response

            call("GET", f"/r/{SLUG}/", params={"PROLIFIC_PID": f"bench{i:04d}{stamp}"})
            page = call("GET", f"/r/{SLUG}/instructions/").text
            call("POST", f"/r/{SLUG}/instructions/", data={"consent": "yes", "csrfmiddlewaretoken": csrf_of(page)})
            if call("GET", f"/r/{SLUG}/vote/").status_code != 200:
                raise RuntimeError("a simulated rater got no pair")
        headers.append("; ".join(f"{k}={v}" for k, v in cookies.items()))
    return headers


def run_wrk(url: str, clients: int, seconds: float, cookies: Path | None, master: int) -> dict:
    """One phase: wrk with one thread per connection (so that the Lua script's per-thread state
    is one rater's), and the CPU seconds of wrk, gunicorn and its PostgreSQL backends."""
    import psycopg

    env = {**os.environ, "LIMA_BENCH_SLUG": SLUG}
    env.pop("LIMA_BENCH_COOKIES", None)
    if cookies is not None:
        env["LIMA_BENCH_COOKIES"] = str(cookies)
    pids, backends = server_pids(master), backend_pids()
    cpu_server = sum(cpu_seconds(p) for p in pids)
    cpu_db = {p: cpu_seconds(p) for p in backends}
    votes_before = stored_votes()
    load_before = os.getloadavg()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = ["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{seconds:.0f}s", "--timeout", "30s"]
    cmd += ["-s", str(ROOT / "bench" / "voting.lua"), url]
    wall = time.perf_counter()
    # Django closes a connection past CONN_MAX_AGE and its backend ends with its CPU: the
    # backends are sampled while wrk runs, so one that ends is counted to its last sample
    # (at most SAMPLE seconds of its CPU lost) instead of not at all.
    seen: dict[int, float] = {}
    with (
        psycopg.connect(BENCH_DB, autocommit=True) as sampling,
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc,
    ):
        while proc.poll() is None:
            for p in backend_pids(sampling):
                seen[p] = max(seen.get(p, 0.0), cpu_seconds(p))
            time.sleep(SAMPLE)
        out, err = proc.communicate()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd, out, err)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    elapsed = result["duration_us"] / 1e6
    server = sum(cpu_seconds(p) for p in pids) - cpu_server
    # A backend whose connection Django closed during the phase (CONN_MAX_AGE) counts to its
    # last sample (reported as backends_gone); one started during the phase counts from 0.
    ended = [p for p in set(backends) | set(seen) if not Path(f"/proc/{p}").exists()]
    for p in backend_pids():
        seen[p] = max(seen.get(p, 0.0), cpu_seconds(p))
    db = sum(max(0.0, seen.get(p, 0.0) - cpu_db.get(p, 0.0)) for p in set(backends) | set(seen))
    wrk_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    requests = result["requests"]
    return result | {
        "per_second": requests / elapsed,
        "errors": sum(result[k] for k in result if k.startswith("errors_")),
        "elapsed": elapsed,
        "wall_s": wall,
        "votes": stored_votes() - votes_before,
        "cpu_server_s": server,
        "cpu_db_s": db,
        "backends_gone": len(ended),
        "cpu_wrk_s": wrk_cpu,
        "cpu_ms_per_request": 1000 * (server + db) / max(1, requests),
        "wrk_cores": wrk_cpu / elapsed,
        "server_db_cores": (server + db) / elapsed,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


def pooled(runs: list[dict]) -> dict:
    """A phase over its rounds: requests and seconds summed; latencies as the median of the
    rounds' percentiles (wrk reports percentiles, not the samples)."""
    elapsed = sum(r["elapsed"] for r in runs)
    requests = sum(r["requests"] for r in runs)
    cpu = sum(r["cpu_server_s"] + r["cpu_db_s"] for r in runs)
    return {
        "requests": requests,
        "errors": sum(r["errors"] for r in runs),
        "per_second": requests / elapsed,
        "votes": sum(r["votes"] for r in runs),
        "votes_per_second": sum(r["votes"] for r in runs) / elapsed,
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p95_ms": statistics.median(r["p95_ms"] for r in runs),
        "cpu_ms_per_request": 1000 * cpu / max(1, requests),
        "wrk_cores": sum(r["cpu_wrk_s"] for r in runs) / elapsed,
        "server_db_cores": cpu / elapsed,
    }


def check_invariants(votes_per_comparison: int) -> dict:
    from django.db.models import Count

    from raters.models import Assignment, Vote

    per = Vote.objects.filter(comparison__study__slug=SLUG).values("comparison").annotate(n=Count("id"))
    pending = (
        Assignment.objects.filter(rater__study__slug=SLUG, state="pending").values("rater").annotate(n=Count("id"))
    )
    return {
        "max_votes_on_a_comparison": max((p["n"] for p in per), default=0),
        "cap": votes_per_comparison,
        "raters_with_two_pending": sum(1 for p in pending if p["n"] > 1),
        "stored_votes": Vote.objects.filter(comparison__study__slug=SLUG).count(),
    }


def main() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raters", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3, help="as docker-compose.yml runs gunicorn")
    parser.add_argument("--prompts", type=int, default=2000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (./run bench-deps installs it)")
    setup_django()
    make_study(args.prompts, votes_per_comparison=5, quota=100_000)
    port = free_port()
    wall, cpu = time.perf_counter(), time.process_time()
    server = start_gunicorn(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    bares, votings = [], []
    try:
        run_wrk(f"{base}/healthz/", args.raters, 2, None, server.pid)  # warm up every worker
        cookies = ROOT / "bench" / "results" / "voting-cookies.txt"
        cookies.parent.mkdir(parents=True, exist_ok=True)
        cookies.write_text("\n".join(enter(base, args.raters)) + "\n")
        # A voting warm-up off the clock, then the cycle's tables analysed, as autovacuum would
        # have done by then on a server where it is on: analysed while the study's leases were
        # few, the first voting round ran on plans for tiny tables (PostgreSQL 6 ms per request
        # instead of 2-2.5; docs/benchmarks.md, "Voting").
        run_wrk(f"{base}/r/{SLUG}/vote/", args.raters, 3, cookies, server.pid)
        vacuums = [vacuum(*CYCLE_TABLES)]
        for _ in range(args.rounds):  # alternating, so that a slow spell of the machine falls on both
            bares.append(run_wrk(f"{base}/healthz/", args.raters, args.seconds, None, server.pid))
            votings.append(run_wrk(f"{base}/r/{SLUG}/vote/", args.raters, args.seconds, cookies, server.pid))
            vacuums.append(vacuum(*CYCLE_TABLES))
    finally:
        server.terminate()
        server.wait(timeout=30)
    b, v = pooled(bares), pooled(votings)
    result = {
        "machine": machine(),
        "raters": args.raters,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "workers": args.workers,
        "bare": b,
        "voting": v,
        "rounds_detail": {"bare": bares, "voting": votings},
        "invariants": check_invariants(5),
        "vacuum_s": vacuums,
        "throughput_ratio": v["per_second"] / b["per_second"],
        "votes_ratio": v["votes_per_second"] / b["per_second"],
        "p95_ratio": v["p95_ms"] / b["p95_ms"],
        "bench_wall_s": time.perf_counter() - wall,
        "bench_cpu_s": time.process_time() - cpu,
        "load_average": os.getloadavg(),
    }
    out = ROOT / "bench" / "results" / f"voting-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    print(
        f"machine: {result['machine']}; gunicorn --workers {args.workers}; wrk, {args.raters} connections "
        f"(one thread each); {args.rounds} rounds of {args.seconds:.0f} s per phase, alternating"
    )
    for name, phase in (("bare /healthz/", b), ("rater path", v)):
        print(
            f"{name}: {phase['per_second']:.0f} req/s, p50 {phase['p50_ms']:.1f} ms, p95 {phase['p95_ms']:.1f} ms, "
            f"errors {phase['errors']}; server+PostgreSQL CPU {phase['cpu_ms_per_request']:.2f} ms/request "
            f"({phase['server_db_cores']:.2f} cores), wrk {phase['wrk_cores']:.2f} cores"
        )
    print(f"votes: {v['votes']} stored, {v['votes_per_second']:.0f} vote cycles/s")
    gone = sum(r["backends_gone"] for r in bares + votings)
    print(
        f"VACUUM ANALYZE of {', '.join(CYCLE_TABLES)} after the warm-up and each voting phase (off the clock): "
        + ", ".join(f"{s_:.2f} s" for s_ in vacuums)
        + (f"; {gone} PostgreSQL backends ended during a phase (counted to their last sample)" if gone else "")
    )
    print(
        "per round, rater path/bare requests per second: "
        + ", ".join(f"{x['per_second'] / y['per_second']:.2f}" for x, y in zip(votings, bares, strict=True))
    )
    print(
        f"throughput ratio {result['throughput_ratio']:.2f} by request (goal >= 0.40), "
        f"{result['votes_ratio']:.2f} by vote cycle; p95 ratio {result['p95_ratio']:.2f} (goal <= 3)"
    )
    print(
        f"bench: wall {result['bench_wall_s']:.0f} s, CPU {result['bench_cpu_s']:.1f} s (this process); "
        f"load average before/after the phases {bares[0]['load_before'][0]:.2f} / {result['load_average'][0]:.2f}"
    )
    print(f"invariants: {result['invariants']}; written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
