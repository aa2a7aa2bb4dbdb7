"""Stopping rules: the setting's validation, when a rule holds, the verdict, votes still needed."""

from __future__ import annotations

import numpy as np
import pytest

from comparisons.stats.betting import hedged_interval
from comparisons.stats.stopping import (
    StoppingError,
    StoppingRules,
    parse_stopping,
    read_verdict,
    rule_met,
    votes_to_settle,
)


def test_rules_parse_alone_or_combined_and_round_trip():
    assert parse_stopping({"rule": "verdict"}) == StoppingRules(verdict=True)
    rules = parse_stopping(
        [{"rule": "verdict"}, {"rule": "precision", "half_width": 0.05}, {"rule": "budget", "max_votes": 600}]
    )
    assert rules == StoppingRules(True, 0.05, 600)
    assert parse_stopping(rules.as_setting()) == rules
    assert not parse_stopping(None).any


@pytest.mark.parametrize(
    "value, field",
    [
        ({"rule": "soon"}, "stopping.rule"),
        ({"rule": "precision"}, "stopping.half_width"),
        ({"rule": "precision", "half_width": 0.7}, "stopping.half_width"),
        ({"rule": "budget", "max_votes": 0}, "stopping.max_votes"),
        ({"rule": "budget", "max_votes": True}, "stopping.max_votes"),
        ({"rule": "verdict", "half_width": 0.1}, "stopping.half_width"),
        ([{"rule": "verdict"}, {"rule": "verdict"}], "stopping[1].rule"),
        (["verdict"], "stopping[0]"),
    ],
)
def test_bad_settings_name_the_field(value, field):
    with pytest.raises(StoppingError) as info:
        parse_stopping(value)
    assert info.value.field == field


def test_a_rule_holds_when_its_condition_does():
    rules = StoppingRules(True, 0.05, 100)
    assert rule_met(rules, 0.52, 0.7, 10) == "verdict"
    assert rule_met(rules, 0.46, 0.54, 10) == "precision"
    assert rule_met(rules, 0.3, 0.7, 100) == "budget"
    assert rule_met(rules, 0.3, 0.7, 99) is None
    assert rule_met(StoppingRules(), 0.9, 0.95, 10**6) is None


def test_the_verdict_is_read_from_the_interval():
    assert read_verdict(0.55, 0.7, "A", "B") == ("A", "A preferred over B")
    assert read_verdict(0.2, 0.45, "A", "B")[0] == "B"
    assert read_verdict(0.45, 0.55, "A", "B")[0] is None


def test_votes_to_settle_projects_the_precision_rule_within_a_factor_of_the_real_sequence():
    rng = np.random.default_rng(3)
    x = rng.choice([0.0, 1 / 3, 2 / 3, 1.0], 2000)
    done = 100
    low, high = hedged_interval(x[:done])
    need = votes_to_settle(
        StoppingRules(half_width=0.05),
        float(x[:done].mean()),
        low,
        high,
        done,
        float(x[:done].var()),
        3,
        done * 3,
        1900 * 3,
    )
    assert need.settles_within_design and need.rule == "precision"
    # the real sequence on more of the same data reaches +-0.05 near the projection
    reached = next(n for n in range(done, 2000, 20) if np.diff(hedged_interval(x[:n]))[0] / 2 <= 0.05)
    assert 0.5 < (done + need.prompts) / reached < 2.0


def test_a_pair_at_parity_does_not_settle_by_verdict_within_the_design():
    need = votes_to_settle(StoppingRules(verdict=True), 0.5, 0.3, 0.7, 30, 0.05, 3, 90, 810)
    assert not need.settles_within_design and need.votes == 810 and need.rule is None
    budget = votes_to_settle(StoppingRules(verdict=True, max_votes=120), 0.5, 0.3, 0.7, 30, 0.05, 3, 90, 810)
    assert (budget.votes, budget.rule) == (30, "budget")
