from __future__ import annotations

import os

import pytest

from tests.judges.fake_llm import FakeLLM

# Set at collection, before any Celery worker starts, so workers inherit it.
TEST_KEY_ENV = "LIMA_JUDGE_KEY_TEST"  # allowed by the default LIMA_ALLOWED_KEY_ENVS (prefix LIMA_JUDGE_KEY_)
TEST_KEY = "sk-test-secret-4242-do-not-show"
os.environ.setdefault(TEST_KEY_ENV, TEST_KEY)
# The fake endpoint listens on loopback, which the outbound policy refuses unless the operator
# allows it: these tests allow it as an operator would a local model server (the fixture below
# for this process; tests/conftest.py's celery_worker for the workers).
FAKE_HOSTS = "127.0.0.1"


@pytest.fixture
def fake_llm():
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fake_endpoint_allowed(settings):
    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = [FAKE_HOSTS]


@pytest.fixture(autouse=True)
def _fast_backoff(settings):
    settings.JUDGE_BACKOFF_BASE_SECONDS = 0.01
    settings.JUDGE_BACKOFF_CAP_SECONDS = 0.05
