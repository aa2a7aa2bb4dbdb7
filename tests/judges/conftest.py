from __future__ import annotations

import os

import pytest

from tests.judges.fake_llm import FakeLLM

# Set at collection, before any Celery worker starts, so workers inherit it.
TEST_KEY_ENV = "LIMA_TEST_JUDGE_KEY"
TEST_KEY = "sk-test-secret-4242-do-not-show"
os.environ.setdefault(TEST_KEY_ENV, TEST_KEY)


@pytest.fixture
def fake_llm():
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fast_backoff(settings):
    settings.JUDGE_BACKOFF_BASE_SECONDS = 0.01
    settings.JUDGE_BACKOFF_CAP_SECONDS = 0.05
