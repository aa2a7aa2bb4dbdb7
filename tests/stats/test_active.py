"""Active inference: sampling probabilities, coverage with a biased judge, narrower than uniform sampling."""

from __future__ import annotations

import numpy as np
import pytest

from comparisons.stats.active import active_mean, sampling_probabilities
from comparisons.stats.ppi import ppi_mean


def test_probabilities_sum_to_the_budget_never_exceed_one_and_favour_uncertain_prompts():
    f = np.array([0.5, 0.5, 0.9, 0.99, 0.01, 0.7, 0.5, 0.3])
    pi = sampling_probabilities(f, budget=4, mix=0.1)
    assert pi.sum() == pytest.approx(4) and pi.max() <= 1 + 1e-12 and pi.min() > 0
    assert pi[0] > pi[2] > pi[3]
    capped = sampling_probabilities(f, budget=7.5)
    assert capped.sum() == pytest.approx(7.5) and capped.max() <= 1 + 1e-12


def test_with_everything_labelled_it_is_the_classical_mean_when_lam_is_zero():
    rng = np.random.default_rng(0)
    y, f = rng.random(50), rng.random(50)
    r = active_mean(f, np.ones(50), np.ones(50, dtype=bool), y, lam=0.0)
    assert r.estimate == pytest.approx(y.mean())
    assert r.high - r.estimate == pytest.approx(1.959963984540054 * np.std(y, ddof=1) / np.sqrt(50))


def _study(rng, n, bias, shape=0.6):
    p = rng.beta(shape, shape, n)
    y = (rng.random(n) < p).astype(float)
    f = np.clip(p + bias, 0.02, 0.98)
    return p, y, f


def test_active_interval_covers_the_truth_with_a_biased_judge():
    rng = np.random.default_rng(1)
    hits, studies = 0, 1500
    for _ in range(studies):
        _p, y, f = _study(rng, 800, bias=0.25)
        pi = sampling_probabilities(f, budget=160)
        xi = rng.random(800) < pi
        r = active_mean(f, pi, xi, np.where(xi, y, np.nan))
        hits += r.low <= 0.5 <= r.high  # Beta(0.6, 0.6) has mean 1/2
    assert 0.93 <= hits / studies <= 0.97


def test_uncertainty_sampling_is_narrower_than_uniform_sampling_at_the_same_budget():
    """Prompts differ in how certain the (calibrated) judge is: humans where it is unsure help most."""
    rng = np.random.default_rng(2)
    active, uniform = [], []
    for _ in range(400):
        _p, y, f = _study(rng, 800, bias=0.0, shape=0.3)
        pi = sampling_probabilities(f, budget=160, mix=0.1)
        xi = rng.random(800) < pi
        active.append(active_mean(f, pi, xi, np.where(xi, y, np.nan)))
        flat = np.full(800, 0.2)
        xu = rng.random(800) < flat
        uniform.append(active_mean(f, flat, xu, np.where(xu, y, np.nan)))

    def width(rs):
        return np.mean([r.high - r.low for r in rs])

    assert width(active) < 0.95 * width(uniform)


def test_uniform_sampling_estimate_is_close_to_ppi_on_the_same_labels():
    rng = np.random.default_rng(3)
    _p, y, f = _study(rng, 2000, bias=0.1)
    xi = rng.random(2000) < 0.25
    active = active_mean(f, np.full(2000, 0.25), xi, np.where(xi, y, np.nan))
    ppi = ppi_mean(y[xi], f[xi], f[~xi])
    assert active.estimate == pytest.approx(ppi.estimate, abs=0.03)
