from __future__ import annotations

import pytest

from judges.models import JudgeCall
from tests.factories import ComparisonFactory, JudgeFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_judges_and_their_calls(admin_client):
    judge = JudgeFactory(api_key_env="OPENAI_API_KEY")
    JudgeCall.objects.create(
        judge=judge,
        comparison=ComparisonFactory(prompt__study=judge.study),
        order="ab",
        state="failed",
        error="HTTP 503: overloaded",
    )
    assert judge.rater.external_id == f"judge:{judge.name}" and judge.rater.group == "judge"
    page = admin_client.get("/admin/judges/judge/")
    assert page.status_code == 200 and judge.name in page.content.decode()
    calls = admin_client.get("/admin/judges/judgecall/?state=failed")
    assert calls.status_code == 200 and "failed" in calls.content.decode()
    assert admin_client.get(f"/admin/judges/judge/{judge.pk}/change/").status_code == 200
