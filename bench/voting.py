"""Voting benchmark: 50 concurrent simulated raters run the next-pair and vote cycle
(GET /r/{slug}/vote/, then POST the vote) against gunicorn and PostgreSQL, against a bare
Django view (/healthz/: one SELECT 1) on the same server in the same run.
Goal: voting requests at least 40% of the bare view's throughput, p95 at most 3x its p95.

    .venv/bin/python bench/voting.py [--raters 50] [--seconds 10] [--rounds 3] [--workers 3]

Both phases use the same server, the same number of concurrent clients (asyncio + httpx, one
client and cookie jar per rater) and the same duration; they alternate for `--rounds` rounds
and each phase's requests are pooled over its rounds. Raters enter (Prolific parameters,
consent) before the clock starts. Results also go to bench/results/voting-*.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

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


def vacuum() -> None:
    """VACUUM ANALYZE before the clock, so that autovacuum does not clean up after the
    previous run's study (deleted above) in the middle of this one."""
    import psycopg

    with psycopg.connect(BENCH_DB, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


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
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz/", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


class Rater:
    """One simulated rater: its own connection and session. The server runs with
    DEBUG=False, so its cookies are Secure; over plain http to 127.0.0.1 a cookie jar would
    drop them, so they are kept here and sent by hand."""

    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=60)
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        response = await self.http.request(method, url, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response


def summary(latencies: list[float], elapsed: float, errors: int) -> dict:
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {
        "requests": len(ordered),
        "errors": errors,
        "per_second": len(ordered) / elapsed,
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "mean_ms": statistics.fmean(ordered) * 1000,
    }


async def bare(base: str, clients: int, seconds: float) -> dict:
    latencies, errors = [], 0
    stop = time.monotonic() + seconds

    async def loop(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            t = time.perf_counter()
            r = await http.get("/healthz/")
            latencies.append(time.perf_counter() - t)
            errors += r.status_code != 200

    start = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=clients)) as http:
        await asyncio.gather(*(loop(http) for _ in range(clients)))
    return {"latencies": latencies, "elapsed": time.monotonic() - start, "errors": errors}


async def enter(base: str, raters: int) -> list[Rater]:
    """The raters arrive with Prolific parameters and consent (before any clock starts)."""
    people = [Rater(base) for _ in range(raters)]
    for i, person in enumerate(people):
        await person.request("GET", f"/r/{SLUG}/", params={"PROLIFIC_PID": f"bench{i:04d}{int(time.time())}"})
        page = (await person.request("GET", f"/r/{SLUG}/instructions/")).text
        await person.request(
            "POST", f"/r/{SLUG}/instructions/", data={"consent": "yes", "csrfmiddlewaretoken": csrf_of(page)}
        )
    return people


async def voting(people: list[Rater], seconds: float) -> dict:
    latencies, cycles, errors, votes = [], [], 0, 0
    by_method: dict[str, list[float]] = {"GET": [], "POST": []}
    stop = time.monotonic() + seconds

    async def timed(call, method: str):
        nonlocal errors
        t = time.perf_counter()
        r = await call
        latencies.append(time.perf_counter() - t)
        by_method[method].append(latencies[-1])
        errors += r.status_code >= 500
        return r

    async def rater(person: Rater, n: int) -> None:
        nonlocal votes
        choices = ("left", "right", "tie")
        while time.monotonic() < stop:
            t = time.perf_counter()
            page = await timed(person.request("GET", f"/r/{SLUG}/vote/"), "GET")
            token = TOKEN.search(page.text) if page.status_code == 200 else None
            if token is None:
                return  # finished or the study is full
            r = await timed(
                person.request(
                    "POST",
                    f"/r/{SLUG}/vote/",
                    data={
                        "token": token.group(1),
                        "choice": choices[(n + votes) % 3],
                        "csrfmiddlewaretoken": csrf_of(page.text),
                    },
                ),
                "POST",
            )
            votes += r.status_code == 302
            cycles.append(time.perf_counter() - t)

    start = time.monotonic()
    await asyncio.gather(*(rater(person, n) for n, person in enumerate(people)))
    return {
        "latencies": latencies,
        "elapsed": time.monotonic() - start,
        "errors": errors,
        "votes": votes,
        "cycles": cycles,
        "by_method": by_method,
    }


