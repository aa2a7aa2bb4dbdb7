from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import optimize

from comparisons.stats.ranking import (
    bradley_terry,
    davidson,
    pair_matrices,
    ranks_from_intervals,
    win_probability,
    win_share_matrix,
)
from comparisons.stats.ranking_bootstrap import bootstrap_bradley_terry

TRUE_LOG_STRENGTH = np.array([0.0, 0.5, 1.0, -0.5, 0.2])


def _votes(seed: int, n: int = 3000, tie_share: float = 0.2):
    rng = np.random.default_rng(seed)
    k = TRUE_LOG_STRENGTH.size
    a = rng.integers(0, k, n)
    b = (a + rng.integers(1, k, n)) % k
    p = 1 / (1 + np.exp(-(TRUE_LOG_STRENGTH[a] - TRUE_LOG_STRENGTH[b])))
    u = rng.random(n)
    out = np.where(u < tie_share, 0, np.where(rng.random(n) < p, 1, -1))
    return a, b, out


def _log_strength(elo: list[float]) -> np.ndarray:
    x = (np.asarray(elo) - 1000.0) * math.log(10) / 400.0
    return x - x.mean()


def test_pair_matrices_count_wins_by_winner_and_ties_symmetrically():
    wins, ties = pair_matrices([0, 0, 1, 2, 0], [1, 1, 0, 0, 2], [1, -1, 1, 0, 0], 3)
    assert wins.tolist() == [[0, 1, 0], [2, 0, 0], [0, 0, 0]]
    assert ties.tolist() == [[0, 0, 2], [0, 0, 0], [2, 0, 0]]


def test_bradley_terry_matches_evalica_scores_and_order():
    evalica = pytest.importorskip("evalica")
    pd = pytest.importorskip("pandas")
    a, b, out = _votes(0)
    wins, ties = pair_matrices(a, b, out, 5)
    ours = bradley_terry(wins, ties, prior=0.0)
    winners = [evalica.Winner.X if o == 1 else evalica.Winner.Y if o == -1 else evalica.Winner.Draw for o in out]
    ref = evalica.bradley_terry(
        a, b, winners, index=pd.Index(range(5)), tie_weight=0.5, solver="naive", tolerance=1e-12, limit=10_000
    )
    ref_scores = ref.scores.sort_index().to_numpy()
    np.testing.assert_allclose(_log_strength(ours.elo), np.log(ref_scores) - np.log(ref_scores).mean(), atol=1e-6)
    np.testing.assert_allclose(ours.probabilities, ref_scores / ref_scores.sum(), atol=1e-6)
    assert list(np.argsort(ours.elo)[::-1]) == [int(i) for i in ref.scores.index]


def test_bradley_terry_mm_agrees_with_a_newton_fit_of_the_same_likelihood():
    a, b, out = _votes(1)
    wins, ties = pair_matrices(a, b, out, 5)
    eff = wins + 0.5 * ties

    def nll(theta):
        diff = theta[:, None] - theta[None, :]
        return float((eff * np.logaddexp(0.0, -diff)).sum()) + 0.5 * theta.sum() ** 2

    def grad(theta):
        p = 1 / (1 + np.exp(theta[:, None] - theta[None, :]))  # P(j beats i) as seen from row i
        g = -(eff * p).sum(axis=1) + (eff * p).sum(axis=0)
        return g + theta.sum()

    res = optimize.minimize(nll, np.zeros(5), jac=grad, method="Newton-CG", options={"xtol": 1e-12})
    ours = bradley_terry(wins, ties, prior=0.0)
    np.testing.assert_allclose(_log_strength(ours.elo), res.x - res.x.mean(), atol=1e-6)
    assert ours.converged


def test_bradley_terry_recovers_known_strengths_from_many_votes():
    a, b, out = _votes(2, n=40_000, tie_share=0.0)
    r = bradley_terry(*pair_matrices(a, b, out, 5))
    truth = TRUE_LOG_STRENGTH - TRUE_LOG_STRENGTH.mean()
    np.testing.assert_allclose(_log_strength(r.elo), truth, atol=0.05)


def test_elo_scale_is_400_log10_with_mean_1000():
    r = bradley_terry(np.array([[0, 30], [10, 0]]), prior=0.0)
    assert r.elo[0] - r.elo[1] == pytest.approx(400 * math.log10(3))
    assert np.mean(r.elo) == pytest.approx(1000.0)
    assert r.probabilities == pytest.approx([0.75, 0.25])
    assert win_probability(r.elo[0], r.elo[1]) == pytest.approx(0.75)


def test_all_ties_give_equal_scores():
    ties = np.array([[0, 5, 5], [5, 0, 5], [5, 5, 0]])
    r = bradley_terry(np.zeros((3, 3)), ties)
    assert r.elo == pytest.approx([1000.0] * 3)


def test_a_system_that_never_wins_gets_a_finite_lowest_score_under_the_default_prior():
    wins = np.array([[0, 10, 20], [5, 0, 20], [0, 0, 0]])
    r = bradley_terry(wins)
    assert all(math.isfinite(x) for x in r.elo)
    assert int(np.argmin(r.elo)) == 2
    assert r.elo[2] < 600
    json.dumps(r.as_dict(), allow_nan=False)


