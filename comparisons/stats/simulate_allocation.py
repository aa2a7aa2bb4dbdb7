"""The LIMA design simulated with and without stopping rules and adaptive allocation.

LIMA (Zhou et al. 2023, Figure 1): 300 prompts, five baselines, three votes per comparison in
the fixed design (4,500 votes). Each pair's prompts have their own (win, tie, loss)
probabilities, Dirichlet with mean the pair's Figure 1 shares and total ``concentration``.

Adaptive: the rater path serves only the unsettled pairs, each prompt completed with all its
votes (the sequence's unit), its prompts in a random order. A pair stops when a rule holds or its
300 prompts are used. Its stopping point does not depend on the order in which the pairs are
served, so the order changes only how soon each pair settles: ``simulate_order`` compares the
neediest pair first (``serving_order``), the nearest to its target first, and even serving;
even serving settles the most pairs at a given budget and is what the rater path does. The
verdicts are read from the betting interval of the win rate (ties as half); one is wrong when it
names the system that is truly worse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import AsDict
from .betting import hedged_path
from .stopping import StoppingRules, rule_met

LIMA_SHARES = ((0.53, 0.21, 0.26), (0.44, 0.21, 0.35), (0.33, 0.25, 0.42), (0.24, 0.22, 0.54), (0.18, 0.25, 0.57))


@dataclass(frozen=True)
class AllocationReport(AsDict):
    n_studies: int
    fixed_votes: int  # the fixed design's votes per study
    mean_votes: float  # adaptive: mean votes until every pair settled (or ran out of prompts)
    saving: float  # 1 - mean_votes / fixed_votes
    wrong_verdict_rate: float  # share of pairs (over all studies) settled on the worse system
    studies_with_a_wrong_verdict: float
    pairs_decided: float  # share of pairs with a verdict (not "no difference shown")
    mean_votes_per_pair: list[float]
    rules: list[dict[str, object]]


def _pair_path(
    rng: np.random.Generator,
    shares: tuple[float, float, float],
    n_prompts: int,
    m: int,
    concentration: float,
    level: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The win-rate sequence of one pair over its prompts in a random order: (low, high, estimate) after each."""
    probs = rng.dirichlet(np.asarray(shares) * concentration, size=n_prompts)
    u = rng.random((n_prompts, m))
    cum = np.cumsum(probs, axis=1)
    score = np.where(u < cum[:, :1], 1.0, np.where(u < cum[:, 1:2], 0.5, 0.0))
    x = score.mean(axis=1)
    low, high = hedged_path(x, 1.0 - level, breaks=1000)
    return low, high, np.cumsum(x) / np.arange(1, n_prompts + 1)


def _stop(rules: StoppingRules, low: np.ndarray, high: np.ndarray, m: int) -> int:
    """Prompts used until the first look at which a rule holds (all prompts if none does)."""
    for t in range(low.size):
        if rule_met(rules, float(low[t]), float(high[t]), (t + 1) * m):
            return t + 1
    return int(low.size)


def simulate_lima(
    rng: np.random.Generator,
    n_studies: int,
    rules: StoppingRules,
    n_prompts: int = 300,
    votes_per_comparison: int = 3,
    shares: tuple[tuple[float, float, float], ...] = LIMA_SHARES,
    concentration: float = 2.0,
    level: float = 0.95,
) -> AllocationReport:
    """Votes until every pair settles, against the fixed design, with the wrong-verdict rate.

    Each pair's stopping point does not depend on the order in which the pairs are served
    (its votes and interval are its own), so the total is the sum of the pairs' stopping
    points; the serving order decides only how soon each is reached (``simulate_order``)."""
    m = votes_per_comparison
    totals, per_pair = [], np.zeros(len(shares))
    wrong = decided = studies_wrong = 0
    for _ in range(n_studies):
        used, study_wrong = 0, False
        for k, pair in enumerate(shares):
            low, high, _ = _pair_path(rng, pair, n_prompts, m, concentration, level)
            t = _stop(rules, low, high, m)
            used += t * m
            per_pair[k] += t * m
            truth = pair[0] + pair[1] / 2
            lo, hi = float(low[t - 1]), float(high[t - 1])
            if lo > 0.5 or hi < 0.5:
                decided += 1
                if (lo > 0.5) != (truth > 0.5):
                    wrong += 1
                    study_wrong = True
        totals.append(used)
        studies_wrong += study_wrong
    fixed = n_prompts * m * len(shares)
    n_pairs = n_studies * len(shares)
    mean = float(np.mean(totals))
    return AllocationReport(
        n_studies,
        fixed,
        mean,
        1.0 - mean / fixed,
        wrong / n_pairs,
        studies_wrong / n_studies,
        decided / n_pairs,
        (per_pair / n_studies).tolist(),
        list(rules.as_setting()),
    )


def need_score(rules: StoppingRules, estimate: float | None, low: float, high: float) -> float:
    """How much a pair needs votes: its half-width over the nearest target (larger first);
    0 once a rule holds. The verdict rule's target is |estimate - 1/2|; precision's, h. A pair
    without votes (no estimate) needs them most: it comes before every pair that has some."""
    if estimate is None:
        return float("inf")
    half = (high - low) / 2.0
    targets = []
    if rules.verdict and estimate is not None:
        targets.append(max(abs(estimate - 0.5), 1e-6))
    if rules.half_width is not None:
        targets.append(rules.half_width)
    if not targets:
        return half
    return half / max(targets)


