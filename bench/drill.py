"""The fault drill (issue 11 item 5; issue 13 item 6 with --scale-out).

    ./run drill [--duration 180] [--raters 50] [--scale-out]
    .venv/bin/python -m bench.drill --duration 60 --json report.json

Starts the deployment as docker-compose.yml does (its `web`, `worker`, `worker-outbound` and
`beat` commands, read from the compose file) against its own PostgreSQL database and its own
redis-server, each program in its own process group and restarted when it exits (compose's
`restart: unless-stopped`). It creates a study through the API with a researcher token, uploads
LIMA-shaped outputs, opens it, and runs simulated raters (separate processes, real HTTP to
gunicorn: enter with a Prolific id, consent, fetch a pair, think, vote; a rater who finished
their quota is replaced by a new one) for the set time while it injects faults: `kill -9` of a
worker's process group, a Redis restart (its data lost: no persistence) and
`pg_terminate_backend` of every connection to the drill's database. Then it prints votes
accepted, lost, doubled, over cap, raters with two live leases, 5xx by route, and whether the
results caught up, and exits 1 on any lost, doubled or over-cap vote, any 5xx (or failed
request) on the rater path, or results that did not catch up within 60 s of the later of
the last fault and the end of voting (the snapshot can only equal the database once votes stop;
the faults end at 72% of the run).

--scale-out runs two gunicorn servers on two ports and two workers (each its own process
group) against the same PostgreSQL and Redis; raters are spread over both servers, and every
other rater switches server on every request (nothing may depend on which process answers)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DRILL_DB = os.environ.get("DRILL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lima_drill_run")
SLUG = "drill"
SYSTEMS = ("LIMA 65B", "GPT-4", "Alpaca 65B")
TOKEN = re.compile(r'name="token" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NOTICE = 'class="notice"'
CATCH_UP_SECONDS = 60.0


# --- the deployment -----------------------------------------------------------------------


def compose_command(service: str) -> list[str]:
    """The command docker-compose.yml runs for `service` (as tests/conftest.py reads it)."""
    import yaml

    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def local(argv: list[str]) -> list[str]:
    """A compose command's program from this virtualenv (`python` is this interpreter)."""
    if argv[0] == "python":
        return [sys.executable, *argv[1:]]
    program = BIN / argv[0]
    return [str(program) if program.exists() else argv[0], *argv[1:]]


def web_commands(port: int) -> tuple[list[str], list[str]]:
    """The compose `web` command split into its collectstatic and gunicorn halves, bound to `port`."""
    shell = compose_command("web")
    assert shell[:2] == ["sh", "-c"], shell
    collect, serve = shell[2].split(" && ")
    argv = [a.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for a in shlex.split(serve)]
    return local(shlex.split(collect)), local(argv)


def free_port(preferred: int = 0) -> int:
    for candidate in (preferred, 0) if preferred else (0,):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


@dataclass
class Service:
    """One program of the deployment, in its own process group (as in its own container)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    logdir: Path
    supervised: bool = True
    proc: subprocess.Popen | None = None
    starts: int = 0
    exits: list[int] = field(default_factory=list)
    stopping: bool = False

    def start(self) -> None:
        log = open(self.logdir / f"{self.name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        log.write(f"\n==== start {self.starts + 1} at {time.strftime('%H:%M:%S')}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.starts += 1

    def signal_group(self, sig: int) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def kill9(self) -> None:
        """The container dies: SIGKILL to every process of the group, no clean-up."""
        self.signal_group(signal.SIGKILL)

    def stop(self, timeout: float = 20) -> None:
        self.stopping = True
        if self.proc is None:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.signal_group(signal.SIGKILL)  # children left behind by the leader


class Supervisor(threading.Thread):
    """compose's `restart: unless-stopped`: a program that exits is started again (after 1 s)."""

    def __init__(self, services: list[Service]) -> None:
        super().__init__(daemon=True)
        self.services = services
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.5):
            for service in self.services:
                if not service.supervised or service.stopping or service.proc is None:
                    continue
                code = service.proc.poll()
                if code is not None:
                    service.exits.append(code)
                    service.signal_group(signal.SIGKILL)
                    time.sleep(1.0)
                    if not service.stopping:
                        service.start()


