from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT
from tests.judges.fake_llm import FakeLLM

CLIENT_SRC = ROOT / "client"  # the client's distribution; its import package is client/lima_client


def client_env(**extra: str) -> dict[str, str]:
    """The environment for `python -m lima_client` from this checkout's source."""
    return {**os.environ, "PYTHONPATH": str(CLIENT_SRC), **extra}


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _fake_endpoint_allowed(settings):
    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]  # the fake LLM listens on loopback, as a local server would


@pytest.fixture
def token(transactional_db) -> str:
    from rest_framework.authtoken.models import Token

    from tests.factories import ResearcherFactory

    return Token.objects.create(user=ResearcherFactory.create(username="alice")).key


@pytest.fixture
def cli(live_server, token, tmp_path):
    """Run `python -m lima_client ...` (the `lima-eval` command) in a subprocess against the live server."""
    env = client_env(LIMA_EVAL_URL=live_server.url, LIMA_EVAL_TOKEN=token)

    def run(*args: str, timeout: float = 120) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "lima_client", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def fake_llm():
    server = FakeLLM().start()
    yield server
    server.stop()
