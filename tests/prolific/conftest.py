"""Fixtures of the Prolific tests: one fake Prolific API on loopback for the session, its
URL and a test token put in the environment at collection, so the Celery worker (started
later, for the whole session) inherits both. The fake serves from collection on: any test
of the session may reach that URL (the schema fuzz test does, through the Prolific link
API), and one that ran before the first Prolific test found a socket that listened but never
answered, each call waiting out the client's connect timeout and its retries."""

from __future__ import annotations

import os

import pytest

from tests.prolific.fake_prolific import FakeProlific

TOKEN = "prolific-test-token-7f3a9c-never-shown"
FAKE = FakeProlific(TOKEN).start()
os.environ["PROLIFIC_API_TOKEN"] = TOKEN
os.environ["PROLIFIC_API_URL"] = FAKE.url


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: end-to-end test in headless Chromium (Playwright)")


def pytest_unconfigure(config: pytest.Config) -> None:
    FAKE.stop()


@pytest.fixture(scope="session")
def _fake_server():
    return FAKE


@pytest.fixture
def fake(_fake_server, monkeypatch) -> FakeProlific:
    monkeypatch.setenv("PROLIFIC_API_TOKEN", TOKEN)
    monkeypatch.setenv("PROLIFIC_API_URL", FAKE.url)
    FAKE.reset()
    return FAKE
