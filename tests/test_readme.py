"""The README's API example, run as written (only the host changes) against a live server,
PostgreSQL and a Celery worker, with the files in examples/: the README cannot drift from the
API, the command line or the example files. (The CLI's judge lines need an LLM endpoint: the
same commands run against a fake one in tests/client/test_cli_flow.py.)"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import worker_database_url

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker")]


def readme_block(heading: str) -> str:
    """The first ```sh block under `heading` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found is not None, f"no sh block under {heading!r}"
    return found.group(1)


def test_the_readmes_api_sequence_runs_as_written_with_the_example_files(live_server, transactional_db):
    if not shutil.which("curl"):
        pytest.skip("curl is absent")
    block = readme_block("## Using the API")
    assert "@examples/outputs.jsonl" in block and "@examples/votes.jsonl" in block
    host = live_server.url.removeprefix("http://")
    # Every curl fails loudly on an HTTP error and ends its body with a newline; the block itself is untouched.
    script = 'set -euo pipefail\ncurl() { command curl -sS --fail-with-body "$@"; echo; }\n' + block.replace(
        "localhost:8000", host
    )
    env = os.environ | {"DATABASE_URL": worker_database_url()}
    done = subprocess.run(
        ["bash", "-c", script], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    upload = next(o for o in outputs if "prompts_created" in o)
    study = [o for o in outputs if o.get("status") == "open"][-1]
    imported = next(o for o in outputs if "created" in o and "prompts_created" not in o)
    results = next(o for o in outputs if "pairs" in o)
    assert upload["rows"] == 18 and upload["prompts_created"] == 6
    assert study["status"] == "open"
    assert imported["created"] == 36
    assert [p["systems"] for p in results["pairs"]] == [["LIMA 65B", "GPT-4"], ["LIMA 65B", "Bard"]]
    assert results["n_votes"] == 36 and results["simulated_votes"] == 0


def test_the_readmes_command_line_sequence_runs_as_written_up_to_the_judge(live_server, transactional_db, tmp_path):
    block = readme_block("## Command line")
    block = block[: block.index("# An LLM judge")]
    assert "examples/outputs.jsonl" in block and "examples/votes.jsonl" in block
    for name in ("examples", ".venv", "manage.py"):  # a scratch copy of the checkout's layout: the export lands there
        (tmp_path / name).symlink_to(ROOT / name)
    host = live_server.url.removeprefix("http://")
    script = "set -euo pipefail\n" + block.replace("127.0.0.1:8000", host)
    env = os.environ | {"DATABASE_URL": worker_database_url(), "PYTHONPATH": f"{ROOT / 'client'}:{ROOT}"}
    done = subprocess.run(
        ["bash", "-c", script], check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    table = done.stdout
    assert "LIMA 65B against each baseline; 36 votes" in table
    rows = [line.split()[0] for line in table.splitlines() if line.startswith(("GPT-4 ", "Bard "))]
    assert rows == ["GPT-4", "Bard"]  # the study's order, as created
    with open(tmp_path / "lima-votes.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 36
