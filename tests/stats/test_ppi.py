"""PPI++ equals the reference package ppi-python and covers the truth with a biased judge."""

from __future__ import annotations

import numpy as np
import pytest

from comparisons.stats.ppi import ppi_mean, ppi_shares, prompt_values

ppi_py = pytest.importorskip("ppi_py")


@pytest.mark.parametrize("seed,n,big_n", [(0, 50, 500), (1, 200, 300), (2, 30, 3000), (3, 400, 100)])
def test_ppi_mean_equals_ppi_python_to_1e_9(seed, n, big_n):
    rng = np.random.default_rng(seed)
    y = rng.binomial(3, rng.beta(2, 2, n)) / 3
    f = np.clip(y + rng.normal(0.1, 0.3, n), 0, 1)
    fu = np.clip(rng.beta(2, 2, big_n) + rng.normal(0.1, 0.3, big_n), 0, 1)
    for level in (0.9, 0.95):
        ours = ppi_mean(y, f, fu, level)
        low, high = ppi_py.ppi_mean_ci(y, f, fu, alpha=1 - level)
        assert ours.low == pytest.approx(float(np.ravel(low)[0]), abs=1e-9)
        assert ours.high == pytest.approx(float(np.ravel(high)[0]), abs=1e-9)
        assert ours.estimate == pytest.approx(float(np.ravel(ppi_py.ppi_mean_pointestimate(y, f, fu))[0]), abs=1e-9)
    plain_low, plain_high = ppi_py.ppi_mean_ci(y, f, fu, alpha=0.05, lam=1)
    plain = ppi_mean(y, f, fu, 0.95, lam=1)
    assert (plain.low, plain.high) == pytest.approx(
        (float(np.ravel(plain_low)[0]), float(np.ravel(plain_high)[0])), abs=1e-9
    )


def test_each_share_equals_ppi_python_on_the_per_prompt_shares():
    rng = np.random.default_rng(4)
    human = rng.multinomial(3, [0.5, 0.2, 0.3], 80)
    judge = rng.multinomial(2, [0.6, 0.1, 0.3], 80)
    only = rng.multinomial(2, [0.6, 0.1, 0.3], 700)
    result = ppi_shares(human, judge, only)
    assert (result.n_human_prompts, result.n_judge_prompts, result.n_human_votes) == (80, 700, 240)
    for name, weights in (("win_share", (1, 0, 0)), ("win_rate", (1, 0.5, 0)), ("tie_share", (0, 1, 0))):
        low, high = ppi_py.ppi_mean_ci(*(prompt_values(t, weights) for t in (human, judge, only)), alpha=0.05)
        interval = getattr(result, name)
        assert (interval.low, interval.high) == pytest.approx(
            (float(np.ravel(low)[0]), float(np.ravel(high)[0])), abs=1e-9
        )


def test_without_judge_only_prompts_it_is_the_classical_interval_of_the_humans():
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.5, 0.0])
    r = ppi_mean(y, y[::-1], [], 0.95)
    se = np.std(y) / np.sqrt(y.size)
    assert r.lam == 0.0 and r.estimate == pytest.approx(y.mean())
    assert r.high - r.estimate == pytest.approx(1.959963984540054 * se, abs=1e-12)


def _simulate(rng, n, big_n, bias, agree):
    """Per prompt a true win probability; one human vote; the judge copies the human with
    probability `agree`, otherwise votes win with probability p + bias (clipped)."""
    p = rng.beta(2, 2, n + big_n)
    human = (rng.random(n + big_n) < p).astype(float)
    own = (rng.random(n + big_n) < np.clip(p + bias, 0, 1)).astype(float)
    judge = np.where(rng.random(n + big_n) < agree, human, own)
    return human[:n], judge[:n], judge[n:]


def test_ppi_interval_covers_the_truth_with_a_badly_biased_judge():
    rng = np.random.default_rng(0)
    studies, hits = 2000, 0
    for _ in range(studies):
        y, f, fu = _simulate(rng, 150, 1500, bias=0.35, agree=0.3)
        r = ppi_mean(y, f, fu, 0.95)
        hits += r.low <= 0.5 <= r.high
    assert 0.935 <= hits / studies <= 0.965


def test_ppi_interval_is_narrower_than_humans_alone_when_the_judge_agrees_with_them():
    rng = np.random.default_rng(1)
    ppi_widths, human_widths, hits = [], [], 0
    for _ in range(500):
        y, f, fu = _simulate(rng, 150, 1500, bias=0.0, agree=0.85)
        r, alone = ppi_mean(y, f, fu, 0.95), ppi_mean(y, f, fu, 0.95, lam=0.0)
        ppi_widths.append(r.high - r.low)
        human_widths.append(alone.high - alone.low)
        hits += r.low <= 0.5 <= r.high
    assert np.mean(ppi_widths) < 0.7 * np.mean(human_widths)
    assert hits / 500 >= 0.92


def test_shares_refuse_a_prompt_without_votes():
    with pytest.raises(ValueError, match="at least one vote"):
        ppi_shares([[1, 0, 0]], [[0, 0, 0]], [])
