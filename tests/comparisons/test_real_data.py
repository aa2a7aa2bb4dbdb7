"""AlpacaEval's outputs (../shared/data/alpaca_eval) upload as LIMA-shaped focal studies:
each model against text_davinci_003 on 805 instructions gives 805 comparisons."""

from __future__ import annotations

import json

import pytest

from comparisons.models import Comparison, Prompt, Response, Study
from comparisons.services import comparisons_build
from tests.comparisons.helpers import create_study, jsonl
from tests.conftest import shared_data

MODELS = ["gpt4", "claude", "alpaca-7b", "guanaco-65b"]


def alpaca_rows(model: str) -> list[dict]:
    annotations = json.loads(shared_data("alpaca_eval", model, "annotations.json").read_text())
    rows = []
    for i, a in enumerate(annotations):
        pid = f"alpaca-{i:03d}"
        rows.append(
            {
                "prompt_id": pid,
                "prompt": a["instruction"],
                "system": a["generator_2"],
                "response": a["output_2"],
                "category": a["dataset"],
            }
        )
        rows.append({"prompt_id": pid, "system": a["generator_1"], "response": a["output_1"]})
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_alpaca_eval_outputs_upload_as_a_focal_study_with_805_comparisons(api, model):
    create_study(api, slug=model, focal_system=model, baselines=["text_davinci_003"])
    response = api.post(
        f"/api/studies/{model}/outputs/", jsonl(alpaca_rows(model)), content_type="application/x-ndjson"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 1610 and response.json()["prompts_created"] == 805
    assert Prompt.objects.filter(study__slug=model).count() == 805
    assert Response.objects.filter(prompt__study__slug=model).count() == 1610
    report = comparisons_build(study_id=Study.objects.get(slug=model).pk)
    assert report.total == 805 and report.prompts_missing_responses == 0
    focal_left = Comparison.objects.filter(study__slug=model, left_response__system__name=model).count()
    assert 0.44 < focal_left / 805 < 0.56
    again = api.post(f"/api/studies/{model}/outputs/", jsonl(alpaca_rows(model)), content_type="application/x-ndjson")
    assert again.json()["unchanged"] == 1610 and again.json()["created"] == 0
