"""A rating study from the terminal, against the running service (a live server, PostgreSQL and
a real Celery worker): create with a design and a scale, upload, open, import grades, the grade
table, and an LLM grader beside the crowd; a dialogue study's turn grades; a bad scale names
its field."""

from __future__ import annotations

import json
import re

import pytest

from tests.judges.fake_llm import Reply, Seen
from tests.results.test_ratings_api import dialogue_rows, rating_rows

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker")]
PROMPTS = 20


def write_jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def row_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(name))


def grade_votes() -> list[dict]:
    """Three raters per response. LIMA: Excellent on p0-p9, Pass on p10-p19, except that r2
    calls p0-p3 a Pass; Alpaca: Fail everywhere."""
    rows: list[dict] = []
    for i in range(PROMPTS):
        for k in range(3):
            lima = "Pass" if i >= 10 or (k == 2 and i < 4) else "Excellent"
            rows.append({"prompt_id": f"p{i}", "system": "LIMA", "grade": lima, "rater": f"r{k}"})
            rows.append({"prompt_id": f"p{i}", "system": "Alpaca", "grade": 0, "rater": f"r{k}"})
    return rows


def grader(seen: Seen) -> Reply:
    """Excellent for the careful answers on p0-p9, Pass for the other careful ones, Fail else."""
    match = re.search(r"\[Response\]\n(.*?)\n\nGrade the response", seen.prompt, re.DOTALL)
    assert match, seen.prompt
    text = match.group(1)
    number = re.search(r"(\d+)\.$", text)
    assert number, text
    grade = "Fail" if "sloppy" in text else "Excellent" if int(number.group(1)) < 10 else "Pass"
    return Reply(content=json.dumps({"grade": grade}))


def test_a_researcher_runs_a_rating_study_and_a_grader_from_the_terminal(cli, tmp_path, fake_llm):
    created = cli(
        "create", "fig3", "--name", "Figure 3", "--design", "rating", "--systems", "LIMA", "Alpaca",
        "--scale", "Fail, Pass, Excellent", "--votes-per-comparison", "3",
    )  # fmt: skip
    assert created.code == 0, created.err
    assert created.out.strip() == "created fig3 (rating, draft): Alpaca, LIMA; scale Fail < Pass < Excellent"
    assert cli("upload", "fig3", write_jsonl(tmp_path / "o.jsonl", rating_rows(PROMPTS)), "--quiet").code == 0
    opened = cli("open", "fig3")
    assert opened.code == 0 and opened.out.strip() == "fig3 is open; items to grade: 40", opened.err
    imported = cli("import-votes", "fig3", write_jsonl(tmp_path / "v.jsonl", grade_votes()))
    assert imported.code == 0 and imported.out.startswith("rows 120, created 120"), imported.err

    results = cli("results", "fig3", "--fresh")
    assert results.code == 0, results.err
    table = results.out
    assert "fig3: grades per system (rating; unit: response); 120 votes; 95% intervals clustered by prompt" in table
    header = row_of(table, "system")
    assert re.search(r"system\s+Fail\s+Pass\s+Excellent\s+mean score \(1-3\)\s+n responses$", header), header
    # LIMA: 4 of 60 grades moved from Excellent to Pass: Pass 34/60 = 57%, Excellent 26/60 = 43%
    lima = row_of(table, "LIMA")
    shares = r"^LIMA\s+0% \[0-\d+\]\s+57% \[\d+-\d+\]\s+43% \[\d+-\d+\]"
    assert re.search(shares + r"\s+2\.43 \[\d\.\d\d-\d\.\d\d\]\s+60$", lima), lima
    alpaca = row_of(table, "Alpaca")
    assert re.search(r"^Alpaca\s+100% \[\d+-100\]\s+0% \[0-\d+\]\s+0% \[0-\d+\]\s+1\.00", alpaca), alpaca
    low, high = (int(x) for x in re.search(r"57% \[(\d+)-(\d+)\]", lima).groups())
    assert 20 < low < 57 < high < 90  # an interval clustered by prompt, not a point

    fake_llm.respond = grader
    added = cli("judge-add", "fig3", "gpt4", "--base-url", fake_llm.url, "--model", "gpt-4")
    assert added.code == 0 and "voting as judge:gpt4" in added.out, added.err
    ran = cli("judge-run", "fig3", "gpt4", "--wait")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == ["queued 40 calls", "40 votes; 0 unparseable; 0 failed; cost 0.000000"]
    status = cli("status", "fig3")
    assert "scale: Fail < Pass < Excellent" in status.out and "items to grade 40" in status.out
    assert "grades Fail 20, Pass 10, Excellent 10" in status.out

    by_group = cli("results", "fig3", "--by-group", "--fresh")
    assert by_group.code == 0, by_group.err
    lines = by_group.out.splitlines()
    assert "120 votes" in lines[0]  # the judge's 40 grades are not in the headline rows
    assert len([line for line in lines if line.startswith("  judge")]) == 2
    at = lines.index(row_of(by_group.out, "LIMA"))
    crowd, judge = lines[at + 1], lines[at + 2]  # LIMA's rows per group, under its own
    assert crowd.startswith("  crowd") and crowd.endswith("60"), crowd
    assert re.search(r"^  judge\s+0% \[0-\d+\]\s+50% \[\d+-\d+\]\s+50% \[\d+-\d+\]\s+2\.50.*\s20$", judge), judge
    # 120 judge-human pairs; the judge disagrees only with r2's four Passes on p0-p3
    assert "judge against the humans on 40 responses both graded: exact agreement 97% of 120 pairs" in by_group.out
    assert "(humans among themselves 93%)" in by_group.out
    plain = cli("results", "fig3")
    assert "--by-group shows them beside the humans" in plain.out


