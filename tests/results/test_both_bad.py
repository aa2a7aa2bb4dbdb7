"""'Both are bad' through the API: the study option, vote import, results (four shares, folded into
a tie only for statistics of three outcomes, declared in results/schema.py) and the exports."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from comparisons import stats
from comparisons.models import Prompt, Study
from raters.models import Rater, Vote
from results.schema import ResultsSerializer
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.results.test_api import SYSTEMS, import_votes, lima_votes, pair

pytestmark = pytest.mark.django_db


def _open(api, slug: str, **fields) -> dict:
    body = create_study(api, slug=slug, **fields)
    upload(api, slug, rows_for(30, SYSTEMS))
    api.post(f"/api/studies/{slug}/open/")
    return body


def with_both_bad(rows: list[dict], every: int) -> list[dict]:
    """Every `every`-th row becomes a both-bad vote (whatever it was)."""
    return [r | {"choice": "both_bad"} if i % every == 0 else r for i, r in enumerate(rows)]


def test_a_study_offers_both_bad_only_when_created_with_it(api):
    labels = {"a": "A", "b": "B", "tie": "Same", "both_bad": "Both wrong"}
    created = create_study(api, slug="bb", both_bad=True, choices=labels)
    assert created["both_bad"] is True and created["choices"]["both_bad"] == "Both wrong"
    plain = create_study(api, slug="plain")
    assert plain["both_bad"] is False and "both_bad" not in plain["choices"]  # the labels raters see
    assert api.get("/api/studies/bb/").json()["both_bad"] is True


def test_a_draft_may_turn_both_bad_on_and_off_by_patch_an_open_study_may_not(api):
    create_study(api, slug="bb")
    turned_on = api.patch("/api/studies/bb/", {"both_bad": True}, format="json")
    assert turned_on.status_code == 200 and turned_on.json()["both_bad"] is True
    assert turned_on.json()["choices"]["both_bad"] == "Both are bad"
    both = api.patch("/api/studies/bb/", {"both_bad": False, "stopping": {"rule": "verdict"}}, format="json")
    assert both.status_code == 200 and both.json()["both_bad"] is False and both.json()["stopping"]
    upload(api, "bb", rows_for(30, SYSTEMS))
    assert api.post("/api/studies/bb/open/").status_code == 200
    refused = api.patch("/api/studies/bb/", {"both_bad": True, "stopping": None}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "both_bad" and "draft" in refused.json()["errors"][0]["reason"]
    after = api.get("/api/studies/bb/").json()
    assert after["both_bad"] is False and after["stopping"]  # nothing half-written: the stopping rule stayed
    assert api.patch("/api/studies/bb/", {"both_bad": False}, format="json").status_code == 200  # no change is fine
    garbled = api.patch("/api/studies/bb/", {"both_bad": "maybe"}, format="json")
    assert garbled.status_code == 400 and garbled.json()["errors"][0]["field"] == "both_bad"


def test_imported_both_bad_votes_are_kept_apart_and_the_four_shares_add_up(api):
    _open(api, "bb", both_bad=True)
    rows = with_both_bad(lima_votes(12, 6, 8), every=4) + lima_votes(3, 1, 2, baseline="Bard", rater="r2")
    assert import_votes(api, rows, slug="bb").status_code == 201
    bad = Vote.objects.filter(choice="both_bad")
    assert bad.count() == 7 and not bad.exclude(winner=None).exists()
    data = api.get("/api/studies/bb/results/").json()
    assert ResultsSerializer(data=data).is_valid()
    gpt4 = pair(data, "GPT-4")
    wins, ties, losses = (sum(1 for i, r in enumerate(lima_votes(12, 6, 8)) if i % 4 and k(i)) for k in (
        lambda i: i < 12, lambda i: 12 <= i < 18, lambda i: i >= 18))  # fmt: skip
    o = gpt4["outcomes"]
    assert (o["wins"], o["ties"], o["both_bad"], o["losses"]) == (wins, ties, 7, losses)
    assert o["n"] == 26 and o["win_share"] + o["tie_share"] + o["both_bad_share"] + o["loss_share"] == pytest.approx(1)
    assert o["both_bad_share"] == pytest.approx(7 / 26)
    # Folded into a tie where a statistic needs three outcomes, and said so:
    assert gpt4["counts"]["ties"] == ties + 7 and gpt4["counts"]["n"] == 26
    assert "count as ties" in o["folded_into_tie"]
    assert gpt4["sign_test"]["n"] == wins + losses
    # Each share's interval is the prompt-clustered one of stats.grade_shares on the same votes
    # (clusters = the prompts' database ids; the results' seed is the study's; 1000 resamples).
    code = {"both_bad": 2, "tie": 1}
    codes = [
        code.get(r["choice"], 0 if (r["choice"] == "left") == (r["left_system"] == "LIMA") else 3) for r in rows[:26]
    ]
    seed = Study.objects.get(slug="bb").seed
    ids = dict(Prompt.objects.filter(study__slug="bb").values_list("external_id", "id"))
    clusters = [ids[r["prompt_id"]] for r in rows[:26]]
    (reference,) = stats.grade_shares(clusters, np.zeros(26, dtype=int), codes, 4, n_resamples=1000, seed=seed)
    names = ("win_share", "tie_share", "both_bad_share", "loss_share")
    for name, interval in zip(names, reference.shares, strict=True):
        assert o["intervals"][name] == pytest.approx(interval.as_dict())
    assert pair(data, "Bard")["outcomes"]["both_bad"] == 0 and pair(data, "Bard")["outcomes"]["intervals"] is None


def test_a_study_without_the_option_refuses_both_bad_with_a_400_naming_the_field(api):
    _open(api, "plain")
    rows = with_both_bad(lima_votes(3, 1, 1), every=2)
    response = import_votes(api, rows, slug="plain")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"choice"} and [e["row"] for e in errors] == [1, 3, 5]
    assert "both_bad is not offered by this study" in errors[0]["reason"]
    assert not Vote.objects.exists() and not Rater.objects.exists()


def test_both_bad_and_a_tie_by_the_same_rater_on_one_pair_differ(api):
    _open(api, "bb", both_bad=True)
    rows = lima_votes(0, 2, 0)
    assert import_votes(api, rows, slug="bb").status_code == 201
    rows[0]["choice"] = "both_bad"
    assert import_votes(api, rows, slug="bb").status_code == 409
    twice = [rows[1], rows[1] | {"choice": "both_bad"}]
    response = import_votes(api, twice, slug="bb")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "choice"


def test_the_exports_keep_both_bad_apart(api):
    _open(api, "bb", both_bad=True)
    import_votes(api, with_both_bad(lima_votes(4, 2, 2), every=3), slug="bb")
    text = b"".join(api.get("/api/studies/bb/votes.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    bad = [r for r in rows if r["choice"] == "both_bad"]
    assert len(bad) == 3 and {(r["focal_outcome"], r["left_outcome"], r["winner"]) for r in bad} == {
        ("both_bad", "both_bad", "")
    }
    lines = [
        json.loads(line) for line in b"".join(api.get("/api/studies/bb/votes.jsonl").streaming_content).splitlines()
    ]
    assert sum(line["choice"] == "both_bad" for line in lines) == 3