def test_without_a_prior_a_system_that_never_wins_is_refused():
    wins = np.array([[0, 10, 20], [5, 0, 20], [0, 0, 0]])
    with pytest.raises(ValueError, match="strongly connected"):
        bradley_terry(wins, prior=0.0)


def test_one_system_and_no_systems_do_not_crash():
    assert bradley_terry(np.zeros((1, 1))).elo == [1000.0]
    assert bradley_terry(np.zeros((0, 0))).elo == []


def test_bradley_terry_refuses_negative_or_non_square_matrices():
    with pytest.raises(ValueError):
        bradley_terry(np.array([[0, -1], [1, 0]]))
    with pytest.raises(ValueError):
        bradley_terry(np.zeros((2, 3)))


def _davidson_loglik(theta, nu, wins, ties):
    ll = 0.0
    k = len(theta)
    for i in range(k):
        for j in range(i + 1, k):
            pi, pj = math.exp(theta[i]), math.exp(theta[j])
            g = nu * math.sqrt(pi * pj)
            d = pi + pj + g
            ll += wins[i, j] * math.log(pi / d) + wins[j, i] * math.log(pj / d) + ties[i, j] * math.log(g / d)
    return ll


def test_davidson_fit_maximises_the_davidson_likelihood():
    a, b, out = _votes(3)
    wins, ties = pair_matrices(a, b, out, 5)
    r = davidson(wins, ties, prior=0.0)
    theta, nu = _log_strength(r.elo), r.tie_parameter
    best = _davidson_loglik(theta, nu, wins, ties)
    rng = np.random.default_rng(0)
    for _ in range(20):
        step = rng.normal(0, 1e-3, 6)
        assert _davidson_loglik(theta + step[:5], nu * math.exp(step[5]), wins, ties) <= best + 1e-9


def test_davidson_recovers_strengths_and_tie_parameter_from_simulated_data():
    rng = np.random.default_rng(4)
    theta, nu, k, n = TRUE_LOG_STRENGTH, 0.8, 5, 60_000
    a = rng.integers(0, k, n)
    b = (a + rng.integers(1, k, n)) % k
    pi_a, pi_b = np.exp(theta[a]), np.exp(theta[b])
    g = nu * np.sqrt(pi_a * pi_b)
    d = pi_a + pi_b + g
    u = rng.random(n)
    out = np.where(u < pi_a / d, 1, np.where(u < (pi_a + g) / d, 0, -1))
    r = davidson(*pair_matrices(a, b, out, k))
    assert r.tie_parameter == pytest.approx(nu, abs=0.03)
    np.testing.assert_allclose(_log_strength(r.elo), theta - theta.mean(), atol=0.05)


def test_davidson_without_ties_reduces_to_bradley_terry():
    a, b, out = _votes(5, tie_share=0.0)
    wins, ties = pair_matrices(a, b, out, 5)
    d, bt = davidson(wins, ties), bradley_terry(wins, ties)
    assert d.tie_parameter < 1e-6
    np.testing.assert_allclose(d.elo, bt.elo, atol=1e-3)


def test_win_share_matrix_counts_ties_as_half_and_marks_unplayed_pairs():
    wins = np.array([[0, 3, 0], [1, 0, 0], [0, 0, 0]])
    ties = np.array([[0, 2, 0], [2, 0, 0], [0, 0, 0]])
    m = win_share_matrix(wins, ties)
    assert m[0][1] == pytest.approx(4 / 6) and m[1][0] == pytest.approx(2 / 6)
    assert m[0][2] is None and m[0][0] is None


def test_ranks_count_systems_whose_lower_bound_beats_this_upper_bound():
    low = [1100, 1090, 1000, 900]
    high = [1150, 1120, 1095, 950]
    assert ranks_from_intervals(low, high) == [1, 1, 2, 4]


def test_bootstrap_intervals_are_seeded_contain_the_point_and_rank_clear_winners_first():
    a, b, out = _votes(6, n=2000)
    names = ["a", "b", "c", "d", "e"]
    r1 = bootstrap_bradley_terry(a, b, out, names, n_resamples=200, seed=1)
    r2 = bootstrap_bradley_terry(a, b, out, names, n_resamples=200, seed=1)
    assert r1 == r2
    for lo, e, hi in zip(r1.low, r1.elo, r1.high, strict=True):
        assert lo < e < hi
    assert r1.rank[2] == 1 and r1.rank[3] == 5
    json.dumps(r1.as_dict(), allow_nan=False)


def test_clustered_ranking_bootstrap_is_wider_when_prompts_carry_correlated_votes():
    a, b, out = _votes(7, n=600)
    a, b, out = np.repeat(a, 5), np.repeat(b, 5), np.repeat(out, 5)  # 5 identical votes per prompt
    prompts = np.repeat(np.arange(600), 5)
    names = list("abcde")
    by_vote = bootstrap_bradley_terry(a, b, out, names, n_resamples=200)
    by_prompt = bootstrap_bradley_terry(a, b, out, names, cluster_ids=prompts, n_resamples=200)
    width = lambda r: np.mean(np.subtract(r.high, r.low))  # noqa: E731
    assert width(by_prompt) > 1.8 * width(by_vote)
    assert "clusters" in by_prompt.method
