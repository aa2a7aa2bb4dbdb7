"""The README's API example, run as written (only the host changes) against a live server,
PostgreSQL and a Celery worker, with the files in examples/: the README cannot drift from the
API or from the example files. (The CLI example lives with the client's own tests.)"""

from __future__ import annotations

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
    section = text[text.index(heading):]
    return re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readmes_api_sequence_runs_as_written_with_the_example_files(live_server, transactional_db):
    if not shutil.which("curl"):
        pytest.skip("curl is absent")
    block = readme_block("## Using the API")
    assert "@examples/outputs.jsonl" in block and "@examples/votes.jsonl" in block
    host = live_server.url.removeprefix("http://")
    # Every curl fails loudly on an HTTP error and ends its body with a newline; the block itself is untouched.
    script = ("set -euo pipefail\ncurl() { command curl -sS --fail-with-body \"$@\"; echo; }\n"
              + block.replace("localhost:8000", host))
    env = os.environ | {"DATABASE_URL": worker_database_url()}
    done = subprocess.run(["bash", "-c", script], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    upload, study, imported, results = outputs[1], outputs[3], outputs[4], outputs[5]
    assert upload["rows"] == 18 and upload["prompts_created"] == 6
    assert study["status"] == "open"
    assert imported["created"] == 36
    assert [p["systems"] for p in results["pairs"]] == [["LIMA 65B", "GPT-4"], ["LIMA 65B", "Bard"]]
    assert results["n_votes"] == 36 and results["simulated_votes"] == 0
