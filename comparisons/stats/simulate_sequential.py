"""Simulated studies watched after every batch of votes: do the intervals cover the truth at
every look at once? (Used by tests/stats/test_sequential_simulation.py and bench/sequential.py.)

A study: ``n_prompts`` prompts, each with its own (win, tie, loss) probabilities drawn from a
Dirichlet with mean ``shares`` and total ``concentration`` (votes on one prompt are correlated);
``votes_per_prompt`` votes per prompt arrive prompt after prompt with some overlap
(``simulate_votes``), and the researcher looks after every ``batch`` votes. The truth is the
expected share. The sequence uses the prompts with all their votes, in the order completed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from ._base import AsDict
from .bootstrap import clustered_bootstrap
from .sequential import SHARES, sequential_intervals


@dataclass(frozen=True)
class CoverageReport(AsDict):
    n_studies: int
    n_looks: int
    sequential: dict[str, float]  # share -> fraction of studies covered at every look
    peeked: dict[str, dict[str, float]]  # fixed-sample method -> share -> the same, looked at after every batch


def truth(shares: tuple[float, float, float]) -> dict[str, float]:
    w, t, loss = shares
    return {"win_share": w, "tie_share": t, "loss_share": loss, "win_or_tie_share": w + t, "win_rate": w + t / 2}


def simulate_votes(
    rng: np.random.Generator,
    shares: tuple[float, float, float],
    n_prompts: int,
    votes_per_prompt: int,
    concentration: float = 4.0,
    spread: float = 3.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(prompt ids, outcomes) in arrival order. Prompts are taken in a random order and each
    gets its votes from raters working side by side: vote r on the j-th prompt arrives at time
    j + U(0, ``spread``), so a few prompts are in progress at once."""
    probs = rng.dirichlet(np.asarray(shares) * concentration, size=n_prompts)
    order = rng.permutation(n_prompts)
    times = np.arange(n_prompts)[:, None] + rng.uniform(0.0, spread, (n_prompts, votes_per_prompt))
    prompts = np.repeat(order, votes_per_prompt)[np.argsort(times.ravel(), kind="stable")]
    u = rng.random(prompts.size)
    cum = np.cumsum(probs[prompts], axis=1)
    outcomes = np.where(u < cum[:, 0], 1, np.where(u < cum[:, 1], 0, -1))
    return prompts.astype(np.int64), outcomes.astype(np.int64)


def _wald(prompt_ids: np.ndarray, outcomes: np.ndarray, share: str, level: float) -> tuple[float, float]:
    """Prompt-clustered Wald interval: mean of per-prompt means +- z sd / sqrt(P)."""
    p = int(prompt_ids.max()) + 1
    n = np.bincount(prompt_ids, minlength=p)
    score = {
        "win_share": outcomes == 1,
        "tie_share": outcomes == 0,
        "loss_share": outcomes == -1,
        "win_or_tie_share": outcomes >= 0,
        "win_rate": (outcomes + 1) / 2,
    }[share]
    per = np.bincount(prompt_ids, weights=score.astype(float), minlength=p)[n > 0] / n[n > 0]
    z = float(scipy_stats.norm.ppf(0.5 + level / 2))
    half = z * per.std(ddof=1) / np.sqrt(per.size) if per.size > 1 else 0.0
    return float(per.mean() - half), float(per.mean() + half)


def coverage(
    rng: np.random.Generator,
    n_studies: int,
    shares: tuple[float, float, float],
    n_prompts: int,
    votes_per_prompt: int,
    batch: int,
    level: float = 0.95,
    share_names: tuple[str, ...] = SHARES,
    peeked: tuple[str, ...] = ("wald",),
    n_resamples: int = 500,
) -> CoverageReport:
    """Fraction of studies whose interval covered the truth at every look (after each batch), for
    the betting sequences and for each fixed-sample method in ``peeked`` ("wald": prompt-clustered
    Wald; "bootstrap": prompt-clustered percentile bootstrap with ``n_resamples``)."""
    target = truth(shares)
    seq_ok = dict.fromkeys(share_names, 0)
    peek_ok = {method: dict.fromkeys(share_names, 0) for method in peeked}
    looks = 0
    for study in range(n_studies):
        prompts, outcomes = simulate_votes(rng, shares, n_prompts, votes_per_prompt)
        previous: dict[str, dict[str, float | None]] | None = None
        seq_cover = dict.fromkeys(share_names, True)
        peek_cover = {method: dict.fromkeys(share_names, True) for method in peeked}
        ends = list(range(batch, prompts.size + 1, batch))
        looks = len(ends)
        for end in ends:
            ids, out = prompts[:end], outcomes[:end]
            seq = sequential_intervals(
                ids,
                out,
                level,
                seed=study,
                previous=previous,
                shares=share_names,
                votes_per_prompt=votes_per_prompt,
                order_keys=np.arange(end),
            )
            previous = {s: {"low": seq.interval(s).low, "high": seq.interval(s).high} for s in SHARES}
            boot = clustered_bootstrap(ids, out, n_resamples, level, seed=study) if "bootstrap" in peeked else None
            for s in share_names:
                low, high = seq.interval(s).low, seq.interval(s).high
                seq_cover[s] &= bool(low is not None and high is not None and low <= target[s] <= high)
                for method in peeked:
                    if method == "bootstrap":
                        interval = getattr(boot, s)
                        lo, hi = interval.low, interval.high
                    else:
                        lo, hi = _wald(ids, out, s, level)
                    peek_cover[method][s] &= bool(lo <= target[s] <= hi)
        for s in share_names:
            seq_ok[s] += seq_cover[s]
            for method in peeked:
                peek_ok[method][s] += peek_cover[method][s]
    return CoverageReport(
        n_studies,
        looks,
        {s: seq_ok[s] / n_studies for s in share_names},
        {m: {s: peek_ok[m][s] / n_studies for s in share_names} for m in peeked},
    )
