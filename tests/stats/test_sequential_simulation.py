"""Simulation: watched after every batch, the betting sequences cover the truth at every look,
while the fixed-sample interval looked at the same way does not; stopping rules on the LIMA
design save votes without wrong verdicts. Small and fast; bench/sequential.py runs them full size."""

from __future__ import annotations

import numpy as np

from comparisons.stats.simulate_allocation import serving_order, simulate_lima, simulate_order
from comparisons.stats.simulate_sequential import coverage
from comparisons.stats.stopping import StoppingRules


def test_sequences_cover_at_every_look_while_the_peeked_fixed_interval_does_not():
    report = coverage(
        np.random.default_rng(0), 200, (0.44, 0.21, 0.35), 40, 3, 12, share_names=("win_rate", "win_share")
    )
    assert report.n_looks == 10
    for share in ("win_rate", "win_share"):
        assert report.sequential[share] >= 0.95
        assert report.peeked["wald"][share] < 0.90


def test_stopping_rules_on_the_lima_design_save_votes_without_wrong_verdicts():
    report = simulate_lima(np.random.default_rng(1), 12, StoppingRules(verdict=True, half_width=0.05))
    assert report.fixed_votes == 4500
    assert report.saving >= 0.30
    assert report.wrong_verdict_rate <= 0.05
    # the clear pairs (53/21/26 and 18/25/57) settle long before the close one (44/21/35)
    assert report.mean_votes_per_pair[0] < report.mean_votes_per_pair[1]
    assert report.mean_votes_per_pair[4] < report.mean_votes_per_pair[1]


def test_the_pair_furthest_from_its_target_is_served_first_and_settled_pairs_never():
    rules = StoppingRules(verdict=True, half_width=0.05)
    pairs = [(0.62, 0.50, 0.74, False), (0.55, 0.40, 0.70, False), (0.7, 0.6, 0.8, True), (0.3, 0.25, 0.37, False)]
    assert serving_order(rules, pairs) == [1, 0, 3]


def test_serving_unsettled_pairs_evenly_settles_more_pairs_early_than_neediest_first_at_the_same_total():
    report = simulate_order(np.random.default_rng(3), 12, StoppingRules(verdict=True), budgets=(600, 900))
    totals = set(report.votes_until_all_settled.values())
    assert len(totals) == 1  # the order never changes the votes until every pair is settled
    even, neediest = report.settled["even"], report.settled["neediest_first"]
    assert even[0] > neediest[0] + 1 and even[1] > neediest[1] + 1
