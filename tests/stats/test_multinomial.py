"""The Poisson-based multinomial sampler draws exactly Multinomial(n, counts / n): checked
against the exact probabilities of every outcome, in the regime where the Poisson draws do
all the work (s = 0) and where most of it (s > 0, with rejected and topped-up rows)."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from scipy import stats

from comparisons.stats.multinomial import multinomial_chunks, multinomial_counts


def _outcomes(n: int, k: int):
    return [c for c in product(range(n + 1), repeat=k) if sum(c) == n]


@pytest.mark.parametrize("counts", [[1, 2, 1], [10, 5, 1], [3, 0, 6, 2], [40, 25, 15]])
def test_rows_follow_the_exact_multinomial_distribution(counts):
    n, draws = sum(counts), 200_000
    x = multinomial_counts(np.array(counts), draws, np.random.default_rng(0))
    assert x.dtype == np.int64 and (x.sum(axis=1) == n).all() and (x[:, np.array(counts) == 0] == 0).all()
    p = np.array(counts) / n
    outcomes = _outcomes(n, len(counts))
    probs = np.array([stats.multinomial.pmf(o, n, p) for o in outcomes])
    index = {o: i for i, o in enumerate(outcomes)}
    observed = np.bincount([index[tuple(row)] for row in x.tolist()], minlength=len(outcomes))
    expected = probs * draws
    common = expected >= 5  # pool the rare outcomes into one cell
    obs, exp = observed[common], expected[common]
    if not common.all():
        obs, exp = np.r_[obs, observed[~common].sum()], np.r_[exp, expected[~common].sum()]
    assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-3


def test_large_counts_have_multinomial_means_variances_and_covariances():
    counts = np.array([500, 300, 150, 50, 0, 1000])
    n, draws = counts.sum(), 40_000
    x = multinomial_counts(counts, draws, np.random.default_rng(1)).astype(float)
    p = counts / n
    assert (x.sum(axis=1) == n).all()
    np.testing.assert_allclose(x.mean(axis=0), n * p, atol=4 * np.sqrt(n * p * (1 - p) / draws).max())
    cov = np.cov(x, rowvar=False)
    theory = n * (np.diag(p) - np.outer(p, p))
    np.testing.assert_allclose(cov, theory, atol=0.05 * theory.diagonal().max())


def test_chunks_are_drawn_from_one_stream_and_empty_counts_give_zeros():
    chunks = list(multinomial_chunks(np.array([3, 4, 5]), 10, np.random.default_rng(2), 4))
    assert [c.shape for c in chunks] == [(4, 3), (4, 3), (2, 3)]
    assert all((c.sum(axis=1) == 12).all() for c in chunks)
    assert multinomial_counts(np.zeros(3, dtype=int), 5, np.random.default_rng(0)).tolist() == [[0, 0, 0]] * 5
    with pytest.raises(ValueError):
        multinomial_counts(np.array([1, -1]), 2, np.random.default_rng(0))
