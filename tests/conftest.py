"""Shared fixtures: PostgreSQL is required, a real Celery worker is started on demand."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
ARTIFACTS = ROOT / "test-artifacts"
BIN = Path(sys.executable).parent


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data, or skip the test with a message where it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the real-data tests need ../shared/data beside the checkout")
    return path


def compose_command(service: str) -> list[str]:
    """The command docker-compose.yml runs for `service`, so the tests run the same one."""
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]
    command = spec["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def local_executable(argv: list[str]) -> list[str]:
    """Run a compose command's program from this virtualenv."""
    program = BIN / argv[0]
    return [str(program) if program.exists() else argv[0], *argv[1:]]


def wait_for(predicate: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.exit(
            "The test suite needs PostgreSQL: set DATABASE_URL (./run test does) — it does not run its "
            "integration tests on SQLite.",
            returncode=3,
        )
    return django_db_setup


def worker_database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process (the docker-compose command, two processes) on Redis,
    against the test database, consuming the default queue and the judges' outbound queue
    (compose runs one worker for each). Tests using it need `transactional_db` so it sees
    their data."""
    from django.conf import settings

    from lima_eval.celery import app

    if not settings.REDIS_URL:
        pytest.exit("The worker tests need Redis: set REDIS_URL (./run test does).", returncode=3)
    app.control.purge()
    hostname = f"pytest-{uuid.uuid4().hex[:8]}@localhost"
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "celery-worker.log", "w")  # noqa: SIM115 (the worker writes it until teardown)
    # The tests' fake LLM endpoints listen on loopback, which the outbound policy refuses unless
    # the operator allows it (judges/outbound.py): allowed here as for a local model server.
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LIMA_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1",
    }
    queues = f"celery,{settings.LIMA_OUTBOUND_QUEUE}"
    argv = local_executable(compose_command("worker")) + ["--concurrency=2", f"--hostname={hostname}", "-Q", queues]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(
            lambda: proc.poll() is not None or app.control.ping(destination=[hostname], timeout=0.5),
            timeout=60,
            what="the Celery worker to answer a ping",
        )
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited with {proc.returncode}; see {log.name}")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def researcher(db):
    from tests.factories import ResearcherFactory

    return ResearcherFactory()


@pytest.fixture
def api(researcher):
    """An API client authenticated with the researcher's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=researcher).key}")
    client.user = researcher
    return client


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault drills of tests/robustness/test_faults.py (and every test using its `redis_down`
    fixture) point Celery's broker at a dead port and switch eager mode in this process; however
    carefully they restore it, a later test's publish has been seen to hang after them. They run
    last (after pytest-django's own ordering), so no other test shares the process after a fault
    was injected."""

    def injects(item: pytest.Item) -> bool:
        return item.nodeid.startswith("tests/robustness/test_faults.py") or "redis_down" in getattr(
            item, "fixturenames", ()
        )

    faults = [item for item in items if injects(item)]
    if faults:
        items[:] = [item for item in items if not injects(item)] + faults
