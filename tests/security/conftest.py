"""Fixtures of the attack tests: the judges' fake endpoint and the rater studies' builders."""

from __future__ import annotations

from tests.judges.conftest import _fast_backoff, fake_llm  # noqa: F401 - fixtures reused as they are


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end test in headless Chromium (Playwright)")
