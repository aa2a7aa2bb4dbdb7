"""A focal study with votes, for the dashboard tests."""

from __future__ import annotations

import json

from comparisons.ingest.rows import validate_rows
from comparisons.models import Study
from comparisons.services import comparisons_build, outputs_upload, study_create, study_open
from demo.simulate import votes_simulate
from results.services import results_refresh_stale
from tests.comparisons.helpers import rows_for


def study_with_votes(owner, slug: str = "demo", prompts: int = 20, open_per_baseline: int = 0) -> Study:
    study = study_create(
        owner=owner, name="Demo study", slug=slug, design="focal", focal_system="LIMA 65B", baselines=["GPT-4", "Bard"]
    )
    rows, errors = validate_rows(
        list(enumerate(rows_for(prompts, ["LIMA 65B", "GPT-4", "Bard"]), start=1)), max_text_chars=10**6
    )
    assert not errors
    outputs_upload(study=study, rows=rows)
    study = study_open(study=study)
    comparisons_build(study_id=study.pk)
    votes_simulate(
        study=study,
        shares={"GPT-4": (18, 25, 57), "Bard": (33, 25, 42)},
        raters=12,
        seed=3,
        judge_shares={},
        exact=False,
        open_per_baseline=open_per_baseline,
    )
    results_refresh_stale()  # what beat runs: pages read the snapshots it stores (issue 13)
    return study


def jsonl(rows) -> bytes:
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def study_with_judge(owner, slug: str = "judged") -> Study:
    """A focal study (LIMA against GPT-4 and Bard, two categories) with crowd votes on the first
    24 of 40 prompts and a judge's votes in both orders on all of them (tests.comparisons)."""
    from raters.services.vote_import import votes_import
    from raters.vote_rows import validate_vote_rows
    from tests.results.judge_votes import PROMPTS, simulated_votes

    study = study_create(
        owner=owner, name="Judged study", slug=slug, design="focal", focal_system="LIMA", baselines=["GPT-4", "Bard"]
    )
    rows, errors = validate_rows(
        list(enumerate(rows_for(PROMPTS, ["LIMA", "GPT-4", "Bard"]), start=1)), max_text_chars=10**6
    )
    assert not errors
    outputs_upload(study=study, rows=rows)
    study = study_open(study=study)
    comparisons_build(study_id=study.pk)
    votes, errors = validate_vote_rows(list(enumerate(simulated_votes(6), start=1)))
    assert not errors
    votes_import(study=study, rows=votes)
    results_refresh_stale()  # what beat runs: pages read the snapshots it stores (issue 13)
    return study
