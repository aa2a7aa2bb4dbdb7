"""The study page names a judge's failed calls and their reasons, grouped, as `judge-run --wait`
prints them: a judge whose key is missing in the worker is loud on the dashboard too."""

from __future__ import annotations

import pytest

from judges import services
from tests.judges.fake_llm import Reply, prefers
from tests.judges.helpers import make_judge, open_study, run_all

pytestmark = pytest.mark.django_db


def test_the_page_groups_failed_calls_by_reason_and_counts_the_rest(client, researcher, api, fake_llm):
    study = open_study(api, prompts=6, good=4)
    fake_llm.push(*[Reply(status=401)] * 4)  # the first four calls answer 401, the rest a verdict
    fake_llm.respond = prefers("GOOD")
    judge = make_judge(study, fake_llm, max_attempts=1)
    states = run_all(judge)
    assert sorted(states) == ["done"] * 8 + ["failed"] * 4
    missing = services.judge_create(
        study=study, name="nokey", base_url=fake_llm.url, model="m", api_key_env="LIMA_JUDGE_KEY_UNSET_IN_TESTS"
    )
    assert run_all(missing) == ["failed"] * 12
    client.force_login(researcher)
    page = client.get(f"/dashboard/s/{study.slug}/").content.decode()
    assert 'id="judge-runs"' in page
    alerts = page.split('class="msg error judge-errors"')[1:]
    assert len(alerts) == 2  # one per failing judge, in name order: gpt, nokey
    assert "4 calls of judge “gpt” failed" in alerts[0] and "401" in alerts[0]
    assert "12 calls of judge “nokey” failed" in alerts[1] and "LIMA_JUDGE_KEY_UNSET_IN_TESTS" in alerts[1]
    row = page.split('<th scope="row">gpt</th>')[1].split("</tr>")[0]
    assert '<td class="n">12</td><td class="n">8</td>' in row  # 12 calls, 8 done


def test_a_judge_that_never_ran_adds_nothing_to_the_page(client, researcher, api, fake_llm):
    study = open_study(api)
    make_judge(study, fake_llm)
    client.force_login(researcher)
    assert 'id="judge-runs"' not in client.get(f"/dashboard/s/{study.slug}/").content.decode()
