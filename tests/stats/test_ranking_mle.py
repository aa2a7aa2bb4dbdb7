"""Bradley-Terry without a prior whenever the MLE exists; drop-k; simultaneous rank intervals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from comparisons.stats.ranking import pair_matrices
from comparisons.stats.ranking_mle import FALLBACK_PRIOR, bradley_terry_mle, mle_exists
from comparisons.stats.ranking_robust import drop_k, drop_k_adjacent, simultaneous_rank_intervals

TRUE = np.array([0.0, 0.4, 0.8, -0.3, 0.2])


def _votes(seed: int, n: int = 2000, true: np.ndarray = TRUE):
    rng = np.random.default_rng(seed)
    k = true.size
    a = rng.integers(0, k, n)
    b = (a + rng.integers(1, k, n)) % k
    p = 1 / (1 + np.exp(-(true[a] - true[b])))
    out = np.where(rng.random(n) < 0.2, 0, np.where(rng.random(n) < p, 1, -1))
    return a, b, out


def test_the_mle_equals_converged_evalica_and_choix_fits_to_1e9():
    evalica = pytest.importorskip("evalica")
    choix = pytest.importorskip("choix")
    pd = pytest.importorskip("pandas")
    a, b, out = _votes(0)
    wins, ties = pair_matrices(a, b, out, 5)
    fit = bradley_terry_mle(wins, ties)
    assert fit.mle_exists and fit.ranking.prior == 0.0 and "unregularised" in fit.note
    winners = [evalica.Winner.X if o == 1 else evalica.Winner.Y if o == -1 else evalica.Winner.Draw for o in out]
    ref = (
        evalica.bradley_terry(
            a, b, winners, index=pd.Index(range(5)), tie_weight=0.5, solver="naive", tolerance=1e-15, limit=1_000_000
        )
        .scores.sort_index()
        .to_numpy()
    )
    np.testing.assert_allclose(fit.ranking.probabilities, ref / ref.sum(), atol=1e-9, rtol=0)
    lsr = choix.ilsr_pairwise_dense(wins + 0.5 * ties, alpha=0.0, tol=1e-14, max_iter=100_000)
    np.testing.assert_allclose(fit.theta, lsr - lsr.mean(), atol=1e-9, rtol=0)


def test_the_prior_is_used_only_when_the_mle_does_not_exist_and_says_so():
    wins = np.array([[0, 3, 2], [0, 0, 1], [0, 1, 0]], dtype=float)  # system 0 never loses
    assert not mle_exists(wins)
    fit = bradley_terry_mle(wins)
    assert not fit.mle_exists and fit.ranking.prior == FALLBACK_PRIOR and "does not exist" in fit.note
    assert np.all(np.isfinite(fit.theta))
    wins[1, 0] = 1  # now 1 beats 0 once: strongly connected
    assert mle_exists(wins) and bradley_terry_mle(wins).ranking.prior == 0.0


def _brute_force_drop_k(wins, ties, higher, lower, limit):
    """The true minimum by trying every multiset of removed votes up to ``limit`` (small data)."""
    cells = [(i, j, "w") for i in range(3) for j in range(3) if wins[i, j]] + [
        (i, j, "t") for i in range(3) for j in range(i + 1, 3) if ties[i, j]
    ]
    for size in range(1, limit + 1):
        for combo in itertools.combinations_with_replacement(cells, size):
            w, t = wins.copy(), ties.copy()
            for i, j, kind in combo:
                if kind == "w":
                    w[i, j] -= 1
                else:
                    t[i, j] -= 1
                    t[j, i] -= 1
            if (w < 0).any() or (t < 0).any():
                continue
            theta = bradley_terry_mle(w, t).theta
            if theta[lower] >= theta[higher]:
                return size
    return None


def test_drop_k_removes_votes_that_really_swap_the_pair_and_is_near_the_true_minimum():
    wins = np.array([[0, 6, 5], [4, 0, 5], [3, 4, 0]], dtype=float)
    ties = np.array([[0, 2, 1], [2, 0, 1], [1, 1, 0]], dtype=float)
    fit = bradley_terry_mle(wins, ties)
    higher, lower = int(np.argsort(fit.theta)[-1]), int(np.argsort(fit.theta)[-2])
    k = drop_k(wins, ties, higher, lower)
    exact = _brute_force_drop_k(wins, ties, higher, lower, k)
    assert k is not None and exact is not None and exact <= k <= exact + 1


def test_drop_k_is_reported_for_every_adjacent_pair():
    a, b, out = _votes(1, n=600)
    wins, ties = pair_matrices(a, b, out, 5)
    names = list("ABCDE")
    report = drop_k_adjacent(wins, ties, names)
    order = [names[i] for i in np.argsort(-np.asarray(bradley_terry_mle(wins, ties).theta))]
    assert [(d.higher, d.lower) for d in report] == list(itertools.pairwise(order))
    assert all(d.votes_to_swap is not None and 0 < d.votes_to_swap < 600 for d in report)


def test_simultaneous_rank_intervals_cover_every_true_rank_together_in_simulation():
    true = np.array([0.0, 0.3, 0.6, 0.9])
    true_rank = 1 + np.argsort(np.argsort(-true))
    covered, sims = 0, 150
    for seed in range(sims):
        a, b, out = _votes(seed, n=800, true=true)
        wins, ties = pair_matrices(a, b, out, 4)
        fit = bradley_terry_mle(wins, ties)
        ranks = simultaneous_rank_intervals(fit.theta, fit.covariance, list("ABCD"))
        covered += all(r.low <= true_rank[i] <= r.high for i, r in enumerate(ranks))
        assert all(r.low <= r.rank <= r.high for r in ranks)
    assert covered / sims >= 0.95
