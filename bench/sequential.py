"""Sequential statistics at full size (no database): docs/benchmarks.md, "Sequential".

A. Time-uniform coverage. 1,000 simulated studies of one pair (300 prompts x 3 votes, LIMA's
   second baseline 44/21/35, prompt-level Dirichlet with total 4), looked at after every 45
   votes (20 looks): the share of studies whose interval covered the truth at every look at
   once, for the betting confidence sequences (all five shares) and for the fixed-sample
   prompt-clustered bootstrap (500 resamples) and Wald interval, looked at the same way.
B. The LIMA design (300 prompts, five baselines with Figure 1's shares, 3 votes per
   comparison: 4,500 votes fixed): votes until every pair settles under the stopping rules,
   served pair by pair as the allocation orders them, with the wrong-verdict rate.
C. The allocation order apart from stopping: the same simulated votes served three ways
   (neediest pair first, nearest its target first, evenly), read at budgets of 300 to 1,800
   votes: pairs settled.

    .venv/bin/python bench/sequential.py [--quick | --studies N] [--part coverage|lima|order] [--jobs J]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from comparisons.stats.simulate_allocation import simulate_lima, simulate_order
from comparisons.stats.simulate_sequential import coverage
from comparisons.stats.stopping import StoppingRules


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100 studies instead of 1,000")
    parser.add_argument("--studies", type=int, help="simulated studies (default 1,000)")
    parser.add_argument("--part", choices=["all", "coverage", "lima", "order"], default="all")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the coverage part (studies split)")
    args = parser.parse_args()
    studies = args.studies or (100 if args.quick else 1000)
    if args.part in ("all", "coverage"):
        _coverage(studies, max(1, args.jobs))
    if args.part in ("all", "lima"):
        _lima(studies)
    if args.part in ("all", "order"):
        _order(studies)


def _coverage_part(args: tuple[int, int]) -> tuple[int, dict[str, float], dict[str, dict[str, float]]]:
    seed, studies = args
    report = coverage(
        np.random.default_rng(seed), studies, (0.44, 0.21, 0.35), 300, 3, 45, peeked=("wald", "bootstrap")
    )
    return report.n_looks, report.sequential, report.peeked


def _coverage(studies: int, jobs: int) -> None:
    """Studies split over ``jobs`` processes, each with its own seed; the shares are pooled."""
    from multiprocessing import Pool

    start = time.perf_counter()
    sizes = [studies // jobs + (1 if i < studies % jobs else 0) for i in range(jobs)]
    with Pool(jobs) as pool:
        parts = pool.map(_coverage_part, [(seed, n) for seed, n in enumerate(sizes) if n])
    n_looks = parts[0][0]
    weights = [n for n in sizes if n]

    def pooled(values: list[float]) -> float:
        return sum(v * w for v, w in zip(values, weights, strict=True)) / studies

    print(
        f"A. coverage at every one of {n_looks} looks, {studies} studies in {jobs} processes "
        f"({time.perf_counter() - start:.0f} s wall, load {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    for share in parts[0][1]:
        seq = pooled([p[1][share] for p in parts])
        boot = pooled([p[2]["bootstrap"][share] for p in parts])
        wald = pooled([p[2]["wald"][share] for p in parts])
        print(
            f"   {share:17s} betting sequence {seq:.3f}   peeked bootstrap {boot:.3f}   peeked Wald {wald:.3f}",
            flush=True,
        )


def _lima(studies: int) -> None:
    for rules in (StoppingRules(verdict=True), StoppingRules(verdict=True, half_width=0.05)):
        start = time.perf_counter()
        lima = simulate_lima(np.random.default_rng(1), studies, rules)
        print(
            f"B. LIMA design, rules {lima.rules}, {studies} studies ({time.perf_counter() - start:.0f} s)", flush=True
        )
        print(
            f"   votes until every pair settled: {lima.mean_votes:.0f} of {lima.fixed_votes} "
            f"(saving {lima.saving:.1%}); per pair {[round(v) for v in lima.mean_votes_per_pair]}"
        )
        print(
            f"   wrong verdicts: {lima.wrong_verdict_rate:.2%} of pairs, "
            f"{lima.studies_with_a_wrong_verdict:.1%} of studies; pairs decided {lima.pairs_decided:.1%}",
            flush=True,
        )


def _order(studies: int) -> None:
    budgets = (300, 600, 900, 1200, 1500, 1800)
    for rules in (StoppingRules(verdict=True), StoppingRules(verdict=True, half_width=0.05)):
        start = time.perf_counter()
        report = simulate_order(np.random.default_rng(2), studies, rules, budgets=budgets)
        print(
            f"C. serving order, rules {list(rules.as_setting())}, {studies} studies "
            f"({time.perf_counter() - start:.0f} s); pairs settled (of 5) after {list(budgets)} votes",
            flush=True,
        )
        for policy, settled in report.settled.items():
            print(
                f"   {policy:14s} {' '.join(f'{s:4.2f}' for s in settled)}   "
                f"votes until all settled {report.votes_until_all_settled[policy]:.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