def wait_http(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def migration_names() -> set[tuple[str, str]]:
    return {(p.parent.parent.name, p.stem) for p in ROOT.glob("*/migrations/0*.py")}


def recreate_database(url: str, env: dict[str, str]) -> None:
    """A fresh database for the drill, copied from a migrated template (`<name>_template`,
    migrated again whenever the project's migrations differ from those it has applied)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    template = f"{name}_template"
    with _admin(url) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (template,)).fetchone()
    applied: set[tuple[str, str]] = set()
    if exists:
        with psycopg.connect(url.rsplit("/", 1)[0] + f"/{template}") as conn:
            try:
                applied = set(conn.execute("select app, name from django_migrations").fetchall())
            except psycopg.Error:
                applied = set()
    if not migration_names() <= applied:
        with _admin(url) as conn:
            conn.execute(f'drop database if exists "{template}"')
            conn.execute(f'create database "{template}"')
        subprocess.run(
            local(compose_command("migrate")),
            cwd=ROOT,
            env={**env, "DATABASE_URL": url.rsplit("/", 1)[0] + f"/{template}"},
            check=True,
            capture_output=True,
        )
    with _admin(url) as conn:
        for db in (name, template):
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
                (db,),
            )
        conn.execute(f'drop database if exists "{name}"')
        conn.execute(f'create database "{name}" template "{template}"')


def terminate_backends(url: str) -> int:
    """Every connection to the drill's database is terminated (a failover, a pooler restart)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


# --- the raters (run in their own processes: python -m bench.drill --rater-process SPEC) ---------


class Client:
    """One rater's browser: its own connection and cookies, sent by hand (with DEBUG=False the
    cookies are Secure, which an http cookie jar would drop). `bases` > 1: every request may go
    to another server."""

    def __init__(self, bases: list[str], hop: bool, ledger: dict) -> None:
        import httpx

        self.clients = [httpx.AsyncClient(base_url=b, timeout=30) for b in bases]
        self.hop, self.turn = hop, 0
        self.cookies: dict[str, str] = {}
        self.ledger = ledger

    async def close(self) -> None:
        for c in self.clients:
            await c.aclose()

    async def request(self, method: str, url: str, route: str, **kwargs: Any) -> Any:
        import httpx

        http = self.clients[self.turn % len(self.clients)]
        if self.hop:
            self.turn += 1
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        key = f"{method} {route}"
        started = time.perf_counter()
        try:
            response = await http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            self.ledger["failed"][key] = self.ledger["failed"].get(key, 0) + 1
            self.ledger["failures"].append(f"{key}: {type(exc).__name__} {exc}"[:300])
            return None
        self.ledger["latency"].setdefault(key, []).append(round(time.perf_counter() - started, 4))
        self.ledger["status"].setdefault(key, {})
        by_status = self.ledger["status"][key]
        by_status[str(response.status_code)] = by_status.get(str(response.status_code), 0) + 1
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and value != '""':
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return response


def _route(path: str, slug: str) -> str:
    rest = path.split(f"/r/{slug}/", 1)[-1].split("?")[0]
    return f"/r/{{slug}}/{rest}"


async def _get(client: Client, slug: str, path: str, **kwargs: Any) -> Any:
    """GET, following redirects by hand (each hop recorded under its own route)."""
    for _ in range(5):
        response = await client.request("GET", path, _route(path, slug), **kwargs)
        kwargs = {}
        if response is None or response.status_code not in (301, 302, 303):
            return response
        path = response.headers["location"]
    return response


async def rater_life(spec: dict, n: int, ledger: dict) -> None:
    slug, stop = spec["slug"], spec["stop"]
    rng = random.Random(spec["seed"] * 1000 + n)
    bases = spec["bases"]
    home = bases[(n // 2) % len(bases)]  # raters 0, 1 start on the first server, 2, 3 on the second, ...
    mine = [home] + [b for b in bases if b != home]
    hop = len(bases) > 1 and n % 2 == 1
    identity = 0
    while time.time() < stop:
        identity += 1
        pid = f"drill{spec['process']}x{n}x{identity}x{spec['seed']}"
        client = Client(mine if hop else mine[:1], hop, ledger)
        try:
            await one_rater(client, slug, pid, stop, rng, ledger)
        finally:
            await client.close()


def csrf(page: Any) -> str:
    match = CSRF.search(page.text)
    return match.group(1) if match else ""


async def enter(client: Client, slug: str, pid: str, ledger: dict) -> Any:
    """Arrive with a Prolific id and consent; the first pair's page, or None."""
    page = await _get(client, slug, f"/r/{slug}/", params={"PROLIFIC_PID": pid})
    if page is None or page.status_code != 200 or not csrf(page):
        return None
    ledger["entered"] += 1
    consent = await client.request(
        "POST",
        f"/r/{slug}/instructions/",
        "/r/{slug}/instructions/",
        data={"consent": "yes", "csrfmiddlewaretoken": csrf(page)},
    )
    if consent is None or consent.status_code != 302:
        return None
    return await _get(client, slug, consent.headers["location"])


async def submit(client: Client, slug: str, page: Any, token: str, rng: random.Random, ledger: dict) -> Any:
    """POST the vote (again after a server error, as a person would); the next page."""
    data = {"token": token, "choice": rng.choice(("left", "right", "tie")), "csrfmiddlewaretoken": csrf(page)}
    for attempt in range(4):
        posted = await client.request("POST", f"/r/{slug}/vote/", "/r/{slug}/vote/", data=data)
        if posted is not None and posted.status_code in (200, 301, 302, 303):
            # The POST answers with the next pair's page itself (200), or redirects (the done page).
            page = posted if posted.status_code == 200 else await _get(client, slug, posted.headers["location"])
            turned_away = page is not None and page.status_code == 200 and NOTICE in page.text
            ledger["refused" if turned_away else "accepted"].append(token)  # a message says why it was turned away
            return page
        if posted is not None and posted.status_code < 500:
            ledger["refused"].append(token)
            break
        await asyncio.sleep(1 + attempt)
    return await _get(client, slug, f"/r/{slug}/vote/")


async def one_rater(client: Client, slug: str, pid: str, stop: float, rng: random.Random, ledger: dict) -> None:
    page = await enter(client, slug, pid, ledger)
    if page is None:
        await asyncio.sleep(1)
        return
    while time.time() < stop:
        if page is None or page.status_code >= 500:
            await asyncio.sleep(1)
            page = await _get(client, slug, f"/r/{slug}/vote/")
            continue
        token = TOKEN.search(page.text) if page.status_code == 200 else None
        if token is None:
            if "/done/" in str(page.url):
                ledger["finished"] += 1
            else:
                ledger["no_pair"] += 1
                await asyncio.sleep(rng.uniform(1, 3))
            return  # finished, or nothing to serve: a new rater comes
        await asyncio.sleep(rng.uniform(*ledger["think"]))
        if time.time() >= stop:
            return
        page = await submit(client, slug, page, token.group(1), rng, ledger)


def rater_process(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    ledger = {
        "accepted": [],
        "refused": [],
        "status": {},
        "latency": {},
        "failed": {},
        "failures": [],
        "entered": 0,
        "finished": 0,
        "no_pair": 0,
        "think": spec["think"],
    }

    async def main() -> None:
        await asyncio.sleep(max(0.0, spec["start"] - time.time()))
        await asyncio.gather(*(rater_life(spec, n, ledger) for n in spec["raters"]))

    asyncio.run(main())
    Path(spec["out"]).write_text(json.dumps(ledger))


# --- the drill ---------------------------------------------------------------------------------


@dataclass
class Drill:
    duration: float
    raters: int
    scale_out: bool
    database_url: str
    redis_port: int
    processes: int
    think: tuple[float, float]
    prompts: int
    seed: int
    workdir: Path
    services: dict[str, Service] = field(default_factory=dict)
    faults: list[dict] = field(default_factory=list)
    researcher: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: dict[str, int] = field(default_factory=lambda: {"two_live_leases": 0, "slots_over_cap": 0})

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
        return env | {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": "drill-" + "k" * 50,
            "DEBUG": "False",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "False",
            "STATIC_ROOT": str(ROOT / "bench" / "results" / "drill-static"),  # kept: collected faster again
            "CONN_MAX_AGE": "60",  # as compose sets it
            "LIMA_RATER_ENTRIES_PER_ADDRESS": "0",  # every simulated rater comes from 127.0.0.1
            "PYTHONUNBUFFERED": "1",
        }

    # set-up

    def start(self) -> list[str]:
        env = self.env()
        collect = subprocess.Popen(web_commands(0)[0], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        recreate_database(self.database_url, env)
        # compose's `migrate` service, on the copy of the template (nothing left to apply, or what is new)
        subprocess.run(local(compose_command("migrate")), cwd=ROOT, env=env, check=True, capture_output=True)
        redis = Service(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            env,
            self.workdir,
            supervised=False,
        )
        redis.start()
        self.services["redis"] = redis
        wait_for(lambda: redis_ping(self.redis_port), 20, "redis-server")
        if collect.wait(timeout=300) != 0:
            raise RuntimeError("collectstatic failed")
        servers = 2 if self.scale_out else 1
        ports = [free_port() for _ in range(servers)]
        for i, port in enumerate(ports, start=1):
            name = f"web{i}" if self.scale_out else "web"
            self.services[name] = Service(name, web_commands(port)[1], env, self.workdir)
        for i in range(1, servers + 1):
            name = f"worker{i}" if self.scale_out else "worker"
            argv = local(compose_command("worker")) + [f"--hostname={name}@drill"]
            self.services[name] = Service(name, argv, env, self.workdir)
        outbound = local(compose_command("worker-outbound"))
        outbound = [a if not a.startswith("--concurrency") else "--concurrency=1" for a in outbound]
        self.services["worker-outbound"] = Service(
            "worker-outbound", outbound + ["--hostname=outbound@drill"], env, self.workdir
        )
        beat = [
            a.replace("/tmp/celerybeat-schedule", str(self.workdir / "celerybeat-schedule"))
            for a in local(compose_command("beat"))
        ]
        self.services["beat"] = Service("beat", beat, env, self.workdir)
        for service in self.services.values():
            if service.proc is None:
                service.start()
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base in bases:
            wait_http(f"{base}/healthz/")
        return bases

    def workers(self) -> list[Service]:
        return [s for n, s in self.services.items() if n.startswith("worker") and n != "worker-outbound"]

    def wait_workers(self, timeout: float = 90) -> None:
        from celery import Celery

        app = Celery(broker=self.redis_url)
        names = [f"{s.name}@drill" for s in self.workers()]
        try:
            wait_for(
                lambda: len(app.control.ping(destination=names, timeout=1) or []) == len(names), timeout, "the workers"
            )
        finally:
            app.close()

    def create_study(self, base: str) -> str:
        import httpx

        token = subprocess.run(
            [sys.executable, "manage.py", "researcher_token", "drill"],
            cwd=ROOT,
            env=self.env(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        headers = {"Authorization": f"Token {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as api:
            r = api.post(
                "/api/studies/",
                json={
                    "name": "Fault drill",
                    "slug": SLUG,
                    "design": "focal",
                    "focal_system": SYSTEMS[0],
                    "baselines": list(SYSTEMS[1:]),
                    "votes_per_comparison": 3,
                },
            )
            assert r.status_code == 201, r.text
            answer = "Here is a careful answer.\n\n1. First, a point.\n2. Then **another**.\n\n```\ncode()\n```\n"
            rows = [
                {
                    "prompt_id": f"q{i}",
                    "prompt": f"Question {i}: how would you explain topic {i} to a friend?",
                    "system": system,
                    "response": f"{answer}({j}.{i})",
                    "category": ("advice", "coding", "writing")[i % 3],
                }
                for i in range(self.prompts)
                for j, system in enumerate(SYSTEMS)
            ]
            r = api.post(f"/api/studies/{SLUG}/outputs/", json=rows)
            assert r.status_code == 201, r.text[:500]
            r = api.patch(f"/api/studies/{SLUG}/rater-settings/", json={"quota": 20})
            assert r.status_code == 200, r.text[:500]
            r = api.post(f"/api/studies/{SLUG}/open/")
            assert r.status_code == 200, r.text[:500]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                study = api.get(f"/api/studies/{SLUG}/").json()
                if (study.get("queue_report") or {}).get("total"):
                    break
                time.sleep(0.5)
            else:
                raise RuntimeError("the comparison build did not run")
        return token

    # the run

    def inject(self, kind: str) -> dict:
        t = time.time()
        event: dict = {"fault": kind, "at": t}
        if kind == "kill -9 worker":
            victim = self.workers()[len(self.faults) % len(self.workers())]
            victim.kill9()
            event["target"] = victim.name
        elif kind == "restart redis":
            redis = self.services["redis"]
            redis.stop(timeout=10)
            time.sleep(3.0)  # down for a moment, as in a real restart
            redis.stopping = False
            redis.start()
            wait_for(lambda: redis_ping(self.redis_port), 20, "redis-server to come back")
        elif kind == "terminate db connections":
            event["terminated"] = terminate_backends(self.database_url)
        event["seconds"] = round(time.time() - t, 2)
        self.faults.append(event)
        return event

    def fault_plan(self, start: float) -> list[tuple[float, str]]:
        kinds = ["kill -9 worker", "restart redis", "terminate db connections"]
        rounds = max(1, round(self.duration / 90))
        n = rounds * len(kinds)
        first, last = 0.12 * self.duration, 0.72 * self.duration
        step = (last - first) / max(1, n - 1)
        return [(start + first + i * step, kinds[i % len(kinds)]) for i in range(n)]

    def poll_researcher(self, base: str, token: str, stop: float) -> None:
        import httpx

        with httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=60) as api:
            while time.time() < stop:
                for route in (f"/api/studies/{SLUG}/results/", f"/api/studies/{SLUG}/"):
                    key = "GET " + route.replace(SLUG, "{slug}")
                    try:
                        code = str(api.get(route).status_code)
                    except httpx.HTTPError as exc:
                        code = type(exc).__name__
                    self.researcher.setdefault(key, {})
                    self.researcher[key][code] = self.researcher[key].get(code, 0) + 1
                time.sleep(5)

    def sample_invariants(self, study_id: int) -> None:
        live = two_live_leases()
        over = slots_over_cap(study_id)
        self.samples["two_live_leases"] = max(self.samples["two_live_leases"], live)
        self.samples["slots_over_cap"] = max(self.samples["slots_over_cap"], over)

    def run(self) -> dict:
        started = time.time()
        bases = self.start()
        supervisor = Supervisor(list(self.services.values()))
        supervisor.start()
        try:
            print(f"  deployment up in {time.time() - started:.1f} s", flush=True)
            self.wait_workers()
            print(f"  workers answer at {time.time() - started:.1f} s", flush=True)
            token = self.create_study(bases[0])
            print(f"  study open with its comparisons at {time.time() - started:.1f} s", flush=True)
            setup_django(self.database_url)
            from comparisons.models import Study

            study = Study.objects.get(slug=SLUG)
            begin = time.time() + 2.0
            stop = begin + self.duration
            raters = self.start_raters(bases, begin, stop)
            threading.Thread(target=self.poll_researcher, args=(bases[-1], token, stop), daemon=True).start()
            plan = self.fault_plan(begin)
            while time.time() < stop:
                if plan and time.time() >= plan[0][0]:
                    event = self.inject(plan.pop(0)[1])
                    print(f"  t={event['at'] - begin:5.1f}s  {event['fault']}  {event.get('target', '')}", flush=True)
                try:
                    self.sample_invariants(study.pk)
                except Exception as exc:  # a sample that met a terminated connection is skipped
                    close_django()
                    print(f"  (invariant sample skipped: {type(exc).__name__})", flush=True)
                time.sleep(1.0)
            ledgers = self.collect_raters(raters)
            voting_ended = time.time()
            last_fault = max((f["at"] + f["seconds"] for f in self.faults), default=begin)
            caught = self.wait_caught_up(study.pk, deadline=max(voting_ended, last_fault) + CATCH_UP_SECONDS)
            report = self.report(study, ledgers, caught, voting_ended, last_fault, begin)
            report["wall_seconds"] = round(time.time() - started, 1)
            return report
        finally:
            supervisor.halt.set()
            for service in self.services.values():  # all at once, then wait for each
                service.stopping = True
                service.signal_group(signal.SIGTERM)
            for service in self.services.values():
                service.stop()
            close_django()

    def start_raters(self, bases: list[str], begin: float, stop: float) -> list[tuple[subprocess.Popen, Path]]:
        procs = []
        for p in range(self.processes):
            out = self.workdir / f"raters-{p}.json"
            spec = {
                "bases": bases,
                "slug": SLUG,
                "start": begin,
                "stop": stop,
                "raters": list(range(p, self.raters, self.processes)),
                "process": p,
                "seed": self.seed,
                "think": list(self.think),
                "out": str(out),
            }
            path = self.workdir / f"raters-{p}.spec.json"
            path.write_text(json.dumps(spec))
            proc = subprocess.Popen([sys.executable, "-m", "bench.drill", "--rater-process", str(path)], cwd=ROOT)
            procs.append((proc, out))
        return procs

    def collect_raters(self, procs: list[tuple[subprocess.Popen, Path]]) -> list[dict]:
        ledgers = []
        for proc, out in procs:
            proc.wait(timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"a rater process failed ({proc.returncode})")
            ledgers.append(json.loads(out.read_text()))
        return ledgers

    def wait_caught_up(self, study_id: int, deadline: float) -> dict:
        """Until the default snapshot's vote count equals the database's (the beat sweep's job)."""
        last: tuple[int | None, int] = (None, -1)
        while True:
            try:
                last = snapshot_and_db_counts(study_id)
            except Exception:
                close_django()
            if last[0] == last[1]:
                return {"caught_up": True, "at": time.time(), "snapshot_votes": last[0], "db_votes": last[1]}
            if time.time() > deadline:
                return {"caught_up": False, "at": None, "snapshot_votes": last[0], "db_votes": last[1]}
            time.sleep(0.5)

    def report(
        self, study: Any, ledgers: list[dict], caught: dict, voting_ended: float, last_fault: float, begin: float
    ) -> dict:
        accepted = [t for ledger in ledgers for t in ledger["accepted"]]
        refused = [t for ledger in ledgers for t in ledger["refused"]]
        status: dict[str, Counter] = {}
        for ledger in ledgers:
            for route, counts in ledger["status"].items():
                status.setdefault(route, Counter()).update(counts)
        latency: dict[str, list[float]] = {}
        for ledger in ledgers:
            for route, seconds in ledger["latency"].items():
                latency.setdefault(route, []).extend(seconds)
        failed: Counter[str] = Counter()
        for ledger in ledgers:
            failed.update(ledger["failed"])
        db = database_checks(study.pk, set(accepted))
        rater_5xx = {r: sum(n for c, n in counts.items() if c.startswith("5")) for r, counts in status.items()}
        researcher_5xx = {
            r: sum(n for c, n in counts.items() if c.startswith("5") or not c.isdigit())
            for r, counts in self.researcher.items()
        }
        restarts = {n: s.starts - 1 for n, s in self.services.items() if n != "redis"}
        killed = Counter(f["target"] for f in self.faults if "target" in f)
        unplanned = {n: r - killed[n] for n, r in restarts.items() if r - killed[n]}
        return {
            "mode": "scale-out (2 web servers, 2 workers)" if self.scale_out else "one web server, one worker",
            "duration_seconds": self.duration,
            "raters": self.raters,
            "prompts": self.prompts,
            "requests": sum(sum(c.values()) for c in status.values()),
            "raters_entered": sum(ledger["entered"] for ledger in ledgers),
            "raters_finished": sum(ledger["finished"] for ledger in ledgers),
            "votes_accepted": len(set(accepted)),
            "votes_refused": len(set(refused)),
            "votes_in_db": db["votes"],
            "votes_per_second": round(len(set(accepted)) / self.duration, 1),
            "lost": db["lost"],
            "doubled": db["doubled"],
            "over_cap": db["over_cap"],
            "recorded_without_an_answer": db["unconfirmed"],
            "two_live_leases": max(db["two_live_leases"], self.samples["two_live_leases"]),
            "slots_over_cap_sampled": self.samples["slots_over_cap"],
            "rater_5xx_by_route": {r: n for r, n in sorted(rater_5xx.items()) if n},
            "rater_failed_requests": dict(failed),
            "rater_failures": [f for ledger in ledgers for f in ledger["failures"]][:10],
            "researcher_5xx_by_route": {r: n for r, n in sorted(researcher_5xx.items()) if n},
            "status_by_route": {r: dict(sorted(c.items())) for r, c in sorted(status.items())},
            "latency_ms_by_route": {r: percentiles(v) for r, v in sorted(latency.items())},
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "faults": [
                {**{k: v for k, v in f.items() if k != "at"}, "t": round(f["at"] - begin, 1)} for f in self.faults
            ],
            "restarts": restarts,
            "exits_not_injected": unplanned,
            "results_caught_up": caught["caught_up"],
            "caught_up_after_voting_seconds": round(caught["at"] - voting_ended, 1) if caught["caught_up"] else None,
            "caught_up_after_last_fault_seconds": round(caught["at"] - last_fault, 1) if caught["caught_up"] else None,
            "snapshot_votes": caught["snapshot_votes"],
            "db_counted_votes": caught["db_votes"],
        }


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)  # noqa: E731
    return {"n": len(ordered), "p50": pick(0.5), "p95": pick(0.95), "max": pick(1.0)}


# --- database checks (Django, pointed at the drill's database) --------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    os.environ["CONN_MAX_AGE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lima_eval.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)


def close_django() -> None:
    if "django.db" in sys.modules:
        from django.db import connection

        connection.close()


def two_live_leases() -> int:
    from django.db.models import Count
    from django.utils import timezone

    from raters.models import Assignment

    try:
        return (
            Assignment.objects.filter(state=Assignment.State.PENDING, expires_at__gt=timezone.now())
            .values("rater")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
    finally:
        close_django()


def slots_over_cap(study_id: int) -> int:
    """Comparisons whose votes filling slots plus live leases holding slots exceed the cap."""
    from django.utils import timezone

    from comparisons.models import Study
    from raters.selectors import leases_holding_slots, votes_filling_slots

    try:
        cap = Study.objects.get(pk=study_id).votes_per_comparison
        fill = Counter(votes_filling_slots().filter(comparison__study_id=study_id).values_list("comparison", flat=True))
        fill.update(
            leases_holding_slots(timezone.now())
            .filter(comparison__study_id=study_id)
            .values_list("comparison", flat=True)
        )
        return sum(1 for n in fill.values() if n > cap)
    finally:
        close_django()


def snapshot_and_db_counts(study_id: int) -> tuple[int | None, int]:
    from raters.selectors import votes_that_count
    from results.models import ResultSnapshot

    try:
        snapshot = ResultSnapshot.objects.filter(study_id=study_id, key="default").values_list("n_votes", flat=True)
        return (snapshot.first(), votes_that_count().filter(comparison__study_id=study_id).count())
    finally:
        close_django()


def database_checks(study_id: int, accepted: set[str]) -> dict:
    from django.db.models import Count

    from comparisons.models import Study
    from raters.models import Vote
    from raters.selectors import votes_filling_slots

    try:
        cap = Study.objects.get(pk=study_id).votes_per_comparison
        votes = Vote.objects.filter(comparison__study_id=study_id)
        recorded = set(votes.exclude(assignment=None).values_list("assignment__token", flat=True))
        doubled = (
            votes.values("rater", "comparison").annotate(n=Count("id")).filter(n__gt=1).count()
            + votes.exclude(assignment=None).values("assignment").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        over = (
            votes_filling_slots()
            .filter(comparison__study_id=study_id)
            .values("comparison")
            .annotate(n=Count("id"))
            .filter(n__gt=cap)
            .count()
        )
        return {
            "votes": votes.count(),
            "lost": len(accepted - recorded),
            "unconfirmed": len(recorded - accepted),
            "doubled": doubled,
            "over_cap": over,
            "two_live_leases": two_live_leases(),
        }
    finally:
        close_django()


# --- verdict and printing --------------------------------------------------------------------


def failures(report: dict) -> list[str]:
    found = []
    for key in ("lost", "doubled", "over_cap", "two_live_leases"):
        if report[key]:
            found.append(f"{report[key]} {key.replace('_', ' ')}")
    if report["rater_5xx_by_route"]:
        found.append(f"5xx on the rater path: {report['rater_5xx_by_route']}")
    if report["rater_failed_requests"]:
        found.append(f"failed requests on the rater path: {report['rater_failed_requests']}")
    if not report["results_caught_up"]:
        found.append(
            f"results never caught up (snapshot {report['snapshot_votes']} votes, "
            f"database {report['db_counted_votes']})"
        )
    if report["votes_accepted"] == 0:
        found.append("no vote was accepted")
    return found


def print_report(report: dict) -> None:
    lines = [
        f"drill: {report['mode']}, {report['raters']} raters for {report['duration_seconds']:.0f} s "
        f"({report['prompts']} prompts), {len(report['faults'])} faults, wall {report.get('wall_seconds')} s",
        f"  requests on the rater path  {report['requests']}  (raters entered {report['raters_entered']}, "
        f"finished {report['raters_finished']})",
        f"  votes accepted              {report['votes_accepted']}  ({report['votes_per_second']}/s; "
        f"refused with a message {report['votes_refused']}; in the database {report['votes_in_db']})",
        f"  lost                        {report['lost']}",
        f"  doubled                     {report['doubled']}",
        f"  over cap                    {report['over_cap']}  (votes + live leases over cap, sampled: "
        f"{report['slots_over_cap_sampled']})",
        f"  raters with two live leases {report['two_live_leases']}",
        f"  recorded without an answer  {report['recorded_without_an_answer']}",
        f"  5xx on the rater path       {report['rater_5xx_by_route'] or 0}",
        "  latency ms (p50/p95/max)    "
        + "; ".join(
            f"{r} {v['p50']:.0f}/{v['p95']:.0f}/{v['max']:.0f}"
            for r, v in report["latency_ms_by_route"].items()
            if "vote" in r
        ),
        f"  failed rater requests       {report['rater_failed_requests'] or 0}",
        f"  5xx for the researcher      {report['researcher_5xx_by_route'] or 0}",
        f"  restarts by the supervisor  {report['restarts']} (exits not injected: "
        f"{report['exits_not_injected'] or 'none'})",
        f"  load average at the end     {report['load_average']} ({os.cpu_count()} cores)",
        "  results caught up           "
        + (
            f"yes, {report['caught_up_after_voting_seconds']} s after voting ended, "
            f"{report['caught_up_after_last_fault_seconds']} s after the last fault "
            f"({report['snapshot_votes']} votes)"
            if report["results_caught_up"]
            else f"NO (snapshot {report['snapshot_votes']}, database {report['db_counted_votes']})"
        ),
        "  faults: " + "; ".join(f"t={f['t']}s {f['fault']} {f.get('target', '')}".strip() for f in report["faults"]),
    ]
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of rating (default 180)")
    parser.add_argument("--raters", type=int, default=50)
    parser.add_argument("--scale-out", action="store_true", help="two web servers and two workers")
    parser.add_argument(
        "--prompts", type=int, default=0, help="default: 2.5 per second of duration (the study fills late in the run)"
    )
    parser.add_argument("--processes", type=int, default=2, help="rater processes")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 2.5), metavar=("MIN", "MAX"))
    parser.add_argument("--database-url", default=DRILL_DB)
    parser.add_argument("--redis-port", type=int, default=0, help="default: 6391 if free")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--keep-logs", help="copy the programs' logs to this directory")
    parser.add_argument("--rater-process", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rater_process:
        rater_process(args.rater_process)
        return 0
    with tempfile.TemporaryDirectory(prefix="lima-drill-") as tmp:
        drill = Drill(
            duration=args.duration,
            raters=args.raters,
            scale_out=args.scale_out,
            database_url=args.database_url,
            redis_port=args.redis_port or free_port(6391),
            processes=args.processes,
            think=tuple(args.think),
            prompts=args.prompts or int(2.5 * args.duration),
            seed=args.seed,
            workdir=Path(tmp),
        )
        report = None
        try:
            report = drill.run()
        except BaseException:
            args.keep_logs = args.keep_logs or str(ROOT / "bench" / "results" / f"drill-logs-{time.strftime('%H%M%S')}")
            raise
        finally:
            if args.keep_logs or (report and failures(report)):
                keep = Path(args.keep_logs or ROOT / "bench" / "results" / f"drill-logs-{time.strftime('%H%M%S')}")
                print(f"drill: logs kept in {keep}", flush=True)
                keep.mkdir(parents=True, exist_ok=True)
                for log in Path(tmp).glob("*.log"):
                    (keep / log.name).write_bytes(log.read_bytes())
    report["failures"] = failures(report)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    if report["failures"]:
        print("drill FAILED: " + "; ".join(report["failures"]), flush=True)
        return 1
    print("drill passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
