"""Fixtures of the rater tests: an open study with comparisons, and the `browser` marker."""

from __future__ import annotations

import pytest

from comparisons.ingest.rows import validate_rows
from comparisons.models import Study
from comparisons.services import comparisons_build, outputs_upload
from raters.models import StudyRaterSettings
from tests.comparisons.helpers import rows_for
from tests.factories import StudyFactory, StudyRaterSettingsFactory, SystemFactory


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end test in headless Chromium (Playwright)")


def open_study(
    prompts: int = 5,
    systems: tuple[str, ...] = ("LIMA", "GPT-4"),
    *,
    votes_per_comparison: int = 3,
    rows: list[dict] | None = None,
    slug: str | None = None,
    **rater_settings,
) -> Study:
    """An open focal study (the first system is focal) with its comparisons built."""
    objs = [SystemFactory(name=name) for name in systems]
    extra = {"slug": slug} if slug else {}
    study = StudyFactory.create(focal_system=objs[0], systems=objs, votes_per_comparison=votes_per_comparison, **extra)
    valid, errors = validate_rows(
        list(enumerate(rows or rows_for(prompts, list(systems)), start=1)), max_text_chars=10**6
    )
    assert not errors
    outputs_upload(study=study, rows=valid)
    comparisons_build(study_id=study.pk)
    Study.objects.filter(pk=study.pk).update(status=Study.Status.OPEN)
    study.refresh_from_db()
    StudyRaterSettingsFactory(study=study, **rater_settings)
    StudyRaterSettings.objects.filter(study=study).update(**rater_settings)
    return study


@pytest.fixture
def study(db) -> Study:
    return open_study()
