"""The dashboard's headless Chromium fixtures, for the demo's browser test."""

from tests.dashboard.conftest import chromium, page  # noqa: F401 - fixtures