def serving_order(rules: StoppingRules, pairs: list[tuple[float | None, float, float, bool]]) -> list[int]:
    """Indices of the pairs in the order their comparisons should be served: unsettled pairs by
    ``need_score`` (highest first), settled pairs never. ``pairs``: (estimate, low, high, settled)."""
    open_pairs = [(need_score(rules, e, lo, hi), i) for i, (e, lo, hi, settled) in enumerate(pairs) if not settled]
    return [i for _, i in sorted(open_pairs, key=lambda s: (-s[0], s[1]))]


@dataclass(frozen=True)
class OrderReport(AsDict):
    """The allocation order apart from stopping: the same studies (the same votes per pair, in
    the same order within each pair) served by two policies, read at several vote budgets."""

    n_studies: int
    budgets: list[int]
    # per policy ("neediest_first", "nearest_first", "even"): per budget, the mean number of
    # pairs settled (of len(shares))
    settled: dict[str, list[float]]
    wrong: dict[str, list[float]]  # per policy, per budget: share of settled pairs on the worse system
    votes_until_all_settled: dict[str, float]  # equal for both policies: stopping alone sets it


def _paths(
    rng: np.random.Generator,
    shares: tuple[tuple[float, float, float], ...],
    n_prompts: int,
    m: int,
    concentration: float,
    level: float,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    return [_pair_path(rng, pair, n_prompts, m, concentration, level) for pair in shares]


def _serve(
    rules: StoppingRules,
    paths: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    m: int,
    policy: str,
    budgets: list[int],
    truths: list[float],
) -> tuple[list[int], list[int], int]:
    """Serve one prompt (m votes) at a time to the pair the policy picks, until every pair is
    settled or out of prompts. Returns (pairs settled, wrong verdicts) at each budget, and the
    votes used in all."""
    n_pairs, n_prompts = len(paths), paths[0][0].size
    used = [0] * n_pairs
    settled = [False] * n_pairs
    verdict_wrong = [False] * n_pairs
    at_budget_settled, at_budget_wrong = [], []
    votes, turn, b = 0, 0, 0
    while True:
        while b < len(budgets) and votes >= budgets[b]:
            at_budget_settled.append(sum(settled))
            at_budget_wrong.append(sum(verdict_wrong))
            b += 1
        open_ = [k for k in range(n_pairs) if not settled[k] and used[k] < n_prompts]
        if not open_:
            break
        if policy == "neediest_first":
            state = []
            for k in range(n_pairs):
                t = used[k]
                low, high, est = paths[k]
                state.append(
                    (
                        float(est[t - 1]) if t else None,
                        float(low[t - 1]) if t else 0.0,
                        float(high[t - 1]) if t else 1.0,
                        k not in open_,
                    )
                )
            k = serving_order(rules, state)[0]
        elif policy == "nearest_first":  # the pair closest to its target (no votes: first)
            scores: list[tuple[float, int]] = []
            for j in open_:
                t = used[j]
                low, high, est = paths[j]
                score = need_score(rules, float(est[t - 1]), float(low[t - 1]), float(high[t - 1])) if t else -1.0
                scores.append((score, j))
            k = min(scores)[1]
        else:  # "even": round robin over the open pairs
            k = open_[turn % len(open_)]
            turn += 1
        used[k] += 1
        votes += m
        t = used[k]
        low, high, _ = paths[k]
        if rule_met(rules, float(low[t - 1]), float(high[t - 1]), t * m):
            settled[k] = True
            lo, hi = float(low[t - 1]), float(high[t - 1])
            verdict_wrong[k] = (lo > 0.5 or hi < 0.5) and ((lo > 0.5) != (truths[k] > 0.5))
    while b < len(budgets):
        at_budget_settled.append(sum(settled))
        at_budget_wrong.append(sum(verdict_wrong))
        b += 1
    return at_budget_settled, at_budget_wrong, votes


def simulate_order(
    rng: np.random.Generator,
    n_studies: int,
    rules: StoppingRules,
    budgets: tuple[int, ...] = (300, 600, 900, 1200, 1500),
    n_prompts: int = 300,
    votes_per_comparison: int = 3,
    shares: tuple[tuple[float, float, float], ...] = LIMA_SHARES,
    concentration: float = 2.0,
    level: float = 0.95,
) -> OrderReport:
    """Three orders of serving the unsettled pairs, on the same simulated votes: the neediest pair
    first (``serving_order``: widest interval relative to its target), the pair nearest its
    target first, and evenly (round robin over the open pairs: what the rater path does). Read
    after each budget of votes: how many pairs are settled. The votes until every pair is
    settled are the same for all three (each pair's stopping point is its own)."""
    m = votes_per_comparison
    truths = [p[0] + p[1] / 2 for p in shares]
    policies = ("neediest_first", "nearest_first", "even")
    settled = {p: np.zeros(len(budgets)) for p in policies}
    wrong = {p: np.zeros(len(budgets)) for p in policies}
    totals = {p: 0.0 for p in policies}
    for _ in range(n_studies):
        paths = _paths(rng, shares, n_prompts, m, concentration, level)
        for p in policies:
            s, w, v = _serve(rules, paths, m, p, list(budgets), truths)
            settled[p] += s
            wrong[p] += w
            totals[p] += v
    return OrderReport(
        n_studies,
        list(budgets),
        {p: (settled[p] / n_studies).tolist() for p in policies},
        {p: (wrong[p] / np.maximum(settled[p], 1)).tolist() for p in policies},
        {p: totals[p] / n_studies for p in policies},
    )
