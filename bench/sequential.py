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

    .venv/bin/python bench/sequential.py [--quick | --studies N] [--part coverage|lima|order]
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    studies = args.studies or (100 if args.quick else 1000)
    if args.part in ("all", "coverage"):
        _coverage(studies)
    if args.part in ("all", "lima"):
        _lima(studies)
    if args.part in ("all", "order"):
        _order(studies)


def _coverage(studies: int) -> None:
    shares = (0.44, 0.21, 0.35)
    start = time.perf_counter()
    report = coverage(np.random.default_rng(0), studies, shares, 300, 3, 45, peeked=("wald", "bootstrap"))
    print(
        f"A. coverage at every one of {report.n_looks} looks, {studies} studies ({time.perf_counter() - start:.0f} s)",
        flush=True,
    )
    for share in report.sequential:
        print(
            f"   {share:17s} betting sequence {report.sequential[share]:.3f}   peeked bootstrap "
            f"{report.peeked['bootstrap'][share]:.3f}   peeked Wald {report.peeked['wald'][share]:.3f}",
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
