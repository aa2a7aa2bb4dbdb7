"""Builders for the judges tests: a LIMA-shaped study whose focal responses carry a marker."""

from __future__ import annotations

import json

from comparisons.models import Study
from judges import services
from judges.models import Judge, JudgeCall
from tests.comparisons.helpers import upload


def lima_rows(prompts: int, good: int) -> list[dict]:
    """LIMA's response says GOOD on the first `good` prompts; GPT-4's never does."""
    rows = []
    for i in range(prompts):
        rows.append(
            {
                "prompt_id": f"p{i}",
                "prompt": f"Question {i}?",
                "system": "LIMA",
                "response": f"LIMA {'GOOD' if i < good else 'plain'} answer {i}.",
            }
        )
        rows.append({"prompt_id": f"p{i}", "system": "GPT-4", "response": f"GPT-4 plain answer {i}."})
    return rows


def open_study(api, *, slug: str = "j", prompts: int = 6, good: int = 4) -> Study:
    body = {"name": "Judged", "slug": slug, "design": "focal", "focal_system": "LIMA", "baselines": ["GPT-4"]}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    assert upload(api, slug, lima_rows(prompts, good)).status_code == 201
    assert api.post(f"/api/studies/{slug}/open/").status_code == 200
    return Study.objects.get(slug=slug)


def make_judge(study: Study, fake, **fields) -> Judge:
    return services.judge_create(study=study, **{"name": "gpt", "base_url": fake.url, "model": "judge-1", **fields})


def run_all(judge: Judge, **options) -> list[str]:
    """Queue (without Celery) and run every pending call in this process, as a worker would."""
    return [services.judge_call_run(call_id=i) for i in services.judge_queue(judge=judge, dispatch=False, **options)]


def post_votes(api, slug: str, rows: list[dict]):
    return api.post(f"/api/studies/{slug}/votes/import/", json.dumps(rows), content_type="application/json")


def calls(judge: Judge, **filters):
    return JudgeCall.objects.filter(judge=judge, **filters)
