"""The whole LIMA-shaped flow from a terminal, against the running service: a live server,
PostgreSQL and a real Celery worker; then a GPT-4-style judge beside the crowd."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest

from lima_client import ApiError, Client, JobFailed
from tests.client.conftest import client_env
from tests.conftest import ARTIFACTS, wait_for
from tests.judges.fake_llm import Reply, prefers

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker")]
BASELINES = ["GPT-4", "Alpaca 65B"]
PROMPTS = 40


def outputs() -> list[dict]:
    rows = []
    for i in range(PROMPTS):
        rows.append(
            {
                "prompt_id": f"q{i}",
                "prompt": f"Question {i}?",
                "category": "advice" if i % 2 else "knowledge",
                "system": "LIMA 65B",
                "response": f"LIMA {'GOOD' if i < 20 else 'plain'} answer {i}.",
            }
        )
        rows += [{"prompt_id": f"q{i}", "system": s, "response": f"{s} answer {i}."} for s in BASELINES]
    return rows


def crowd_votes() -> list[dict]:
    """Per baseline and prompt, three raters. Against Alpaca, LIMA wins 2 of 3 votes on every
    prompt; against GPT-4 the votes are: prompts 0-9 LIMA wins, 10-29 tie, 30-39 GPT-4 wins,
    each on all three votes (win 25%, tie 50%, loss 25%)."""
    votes = []
    for i in range(PROMPTS):
        for k in range(3):
            votes.append(
                {
                    "prompt_id": f"q{i}",
                    "left_system": "LIMA 65B",
                    "right_system": "Alpaca 65B",
                    "rater": f"w{k}",
                    "choice": "left" if k < 2 else "right",
                }
            )
            gpt = "left" if i < 10 else "tie" if i < 30 else "right"
            votes.append(
                {
                    "prompt_id": f"q{i}",
                    "left_system": "GPT-4",
                    "right_system": "LIMA 65B",
                    "rater": f"w{k}",
                    "choice": {"left": "right", "right": "left", "tie": "tie"}[gpt],
                }
            )
    return votes


def write_jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def row_of(table: str, name: str) -> str:
    return next(line for line in table.splitlines() if line.startswith(name))


def test_a_researcher_runs_a_lima_study_from_the_terminal(cli, tmp_path, fake_llm):
    created = cli(
        "create",
        "lima",
        "--name",
        "LIMA vs baselines",
        "--focal",
        "LIMA 65B",
        "--baseline",
        "GPT-4",
        "--baseline",
        "Alpaca 65B",
    )
    assert created.code == 0, created.err
    assert created.out.startswith("created lima (focal, draft)")

    uploaded = cli("upload", "lima", write_jsonl(tmp_path / "outputs.jsonl", outputs()))
    assert uploaded.code == 0, uploaded.err
    assert re.search(r"upload \[#{30}\] 100% 11.0 KB/11.0 KB", uploaded.err.splitlines()[-1])
    assert uploaded.out.startswith("rows 120, created 120")

    opened = cli("open", "lima")
    assert opened.code == 0, opened.err
    assert opened.out.strip() == "lima is open; comparisons: 80"

    imported = cli("import-votes", "lima", write_jsonl(tmp_path / "votes.jsonl", crowd_votes()))
    assert imported.code == 0 and imported.out.startswith("rows 240, created 240"), imported.err

    results = cli("results", "lima", "--fresh")
    assert results.code == 0, results.err
    table = results.out
    assert "LIMA 65B against each baseline; 240 votes; 95% bootstrap intervals" in table
    names = [line.split("  ")[0] for line in table.splitlines() if line.startswith(("GPT-4", "Alpaca 65B"))]
    assert names == ["GPT-4", "Alpaca 65B"]  # the study's order (as created), as on the dashboard and in exports
    alpaca, gpt = row_of(table, "Alpaca 65B"), row_of(table, "GPT-4")
    assert re.search(
        r"67% \[\d+-\d+\]\s+0% \[0-0\]\s+33% \[\d+-\d+\]\s+120\s+LIMA 65B preferred over Alpaca 65B", alpaca
    ), alpaca
    assert re.search(
        r"25% \[\d+-\d+\]\s+50% \[\d+-\d+\]\s+25% \[\d+-\d+\]\s+120\s+no significant difference from GPT-4", gpt
    ), gpt

    exported = cli("export", "lima", "-o", "votes.csv")
    assert exported.code == 0 and exported.out.startswith("wrote votes.csv")
    with open(tmp_path / "votes.csv", newline="") as f:
        votes = list(csv.DictReader(f))
    assert len(votes) == 240 and {v["focal_outcome"] for v in votes} == {"win", "tie", "loss"}
    assert (
        sum(v["focal_outcome"] == "win" for v in votes if "Alpaca 65B" in (v["left_system"], v["right_system"])) == 80
    )

    # A judge beside the crowd: it prefers responses saying GOOD (LIMA's on prompts 0-19).
    fake_llm.respond = prefers("GOOD")
    added = cli(
        "judge-add",
        "lima",
        "gpt4",
        "--base-url",
        fake_llm.url,
        "--model",
        "gpt-4",
        "--order-policy",
        "both",
        "--price-prompt-per-1k",
        "0.03",
        "--price-completion-per-1k",
        "0.06",
    )
    assert added.code == 0 and "voting as judge:gpt4" in added.out, added.err
    ran = cli("judge-run", "lima", "gpt4", "--wait")
    assert ran.code == 0, ran.err  # cost: 160 calls x (100 x 0.03 + 10 x 0.06) / 1000
    assert ran.out.splitlines() == ["queued 160 calls", "80 votes; 0 unparseable; 0 failed; cost 0.576000"]
    assert len(fake_llm.requests) == 160
    status = cli("status", "lima")
    assert "lima: LIMA vs baselines - open" in status.out and "comparisons 80" in status.out
    assert "judge gpt4: 160 calls (160 done); 80 votes; 0 unparseable; cost 0.576000" in status.out

    by_group = cli("results", "lima", "--by-group", "--fresh")
    assert by_group.code == 0, by_group.err
    lines = by_group.out.splitlines()
    judge_rows = [line for line in lines if line.strip().startswith("judge ")]
    assert len(judge_rows) == 2 and all(re.search(r"50% \[\d+-\d+\]\s+50%\s+0%\s+40$", r) for r in judge_rows), (
        judge_rows
    )
    assert any(line.strip().startswith("crowd-judge") for line in lines)
    judged = cli("results", "lima", "--rater-group", "judge", "--json")
    assert json.loads(judged.out)["n_votes"] == 80

    again = cli("judge-run", "lima", "gpt4")
    assert again.out.startswith("queued 0 calls") and len(fake_llm.requests) == 160
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "cli-flow.txt").write_text(
        "\n".join(
            f"$ lima-eval {name}\n{run.err}{run.out}"
            for name, run in [
                ("upload lima outputs.jsonl", uploaded),
                ("open lima", opened),
                ("import-votes lima votes.jsonl", imported),
                ("results lima", results),
                ("judge-run lima gpt4 --wait", ran),
                ("status lima", status),
                ("results lima --by-group", by_group),
            ]
        )
    )


def test_a_large_upload_becomes_a_job_the_terminal_waits_for_with_a_progress_bar(cli, settings, tmp_path):
    settings.LIMA_ASYNC_UPLOAD_ROWS = 50  # 120 rows: the upload becomes a job the worker writes
    cli("create", "lima", "--name", "LIMA", "--focal", "LIMA 65B", "--baseline", "GPT-4", "--baseline", "Alpaca 65B")
    uploaded = cli("upload", "lima", write_jsonl(tmp_path / "outputs.jsonl", outputs()))
    assert uploaded.code == 0, uploaded.err
    assert "upload [" in uploaded.err and "store  [" in uploaded.err and "120/120 rows" in uploaded.err.splitlines()[-1]
    assert uploaded.out.startswith("rows 120, created 120")


def test_the_terminal_shows_the_apis_errors_and_exits_non_zero(cli, tmp_path):
    missing = cli("upload", "nope", write_jsonl(tmp_path / "o.jsonl", outputs()[:3]), "--quiet")
    assert missing.code == 1 and "HTTP 404" in missing.err
    cli("create", "s", "--name", "S", "--focal", "A", "--baseline", "B")
    bad = cli(
        "upload",
        "s",
        write_jsonl(
            tmp_path / "bad.jsonl",
            [{"prompt_id": "q1", "system": "A", "response": "x"}, {"prompt_id": "q1", "prompt": "Q", "system": "B"}],
        ),
    )
    assert bad.code == 1
    assert "HTTP 400" in bad.err and "row 2, response: is required" in bad.err
    refused = cli("open", "s")
    assert refused.code == 1 and "HTTP 409" in refused.err and "upload outputs before opening" in refused.err
    env = {k: v for k, v in client_env().items() if k != "LIMA_EVAL_TOKEN"}
    no_token = subprocess.run(
        [sys.executable, "-m", "lima_client", "status", "s"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert no_token.returncode == 2 and "LIMA_EVAL_TOKEN" in no_token.stderr


def test_the_client_waits_for_a_job_with_progress_and_raises_a_failed_jobs_errors(live_server, token):
    """Jobs made by the upload service itself (the API's 202 is broken under wsgiref, see above)."""
    from rest_framework.authtoken.models import Token

    from comparisons.ingest.rows import validate_rows
    from comparisons.models import Study
    from comparisons.services.jobs import upload_job_create

    user = Token.objects.get(key=token).user
    with Client(live_server.url, token) as client:
        client.create_study(name="J", slug="jobs", focal_system="LIMA 65B", baselines=BASELINES)
        rows, errors = validate_rows(list(enumerate(outputs(), start=1)), max_text_chars=10_000)
        assert not errors
        job = upload_job_create(study=Study.objects.get(slug="jobs"), user=user, rows=rows, replace=False)
        seen = []
        done = client.wait_for_job(str(job.pk), progress=lambda d, t: seen.append((d, t)), interval=0.1)
        assert done["status"] == "succeeded" and done["counts"]["created"] == 120 and seen[-1] == (120, 120)
        changed = [dict(r, response="changed") if r["system"] == "GPT-4" else r for r in outputs()[:6]]
        rows, _ = validate_rows(list(enumerate(changed, start=1)), max_text_chars=10_000)
        job = upload_job_create(study=Study.objects.get(slug="jobs"), user=user, rows=rows, replace=False)
        with pytest.raises(JobFailed) as failed:
            client.wait_for_job(str(job.pk), interval=0.1)
    assert failed.value.status == 409 and "differ from stored" in failed.value.detail
    assert [(e.row, e.field) for e in failed.value.errors] == [(2, "response"), (5, "response")]


def test_the_client_collects_a_systems_responses_from_an_endpoint(live_server, token, fake_llm):
    fake_llm.respond = lambda seen: Reply(content="Vicuna's answer")
    with Client(live_server.url, token) as client:
        client.create_study(name="C", slug="c", design="all_pairs", systems=["LIMA", "GPT-4"])
        client.upload_outputs(
            "c",
            [
                {"prompt_id": f"p{i}", "prompt": f"Q{i}?", "system": s, "response": s}
                for i in range(3)
                for s in ("LIMA", "GPT-4")
            ],
        )
        created = client.collect_responses("c", system="Vicuna", base_url=fake_llm.url, model="vicuna", max_tokens=64)
        assert created["queued"] == 3 and created["max_tokens"] == 64
        done = wait_for(
            lambda: (c := client.collection("c", created["id"]))["status"]["by_state"]["done"] == 3 and c,
            timeout=60,
            what="three collected responses",
        )
        assert done["status"]["tokens"] == {"prompt": 300, "completion": 30}
        assert client.study("c")["counts"]["responses"] == {"GPT-4": 3, "LIMA": 3, "Vicuna": 3}
        with pytest.raises(ApiError) as again:
            client.collect_responses("c", system="Vicuna", base_url=fake_llm.url, model="vicuna")
    assert again.value.status == 400 and again.value.errors[0].field == "system"


def test_judge_run_wait_prints_the_failed_calls_reasons_grouped_and_exits_non_zero(cli, tmp_path, fake_llm):
    assert cli("create", "lima", "--name", "LIMA", "--focal", "LIMA 65B", "--baseline", "GPT-4").code == 0
    rows = [r for r in outputs()[:30] if r["system"] in ("LIMA 65B", "GPT-4")]
    assert cli("upload", "lima", write_jsonl(tmp_path / "outputs.jsonl", rows)).code == 0
    assert cli("open", "lima").code == 0
    added = cli(
        "judge-add",
        "lima",
        "gpt4",
        "--base-url",
        fake_llm.url,
        "--model",
        "gpt-4",
        "--api-key-env",
        "LIMA_JUDGE_KEY_NOBODY_SET",
    )  # the workers' environment does not have it
    assert added.code == 0, added.err
    ran = cli("judge-run", "lima", "gpt4", "--wait", timeout=300)
    assert ran.code == 1, ran.out + ran.err
    assert "20 failed" in ran.out  # both orders of 10 comparisons
    reasons = ran.err.splitlines()
    assert reasons[0] == "20 calls failed; the reasons (most frequent first):"
    assert len(reasons) == 2 and reasons[1].startswith("  20 x ") and "LIMA_JUDGE_KEY_NOBODY_SET" in reasons[1], ran.err
    assert fake_llm.requests == []  # nothing was sent without the key