async def run_rounds(base: str, raters: int, seconds: float, rounds: int) -> tuple[dict, dict, list[dict]]:
    """Alternate the bare phase and the voting phase `rounds` times (so that a slow spell of
    the machine falls on both), then pool each phase's requests over its rounds."""
    await bare(base, raters, 2)  # warm up every worker
    people = await enter(base, raters)
    bares, votings, per_round = [], [], []
    for _ in range(rounds):
        b = await bare(base, raters, seconds)
        v = await voting(people, seconds)
        bares.append(b)
        votings.append(v)
        per_round.append(
            {
                "bare_per_second": len(b["latencies"]) / b["elapsed"],
                "voting_per_second": len(v["latencies"]) / v["elapsed"],
                "votes_per_second": v["votes"] / v["elapsed"],
            }
        )
        per_round[-1]["throughput_ratio"] = per_round[-1]["voting_per_second"] / per_round[-1]["bare_per_second"]
    for person in people:
        await person.http.aclose()
    pooled_b = summary(
        [x for b in bares for x in b["latencies"]], sum(b["elapsed"] for b in bares), sum(b["errors"] for b in bares)
    )
    elapsed = sum(v["elapsed"] for v in votings)
    cycles = sorted(c for v in votings for c in v["cycles"])
    pooled_v = summary([x for v in votings for x in v["latencies"]], elapsed, sum(v["errors"] for v in votings))
    votes = sum(v["votes"] for v in votings)
    for method in ("GET", "POST"):
        part = summary([x for v in votings for x in v["by_method"][method]], elapsed, 0)
        pooled_v[f"{method.lower()}_p50_ms"], pooled_v[f"{method.lower()}_p95_ms"] = part["p50_ms"], part["p95_ms"]
    pooled_v |= {
        "votes": votes,
        "votes_per_second": votes / elapsed,
        "cycle_p50_ms": cycles[len(cycles) // 2] * 1000 if cycles else None,
    }
    return pooled_b, pooled_v, per_round


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
    setup_django()
    make_study(args.prompts, votes_per_comparison=5, quota=100_000)
    port = free_port()
    server = start_gunicorn(port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        baseline, vote, per_round = asyncio.run(run_rounds(base, args.raters, args.seconds, args.rounds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "machine": machine(),
        "raters": args.raters,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "workers": args.workers,
        "bare": baseline,
        "voting": vote,
        "rounds_detail": per_round,
        "invariants": check_invariants(5),
        "throughput_ratio": vote["per_second"] / baseline["per_second"],
        "votes_ratio": vote["votes_per_second"] / baseline["per_second"],
        "p95_ratio": vote["p95_ms"] / baseline["p95_ms"],
    }
    out = ROOT / "bench" / "results" / f"voting-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    b, v = baseline, vote
    print(
        f"machine: {result['machine']}; gunicorn --workers {args.workers}; {args.raters} concurrent clients; "
        f"{args.rounds} rounds of {args.seconds:.0f} s per phase, alternating"
    )
    print(
        f"bare /healthz/: {b['per_second']:.0f} req/s, p50 {b['p50_ms']:.1f} ms, p95 {b['p95_ms']:.1f} ms, "
        f"errors {b['errors']}"
    )
    print(
        f"voting: {v['votes_per_second']:.0f} votes/s ({v['per_second']:.0f} req/s), p50 {v['p50_ms']:.1f} ms, "
        f"p95 {v['p95_ms']:.1f} ms, errors {v['errors']}, votes {v['votes']}; GET p50 {v['get_p50_ms']:.0f} / p95 "
        f"{v['get_p95_ms']:.0f} ms, POST p50 {v['post_p50_ms']:.0f} / p95 {v['post_p95_ms']:.0f} ms"
    )
    print("per round, voting/bare requests per second: " + ", ".join(f"{r['throughput_ratio']:.2f}" for r in per_round))
    print(
        f"throughput ratio {result['throughput_ratio']:.2f} by request (goal >= 0.40), "
        f"{result['votes_ratio']:.2f} by vote (a vote is a GET and a POST); "
        f"p95 ratio {result['p95_ratio']:.2f} (goal <= 3)"
    )
    print(f"invariants: {result['invariants']}; written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
