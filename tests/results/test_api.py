"""Vote import, the results API and the exports, on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from scipy.stats import binomtest
from statsmodels.stats.proportion import multinomial_proportions_confint

from comparisons.models import Study
from raters.models import Rater, Vote
from results.models import ResultSnapshot
from results.services import results_refresh
from tests.comparisons.helpers import create_study, rows_for, upload

pytestmark = pytest.mark.django_db
SYSTEMS = ["LIMA", "GPT-4", "Bard"]


@pytest.fixture
def study(api):
    create_study(api, slug="s")
    upload(api, "s", rows_for(30, SYSTEMS))
    api.post("/api/studies/s/open/")
    return Study.objects.get(slug="s")


def import_votes(api, rows, slug="s"):
    return api.post(f"/api/studies/{slug}/votes/import/", json.dumps(rows), content_type="application/json")


def lima_votes(
    wins: int, ties: int, losses: int, baseline: str = "GPT-4", rater: str = "r1", start: int = 0
) -> list[dict]:
    """Votes of one rater, one per prompt, with LIMA shown left and right alternately."""
    out = []
    for i, outcome in enumerate(["win"] * wins + ["tie"] * ties + ["loss"] * losses):
        lima_left = i % 2 == 0
        choice = "tie" if outcome == "tie" else ("left" if (outcome == "win") == lima_left else "right")
        left, right = ("LIMA", baseline) if lima_left else (baseline, "LIMA")
        out.append(
            {"prompt_id": f"p{start + i}", "left_system": left, "right_system": right, "choice": choice, "rater": rater}
        )
    return out


def pair(results: dict, baseline: str) -> dict:
    return next(p for p in results["pairs"] if p["systems"] == ["LIMA", baseline])


def test_imported_votes_are_stored_marked_and_counted(api, study):
    response = import_votes(api, lima_votes(12, 5, 8) + lima_votes(3, 1, 2, baseline="Bard", rater="r2"))
    assert response.status_code == 201
    assert response.json() == {"rows": 31, "created": 31, "unchanged": 0, "raters_created": 2}
    assert Vote.objects.filter(imported=True).count() == 31
    assert Rater.objects.get(external_id="r1").source == "imported"
    vote = Vote.objects.filter(rater__external_id="r1", shown_left__system__name="LIMA", choice="left").first()
    assert vote.winner.name == "LIMA"
    results = api.get("/api/studies/s/results/").json()
    assert pair(results, "GPT-4")["counts"] | {} == {
        "n": 25,
        "wins": 12,
        "ties": 5,
        "losses": 8,
        "win_share": 12 / 25,
        "tie_share": 5 / 25,
        "loss_share": 8 / 25,
        "win_or_tie_share": 17 / 25,
        "win_rate": 14.5 / 25,
    }
    assert pair(results, "Bard")["counts"]["n"] == 6
    assert {r["rater"] for r in results["rater_quality"]["raters"]} <= {"r1", "r2"}
    assert results["n_votes"] == 31 and results["stale"] is False


def test_the_same_import_twice_is_unchanged_and_a_different_vote_is_a_409(api, study):
    rows = lima_votes(3, 1, 1)
    import_votes(api, rows)
    again = import_votes(api, rows)
    assert again.status_code == 200 and again.json()["unchanged"] == 5 and again.json()["created"] == 0
    rows[0]["choice"] = "tie"
    conflict = import_votes(api, rows)
    assert conflict.status_code == 409
    assert conflict.json()["errors"][0]["row"] == 1 and conflict.json()["errors"][0]["field"] == "choice"
    assert Vote.objects.count() == 5


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"choice": "A"}, "choice", "must be one of left, right, tie, both_bad (as the rater saw the responses)"),
        ({"left_system": "LIMA", "right_system": "LIMA"}, "right_system", "must differ from left_system"),
        ({"left_system": "Claude"}, "left_system", "no system 'Claude' in this study"),
        ({"prompt_id": "nope"}, "prompt_id", "no prompt 'nope' in this study"),
        ({"created": "yesterday"}, "created", "must be an ISO 8601 date-time, e.g. 2023-05-18T14:03:00Z"),
        ({"rater": ""}, "rater", "must be a non-empty string"),
        (
            {"extra": 1},
            "extra",
            "unknown field; allowed fields are "
            "prompt_id, left_system, right_system, choice, system, grade, turn_grades, turn_choices, "
            "rater, rater_group, created, seconds",
        ),
    ],
)
def test_a_bad_import_row_is_named_and_nothing_is_stored(api, study, change, field, reason):
    rows = lima_votes(2, 0, 1)
    rows[1] |= change
    response = import_votes(api, rows)
    assert response.status_code == 400
    assert {"row": 2, "field": field, "reason": reason} in response.json()["errors"]
    assert Vote.objects.count() == 0 and Rater.objects.count() == 0


def test_a_baseline_pair_the_design_does_not_compare_is_refused(api, study):
    rows = [{"prompt_id": "p1", "left_system": "GPT-4", "right_system": "Bard", "choice": "left", "rater": "x"}]
    response = import_votes(api, rows)
    assert (
        response.status_code == 400 and "no comparison of 'GPT-4' and 'Bard'" in response.json()["errors"][0]["reason"]
    )


def test_imports_into_a_draft_are_refused(api):
    create_study(api, slug="d")
    upload(api, "d", rows_for(2, SYSTEMS))
    assert import_votes(api, lima_votes(1, 0, 0), slug="d").status_code == 409


def test_created_times_and_groups_are_kept(api, study):
    rows = lima_votes(1, 0, 0)
    rows[0] |= {"created": "2023-05-18T14:03:00Z", "rater_group": "author"}
    import_votes(api, rows)
    vote = Vote.objects.get()
    assert vote.created_at.isoformat() == "2023-05-18T14:03:00+00:00" and vote.rater.group == "author"


def test_intervals_match_scipy_and_statsmodels(api, study):
    import_votes(api, lima_votes(14, 6, 10))
    result = pair(api.get("/api/studies/s/results/?method=wilson&level=0.9").json(), "GPT-4")
    wilson = binomtest(14, 30).proportion_ci(confidence_level=0.9, method="wilson")
    assert result["interval"]["win_share"]["low"] == pytest.approx(wilson.low, abs=1e-12)
    assert result["interval"]["win_share"]["high"] == pytest.approx(wilson.high, abs=1e-12)
    goodman = multinomial_proportions_confint([14, 6, 10], alpha=0.1, method="goodman")
    assert result["intervals"]["goodman"]["tie_share"]["low"] == pytest.approx(goodman[1][0], abs=1e-12)
    assert result["interval_method"] == "wilson"
    assert result["sign_test"]["p_value"] == pytest.approx(binomtest(14, 24).pvalue)


def test_significance_is_holm_adjusted_and_said_in_words(api, study):
    import_votes(api, lima_votes(26, 2, 2) + lima_votes(3, 2, 2, baseline="Bard", rater="r2"))
    results = api.get("/api/studies/s/results/").json()
    gpt4, bard = pair(results, "GPT-4"), pair(results, "Bard")
    raw = [gpt4["sign_test"]["p_value"], bard["sign_test"]["p_value"]]
    assert gpt4["p_value_holm"] == pytest.approx(min(1, 2 * min(raw)))
    assert gpt4["verdict"] == "LIMA preferred over GPT-4, p < 0.001" and gpt4["significant"] is True
    assert bard["verdict"].startswith("no significant difference from Bard (p = ")


def test_excluded_raters_gold_votes_and_filters_leave_the_results(api, study):
    import_votes(api, lima_votes(10, 0, 0, rater="good") + lima_votes(0, 0, 10, rater="bad", start=10))
    rows = lima_votes(0, 5, 0, rater="expert", start=20)
    for row in rows:
        row["rater_group"] = "expert"
    import_votes(api, rows)
    both = pair(api.get("/api/studies/s/results/").json(), "GPT-4")
    assert both["counts"]["n"] == 25
    assert both["by_group"]["expert"]["counts"]["ties"] == 5 and both["by_group"]["crowd"]["counts"]["n"] == 20
    assert pair(api.get("/api/studies/s/results/?exclude_raters=bad").json(), "GPT-4")["counts"]["losses"] == 0
    assert pair(api.get("/api/studies/s/results/?rater_group=expert").json(), "GPT-4")["counts"] == {
        "n": 5,
        "wins": 0,
        "ties": 5,
        "losses": 0,
        "win_share": 0.0,
        "tie_share": 1.0,
        "loss_share": 0.0,
        "win_or_tie_share": 1.0,
        "win_rate": 0.5,
    }
    Rater.objects.filter(external_id="bad").update(excluded=True)
    Vote.objects.filter(rater__external_id="good", comparison__prompt__external_id="p0").update(is_gold=True)
    assert api.get("/api/studies/s/results/").json()["stale"] is True
    results_refresh(study_id=study.pk)  # what the debounced task runs
    counts = pair(api.get("/api/studies/s/results/").json(), "GPT-4")["counts"]
    assert counts["n"] == 14 and counts["wins"] == 9 and counts["losses"] == 0


def test_majority_aggregation_counts_one_outcome_per_comparison_with_splits_as_ties(api, study):
    votes = []
    for rater, choices in {"a": ["win", "win"], "b": ["win", "loss"], "c": ["loss", "tie"]}.items():
        for i, outcome in enumerate(choices):
            votes += lima_votes(*(outcome == "win", outcome == "tie", outcome == "loss"), rater=rater, start=i)
    import_votes(api, votes)
    counts = pair(api.get("/api/studies/s/results/?aggregate=majority").json(), "GPT-4")["counts"]
    assert (counts["wins"], counts["ties"], counts["losses"]) == (1, 1, 0)


@pytest.mark.parametrize(
    ("query", "field"), [("level=2", "level"), ("method=bayes", "method"), ("aggregate=mean", "aggregate")]
)
def test_bad_results_parameters_are_400s(api, study, query, field):
    response = api.get(f"/api/studies/s/results/?{query}")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field


def test_results_are_cached_and_marked_stale_when_votes_change(api, study):
    import_votes(api, lima_votes(3, 1, 1))
    first = api.get("/api/studies/s/results/").json()
    assert api.get("/api/studies/s/results/").json()["computed_at"] == first["computed_at"]
    assert ResultSnapshot.objects.filter(study=study, key="default").count() == 1
    import_votes(api, lima_votes(1, 0, 0, rater="r9", start=10))
    later = api.get("/api/studies/s/results/").json()
    assert later["stale"] is True and later["n_votes"] == 5  # the refresh task updates it (test_results_worker)


def test_the_votes_export_has_every_vote_and_recomputes_the_counts(api, study):
    import_votes(api, lima_votes(7, 3, 4) + lima_votes(2, 2, 2, baseline="Bard", rater="r2"))
    response = api.get("/api/studies/s/votes.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 20
    gpt4 = [r for r in rows if "GPT-4" in (r["left_system"], r["right_system"])]
    outcomes = [r["focal_outcome"] for r in gpt4]
    assert (outcomes.count("win"), outcomes.count("tie"), outcomes.count("loss")) == (7, 3, 4)
    assert {r["imported"] for r in rows} == {"True"} and rows[0]["focal_system"] == "LIMA"
    lines = b"".join(api.get("/api/studies/s/votes.jsonl").streaming_content).decode().splitlines()
    assert len(lines) == 20 and json.loads(lines[0])["vote_id"] == int(rows[0]["vote_id"])
    assert api.get("/api/studies/s/votes.xml").status_code == 404


def test_results_and_exports_need_the_owner(api, study, client):
    assert client.get("/api/studies/s/results/").status_code == 401
    assert client.get("/api/studies/s/votes.csv").status_code == 401


def test_judge_votes_sit_beside_the_humans_not_in_the_headline(api, study):
    import_votes(api, lima_votes(6, 2, 2, rater="crowd1") + lima_votes(6, 2, 2, rater="crowd2"))
    judge = lima_votes(8, 0, 2, rater="judge:gpt4")
    for row in judge:
        row["rater_group"] = "judge"
    import_votes(api, judge)
    results = api.get("/api/studies/s/results/").json()
    gpt4 = pair(results, "GPT-4")
    assert gpt4["counts"]["n"] == 20 and results["headline_votes"] == 20 and results["n_votes"] == 30
    assert gpt4["by_group"]["judge"]["counts"]["wins"] == 8 and gpt4["by_group"]["crowd"]["counts"]["n"] == 20
    by_group = {tuple(k["groups"]): k for k in results["agreement"]["cohens_kappa_by_group"]}
    assert by_group[("crowd", "judge")]["items"] == 10
    # The crowd's majority equals each crowd rater's label here; the judge differs on the two ties.
    from statsmodels.stats.inter_rater import cohens_kappa

    crowd = [2] * 6 + [1] * 2 + [0] * 2
    judged = [2] * 8 + [0] * 2
    table = np.zeros((3, 3))
    for x, y in zip(crowd, judged, strict=True):
        table[x, y] += 1
    assert by_group[("crowd", "judge")]["kappa"] == pytest.approx(cohens_kappa(table).kappa)
    alone = pair(api.get("/api/studies/s/results/?rater_group=judge").json(), "GPT-4")
    assert alone["counts"]["n"] == 10 and alone["counts"]["wins"] == 8


def test_every_results_snapshot_has_the_declared_shape(api, study):
    from results.schema import ResultsSerializer, pair_rows

    assert import_votes(api, lima_votes(12, 5, 8) + lima_votes(3, 1, 2, baseline="Bard", rater="r2")).status_code == 201
    for query in ("", "?aggregate=majority", "?method=wilson&level=0.9", "?rater_group=crowd"):
        data = api.get(f"/api/studies/s/results/{query}").json()
        shape = ResultsSerializer(data=data)
        assert shape.is_valid(), (query, shape.errors)
        assert [(r.first, r.second, r.n) for r in pair_rows(data)] == [
            (p["systems"][0], p["systems"][1], p["counts"]["n"]) for p in data["pairs"]
        ]
    broken = dict(data, pairs=[{k: v for k, v in data["pairs"][0].items() if k != "verdict"}])
    assert not ResultsSerializer(data=broken).is_valid()
