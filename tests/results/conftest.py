"""Fixtures shared by the results tests."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from comparisons.services.queue import comparisons_build
from tests.comparisons.helpers import create_study, rows_for, upload


@pytest.fixture
def focal(api):
    """An open focal study "s": LIMA against GPT-4 and Bard on 40 prompts, its comparisons built."""
    create_study(api, slug="s")
    upload(api, "s", rows_for(40, ["LIMA", "GPT-4", "Bard"]))
    api.post("/api/studies/s/open/")
    study = Study.objects.get(slug="s")
    comparisons_build(study_id=study.pk)
    return study
