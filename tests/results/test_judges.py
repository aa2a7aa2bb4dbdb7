"""Human and judge votes (both orders) imported through the API: the judges' agreement, per study and
per category, equals an independent recomputation from votes.jsonl; PPI intervals; breakdowns."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from comparisons.models import Study
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.results.judge_votes import HUMAN_PROMPTS, PROMPTS, simulated_votes

pytestmark = pytest.mark.django_db
SYSTEMS = ["LIMA", "GPT-4", "Bard"]


@pytest.fixture
def study(api):
    create_study(api, slug="s")
    rows = rows_for(PROMPTS, SYSTEMS)
    for row in rows:
        row["metadata"] = {"source": "oasst" if int(row["prompt_id"][1:]) % 3 else "self-instruct"}
    assert upload(api, "s", rows).status_code in (200, 201)
    api.post("/api/studies/s/open/")
    return Study.objects.get(slug="s")


def import_votes(api, rows):
    response = api.post("/api/studies/s/votes/import/", json.dumps(rows), content_type="application/json")
    assert response.status_code == 201, response.json()


def recompute(rows: list[dict]) -> dict:
    """The four figures from exported vote rows, by their definitions, in plain Python."""
    humans: defaultdict[int, list] = defaultdict(list)
    judge: defaultdict[int, list] = defaultdict(list)
    for row in rows:
        winner = row["winner"] or None
        (judge if row["rater_group"] == "judge" else humans)[row["comparison_id"]].append((row["left_system"], winner))
    strict = consistent = without_agree = without_all = 0
    discounted = pairs = 0.0
    items = 0
    for comparison, votes in judge.items():
        (left1, w1), (left2, w2) = votes
        assert left1 != left2  # the two orders
        combined = w1 if w1 == w2 else None
        consistent_here = w1 == w2
        if comparison not in humans:
            continue
        human = [w for _, w in humans[comparison]]
        top = Counter(human).most_common()
        majority = top[0][0] if len(top) == 1 or top[0][1] > top[1][1] else None
        items += 1
        strict += (w1 == majority) and (w2 == majority)
        consistent += consistent_here
        for h in human:
            pairs += 1
            discounted += 1.0 if h == combined else 0.5 if (h is None) != (combined is None) else 0.0
            if h is not None and combined is not None:
                without_all += 1
                without_agree += h == combined
    return {
        "items": items,
        "strict_both_orders": strict / items,
        "consistency_with_humans": consistent / items,
        "agreement_without_ties": without_agree / without_all,
        "tie_discounted_accuracy": discounted / pairs,
    }


def check(section: dict, expected: dict) -> None:
    orders, votes = section["orders"], section["votes"]
    assert orders["n_items"] == expected["items"]
    assert orders["strict_both_orders"]["estimate"] == pytest.approx(expected["strict_both_orders"], abs=1e-12)
    assert orders["consistency"]["estimate"] == pytest.approx(expected["consistency_with_humans"], abs=1e-12)
    assert votes["agreement_without_ties"]["estimate"] == pytest.approx(expected["agreement_without_ties"], abs=1e-12)
    assert votes["tie_discounted_accuracy"]["estimate"] == pytest.approx(expected["tie_discounted_accuracy"], abs=1e-12)
    for interval in (orders["strict_both_orders"], votes["agreement_without_ties"]):
        assert interval["low"] <= interval["estimate"] <= interval["high"]


def test_judge_agreement_per_study_and_category_equals_a_recomputation_from_votes_jsonl(api, study):
    import_votes(api, simulated_votes())
    results = api.get("/api/studies/s/results/").json()
    exported = [
        json.loads(line)
        for line in b"".join(api.get("/api/studies/s/votes.jsonl").streaming_content).decode().splitlines()
    ]
    [judge] = results["judges"]
    assert judge["judge_group"] == "judge" and judge["human_groups"] == ["crowd"]
    check(judge, recompute(exported))
    assert judge["consistency"]["n_items"] == 2 * PROMPTS  # every comparison has both orders
    assert set(judge["by_category"]) == {"advice", "knowledge"}
    for category, section in judge["by_category"].items():
        check(section, recompute([r for r in exported if r["category"] == category]))


def test_each_pair_reports_a_ppi_interval_from_human_and_judge_prompts(api, study):
    import_votes(api, simulated_votes(1))
    results = api.get("/api/studies/s/results/").json()
    for pair in results["pairs"]:
        ppi = pair["intervals"]["ppi"]
        assert (ppi["n_human_prompts"], ppi["n_judge_prompts"]) == (HUMAN_PROMPTS, PROMPTS - HUMAN_PROMPTS)
        assert ppi["n_human_votes"] == 3 * HUMAN_PROMPTS and ppi["n_judge_votes"] == 2 * PROMPTS
        assert set(ppi) >= set(pair["intervals"]["bootstrap"]) - {"n_votes", "n_prompts", "n_resamples", "seed"}
        for share in ("win_share", "win_rate"):
            assert ppi[share]["low"] < ppi[share]["estimate"] < ppi[share]["high"]
    assert pair["counts"]["n"] == 3 * HUMAN_PROMPTS  # the headline is still the humans'


def test_a_study_without_judge_votes_has_no_ppi_and_no_judges(api, study):
    import_votes(api, [r for r in simulated_votes() if r["rater_group"] == "crowd"])
    results = api.get("/api/studies/s/results/").json()
    assert results["judges"] == []
    assert all("ppi" not in p["intervals"] for p in results["pairs"])


def test_breakdown_by_category_and_by_metadata_key(api, study):
    import_votes(api, simulated_votes(2))
    exported = [
        json.loads(line)
        for line in b"".join(api.get("/api/studies/s/votes.jsonl").streaming_content).decode().splitlines()
    ]
    by_category = api.get("/api/studies/s/results/?by=category").json()["breakdown"]
    assert by_category["by"] == "category"
    groups = {g["value"]: g for g in by_category["groups"]}
    assert set(groups) == {"advice", "knowledge"}
    for value, group in groups.items():
        rows = [r for r in exported if r["category"] == value and r["rater_group"] == "crowd"]
        pair = next(p for p in group["pairs"] if p["systems"] == ["LIMA", "GPT-4"])
        on_pair = [r for r in rows if {r["left_system"], r["right_system"]} == {"LIMA", "GPT-4"}]
        assert pair["counts"]["wins"] == sum(r["winner"] == "LIMA" for r in on_pair)
        assert pair["counts"]["n"] == len(on_pair)
        assert pair["intervals"]["bootstrap"]["win_share"]["low"] <= pair["counts"]["win_share"]
        assert "ppi" in pair["intervals"] and pair["verdict"]
        check(group["judges"][0], recompute([r for r in exported if r["category"] == value]))
    by_source = api.get("/api/studies/s/results/?by=metadata.source").json()["breakdown"]
    assert {g["value"] for g in by_source["groups"]} == {"oasst", "self-instruct"}
    assert sum(g["headline_votes"] for g in by_source["groups"]) == 3 * HUMAN_PROMPTS * 2


def test_bad_breakdowns_and_families_are_refused_naming_the_field(api, study):
    response = api.get("/api/studies/s/results/?by=metadata.a b")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "by"
    response = api.get("/api/studies/s/results/?judge_family=Claude")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "judge_family"


def test_judge_biases_sit_beside_the_humans_with_self_preference_when_the_family_is_named(api, study):
    import_votes(api, simulated_votes(3))
    plain = api.get("/api/studies/s/results/").json()["judges"][0]["bias"]
    assert plain["self_preference"] is None
    position = plain["position"]
    assert position["n_prompts"] == HUMAN_PROMPTS  # the prompts both judged
    assert position["share_a"]["estimate"] > position["share_b"]["estimate"]  # the simulated judge favours the first
    bias = api.get("/api/studies/s/results/?judge_family=GPT-4").json()["judges"][0]["bias"]
    assert bias["self_preference"]["family"] == ["GPT-4"]
    assert bias["self_preference"]["difference"]["low"] <= bias["self_preference"]["difference"]["estimate"]


def test_budget_planner_prices_the_mix_from_the_votes_so_far(api, study):
    import_votes(api, simulated_votes(4))
    response = api.get("/api/studies/s/budget/?half_width=0.05&price_per_human_vote=0.5&price_per_judge_call=0.01")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["price_per_judge_call"] == 0.01 and body["share"] == "win_rate"
    for entry in body["pairs"]:
        pilot, plan = entry["pilot"], entry["plan"]
        assert pilot["prompts_with_both"] == HUMAN_PROMPTS
        assert pilot["human_votes_per_prompt"] == 3 and pilot["judge_calls_per_prompt"] == 2
        assert -1 <= pilot["rho"] <= 1 and pilot["sigma"] > 0
        assert plan["cost"] <= plan["human_only_cost"]
        assert plan["human_votes"] == 3 * plan["human_prompts"]


def test_budget_planner_names_a_missing_price_and_a_bad_half_width(api, study):
    import_votes(api, simulated_votes(5))
    body = api.get("/api/studies/s/budget/?half_width=0.05&price_per_human_vote=1").json()
    assert body["price_per_judge_call"] is None  # imported judge votes: no known cost
    assert all(entry["plan"] is None and "price_per_judge_call" in entry["reason"] for entry in body["pairs"])
    response = api.get("/api/studies/s/budget/?half_width=0&price_per_human_vote=1")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "half_width"


def test_results_with_judges_and_breakdowns_have_the_declared_shape(api, study):
    from results.schema import ResultsSerializer, pair_rows

    import_votes(api, simulated_votes(7))
    for query in ("", "?by=category", "?judge_family=GPT-4", "?by=metadata.source&aggregate=majority"):
        data = api.get(f"/api/studies/s/results/{query}").json()
        shape = ResultsSerializer(data=data)
        assert shape.is_valid(), (query, shape.errors)
        for group in data.get("breakdown", {}).get("groups", []):
            assert [(r.first, r.second, r.n) for r in pair_rows(group)] == [
                (p["systems"][0], p["systems"][1], p["counts"]["n"]) for p in group["pairs"]
            ]
