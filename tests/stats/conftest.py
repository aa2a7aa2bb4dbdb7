"""Fixtures for the statistics tests: the repository on sys.path and the shared data folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"

# The stats package is pure Python; make it importable when pytest is run from any rootdir
# without a project-level pythonpath setting.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent (only present in the team workspace)")
    return SHARED_DATA
