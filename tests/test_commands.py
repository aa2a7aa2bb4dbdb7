"""The management commands: researcher_token and load_demo (the demo's own steps)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from demo.data import demo_rows, write_jsonl
from tests.conftest import ROOT


def token_for(username: str, *args: str) -> str:
    out = StringIO()
    call_command("researcher_token", username, *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


@pytest.mark.django_db
def test_researcher_token_creates_the_researcher_and_its_token_authenticates():
    token = token_for("ada")
    assert len(token) == 40 and token_for("ada") == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/studies/").status_code == 200
    rotated = token_for("ada", "--rotate")
    assert rotated != token
    assert client.get("/api/studies/").status_code == 401


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def embedded_env(tmp_path) -> dict:
    """The demo's environment: nothing set but a SQLite file, so Celery runs eagerly."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}


def test_the_demo_steps_load_an_open_lima_study_on_the_embedded_default(tmp_path):
    env = embedded_env(tmp_path)
    manage("migrate", "--noinput", env=env)
    loaded = manage("load_demo", env=env)
    out = loaded.stdout
    assert "is open: 300 prompts, 1500 comparisons over 5 pairs" in out
    assert "WARNING" not in loaded.stderr, loaded.stderr  # e.g. kombu's "No hostname was supplied"
    again = manage("load_demo", env=env).stdout
    assert "1500 comparisons" in again and "none added" in again
    token = manage("researcher_token", "demo", "--password", "demo", "--admin", env=env).stdout.strip()
    db = sqlite3.connect(tmp_path / "demo.sqlite3")

    def of_study(query: str, slug: str) -> set:
        return {row[0] for row in db.execute(query, (slug,))}

    systems = (
        "select s.name from comparisons_system s join comparisons_studysystem m on m.system_id = s.id"
        " join comparisons_study t on t.id = m.study_id where t.slug = ?"
    )
    assert of_study(systems, "lima-demo") == {"LIMA 65B", "GPT-4", "Bard", "DaVinci003", "Claude", "Alpaca 65B"}
    assert of_study(systems, "lima-demo-ratings") == {"LIMA 65B"}  # Figure 3
    assert of_study(systems, "lima-demo-dialogue") == {"LIMA 65B (zero-shot)", "LIMA 65B + 30 dialogue chains"}
    categories = (
        "select p.category from comparisons_prompt p join comparisons_study t on t.id = p.study_id where t.slug = ?"
    )
    assert of_study(categories, "lima-demo") == {"advice", "writing", "coding", "knowledge", "planning"}
    count = (
        "select count(*) from comparisons_comparison c join comparisons_study t on t.id = c.study_id where t.slug = ?"
    )
    assert [db.execute(count, (slug,)).fetchone()[0] for slug in ("lima-demo", "lima-demo-ratings")] == [1500, 50]
    assert db.execute("select key from authtoken_token").fetchone() == (token,)


def test_load_demo_loads_real_outputs_from_a_jsonl_path(tmp_path):
    env = embedded_env(tmp_path)
    path = tmp_path / "outputs.jsonl"
    rows = [r for r in demo_rows(seed=3, n_prompts=10) if r["system"] in ("LIMA 65B", "GPT-4", "Claude")]
    write_jsonl(rows, path)
    manage("migrate", "--noinput", env=env)
    out = manage("load_demo", "--slug", "mine", "--jsonl", str(path), "--focal", "LIMA 65B", env=env).stdout
    assert "'mine' is open: 10 prompts, 20 comparisons over 2 pairs" in out


def test_load_demo_refuses_a_bad_jsonl_file_and_names_the_line(tmp_path):
    env = embedded_env(tmp_path)
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"prompt_id": "a", "prompt": "q", "system": "x", "response": "r"}) + '\n{"prompt_id": "b"}\n'
    )
    manage("migrate", "--noinput", env=env)
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo", "--jsonl", str(path), "--focal", "x"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "line 2: system: is required" in result.stderr
