"""Coverage of the 95% intervals in seeded simulated studies with a known true win share.

Each study: 200 prompts x 5 raters. A prompt's win probability is drawn from Beta(1.2, 0.8)
(mean 0.6, a per-prompt random effect, so raters on one prompt are correlated: intra-prompt
correlation ~0.2, design effect ~1.8); each vote is a tie with probability 0.2, else a win
with the prompt's probability. True win share = 0.8 * 0.6 = 0.48.
"""

from __future__ import annotations

import numpy as np

from comparisons.stats.bootstrap import clustered_bootstrap
from comparisons.stats.intervals import wilson_interval

STUDIES, PROMPTS, RATERS = 2000, 200, 5
TRUE_WIN_SHARE = 0.8 * 0.6


def _study(rng: np.random.Generator, clustered: bool) -> tuple[np.ndarray, np.ndarray]:
    ids = np.repeat(np.arange(PROMPTS), RATERS)
    p = rng.beta(1.2, 0.8, PROMPTS)[ids] if clustered else np.full(ids.size, 0.6)
    tie = rng.random(ids.size) < 0.2
    win = rng.random(ids.size) < p
    return ids, np.where(tie, 0, np.where(win, 1, -1))


def _covers(low: float, high: float) -> bool:
    return low <= TRUE_WIN_SHARE <= high


def test_clustered_bootstrap_covers_the_true_win_share_about_95_percent_of_the_time():
    """2000 studies; 1000 resamples per study (not the default 2000) to keep the test fast."""
    rng = np.random.default_rng(20240601)
    hits = 0
    for s in range(STUDIES):
        ids, out = _study(rng, clustered=True)
        iv = clustered_bootstrap(ids, out, n_resamples=1000, seed=s).win_share
        hits += _covers(iv.low, iv.high)
    assert 0.93 <= hits / STUDIES <= 0.97, hits / STUDIES


def test_wilson_covers_about_95_percent_when_votes_are_independent():
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(STUDIES):
        _, out = _study(rng, clustered=False)
        iv = wilson_interval(int((out == 1).sum()), out.size)
        hits += _covers(iv.low, iv.high)
    assert 0.93 <= hits / STUDIES <= 0.97, hits / STUDIES


def test_wilson_under_covers_when_votes_on_a_prompt_are_correlated():
    rng = np.random.default_rng(8)
    hits = 0
    for _ in range(STUDIES):
        _, out = _study(rng, clustered=True)
        iv = wilson_interval(int((out == 1).sum()), out.size)
        hits += _covers(iv.low, iv.high)
    assert hits / STUDIES < 0.90, hits / STUDIES