def test_a_dialogue_study_takes_turn_grades_from_the_terminal(cli, tmp_path):
    created = cli("create", "fig7", "--name", "Figure 7", "--design", "dialogue", "--systems", "LIMA", "LIMA-dialogue")
    assert created.code == 0 and "(dialogue, draft)" in created.out, created.err
    assert cli("upload", "fig7", write_jsonl(tmp_path / "o.jsonl", dialogue_rows(6, 2)), "--quiet").code == 0
    assert cli("open", "fig7").code == 0
    votes = [
        {"prompt_id": f"c{i}", "system": s, "turn_grades": g, "rater": "r1"}
        for i in range(6)
        for s, g in (("LIMA", ["Pass", "Fail"]), ("LIMA-dialogue", ["Excellent", 1]))
    ]
    imported = cli("import-votes", "fig7", write_jsonl(tmp_path / "v.jsonl", votes))
    assert imported.code == 0 and imported.out.startswith("rows 12, created 12"), imported.err
    results = cli("results", "fig7", "--fresh")
    assert "unit: turn" in results.out and "clustered by conversation" in results.out
    assert re.search(r"^LIMA\s+50% \[.*\]\s+50% \[.*\]\s+0% \[.*\]\s+1\.50.*\s12$", row_of(results.out, "LIMA "))


def test_a_bad_scale_is_refused_with_its_field(cli):
    bad = cli("create", "s", "--name", "S", "--design", "rating", "--systems", "A", "--scale", "Good,good")
    assert bad.code == 1 and "scale" in bad.err and "differ" in bad.err


def test_create_takes_per_turn_and_both_bad_and_refuses_per_turn_on_a_rating_study(cli):
    created = cli(
        "create", "pt", "--name", "Turns", "--focal", "LIMA", "--baseline", "Alpaca", "--per-turn", "--both-bad"
    )  # fmt: skip
    assert created.code == 0, created.err
    assert created.out.startswith("created pt (focal, per_turn, both_bad, draft): ")  # as the service stored it
    refused = cli("create", "pr", "--name", "R", "--design", "rating", "--systems", "LIMA", "--per-turn")
    assert refused.code == 1 and "per_turn" in refused.err
