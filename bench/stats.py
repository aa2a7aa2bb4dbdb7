"""Statistics benchmark, every figure against a peer measured in the same run on the same data,
on one core (BLAS/OpenMP pools limited to one thread).

A. The full results (`compute_results`: pairs with 2,000 prompt-clustered resamples, ranking
   with 1,000, agreement, Dawid-Skene, biases) for 1,000,005 votes in LIMA's shape: 66,667
   prompts x 5 baselines, one comparison per prompt and pair (333,335 comparisons), 3 votes
   each from 3 different raters of 200. Peers, each warm (run once on a small slice first)
   and in full (all 2,000 resamples of the five pairs, never extrapolated), drawing the same
   prompts as ours: a fair pandas version (counts per prompt and pair first with `groupby`,
   then per resample `.iloc` the drawn prompts' counts and sum them) and a plain numpy one
   (`np.bincount` counts per prompt, then per chunk of resamples `table[idx].sum(axis=1)`);
   all 2,000 x 5 of their shares are checked equal to ours. The peers do less than we do (no
   ranking, agreement, tests, biases), so the ratio understates the difference.
B. Bradley-Terry with 1,000 bootstrap rounds on 1,000,000 battles among 50 systems (ties as
   half): ours (`bootstrap_bradley_terry`: multinomial draws over merged cells, exact, from
   Poisson variates; batched Newton from a chord step, a cache-sized chunk of rounds at a time)
   against bench/arena_reference.py (Chatbot Arena's current method), fschat's
   `get_bootstrap_result(..., compute_elo_mle_with_tie)` and evalica's `bootstrap` (both timed
   on a few rounds and extrapolated). Point ratings are compared on one scale: Elo =
   400 log10(strength), shifted to mean 1000 on every side.

    .venv/bin/python bench/stats.py [--quick]

fschat is not a project dependency: it is used if importable, or from FSCHAT_PATH (a folder
made with `pip install --no-deps --target DIR fschat==0.2.36 scikit-learn joblib pytz plotly
tqdm narwhals cloudpickle requests urllib3 idna charset_normalizer certifi`)."""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import arena_reference
from bench.common import machine
from comparisons.stats import bootstrap as boot_mod
from comparisons.stats.ranking import bradley_terry, pair_matrices
from comparisons.stats.ranking_bootstrap import RankingIntervals, bootstrap_bradley_terry
from results.compute import compute_results
from results.params import Params
from results.table import VoteTable

SYSTEMS = {1: "LIMA 65B", 2: "GPT-4", 3: "Claude", 4: "Bard", 5: "DaVinci003", 6: "Alpaca 65B"}


def votes_workload(prompts=66_667, baselines=5, raters=200, seed=0):
    """LIMA-shaped: one comparison per (prompt, baseline), 3 votes each by 3 different raters."""
    rng = np.random.default_rng(seed)
    n_comp = prompts * baselines
    n_votes = 3 * n_comp
    comp = np.arange(n_votes) // 3
    cell = np.arange(n_comp)
    c_prompt, c_base = cell // baselines, 2 + cell % baselines
    strength = np.array([0.0, 0.0, 0.3, -0.2, 0.1, -0.5, -0.8])
    z = strength[1] - strength[c_base] + rng.normal(0, 1, prompts)[c_prompt]
    p_win, u = 0.8 / (1 + np.exp(-z)), rng.random(n_comp)
    truth = np.where(u < p_win, 1, np.where(u < p_win + 0.2, 0, -1))
    accuracy = rng.uniform(0.5, 0.95, raters)
    r1 = rng.integers(0, raters, n_comp)
    r2 = (r1 + 1 + rng.integers(0, raters // 2, n_comp)) % raters
    r3 = (r1 + raters // 2 + 1 + rng.integers(0, raters // 2 - 1, n_comp)) % raters
    rater = np.stack([r1, r2, r3], axis=1).ravel()[:n_votes]
    label = np.where(
        rng.random(n_votes) < accuracy[rater], truth[comp], (truth[comp] + 1 + rng.integers(1, 3, n_votes)) % 3 - 1
    )
    base = c_base[comp]
    swap = rng.random(n_votes) < 0.5
    left, right = np.where(swap, base, 1), np.where(swap, 1, base)
    winner = np.where(label == 1, 1, np.where(label == -1, base, 0))
    group = np.where(rater % 10 == 0, "expert", "crowd").astype(object)
    table = VoteTable(
        comp,
        c_prompt[comp],
        rater + 1,
        group,
        left,
        right,
        winner,
        rng.integers(10, 900, n_votes),
        rng.integers(10, 900, n_votes),
        SYSTEMS,
    )
    return table, [(1, b) for b in range(2, 2 + baselines)]


def _draws(n_prompts: int, n_resamples: int, seed: int):
    """The resamples' drawn prompt indices in the chunks our code draws them in (the same
    random stream as comparisons.stats.bootstrap.draw_counts)."""
    rng = np.random.default_rng(seed)
    chunk = max(1, boot_mod._CHUNK_CELLS // max(n_prompts, 1))
    for start in range(0, n_resamples, chunk):
        rows = min(chunk, n_resamples - start)
        yield rng.integers(0, n_prompts, size=(rows, n_prompts), dtype=np.int32)


def pandas_bootstrap(table: VoteTable, pairs, n_resamples: int, seed: int = 0) -> list[np.ndarray]:
    """A fair pandas: counts per prompt and pair with one groupby, then per resample the drawn
    prompts' rows (`.iloc`) summed; the five pairs share the draws, as ours do. Returns per
    pair the (n_resamples x 3) totals."""
    import pandas as pd

    frames = []
    for first, second in pairs:
        mask, outcomes = table.outcomes_for(first, second)
        votes = pd.DataFrame({"prompt": table.prompt[mask], "outcome": outcomes})
        counts = (
            votes.groupby(["prompt", "outcome"]).size().unstack(fill_value=0).reindex(columns=[1, 0, -1], fill_value=0)
        )
        counts.columns = [f"{first}-{second}:{c}" for c in ("win", "tie", "loss")]
        frames.append(counts)
    counts = pd.concat(frames, axis=1).fillna(0).astype("int64").sort_index()
    totals = []
    for idx in _draws(len(counts), n_resamples, seed):
        for r in range(idx.shape[0]):
            totals.append(counts.iloc[idx[r]].sum().to_numpy())
    stacked = np.asarray(totals)
    return [stacked[:, 3 * i : 3 * i + 3] for i in range(len(pairs))]


def numpy_bootstrap(table: VoteTable, pairs, n_resamples: int, seed: int = 0) -> list[np.ndarray]:
    """Plain numpy: counts per prompt with np.bincount, then per chunk of resamples the drawn
    rows gathered and summed; the pairs share the draws."""
    n_prompts = int(table.prompt.max()) + 1
    columns = []
    for first, second in pairs:
        mask, outcomes = table.outcomes_for(first, second)
        prompt = table.prompt[mask]
        columns += [np.bincount(prompt[outcomes == o], minlength=n_prompts) for o in (1, 0, -1)]
    counts = np.stack(columns, axis=1)
    counts = counts[counts.sum(axis=1) > 0]
    totals = np.concatenate([counts[idx].sum(axis=1) for idx in _draws(len(counts), n_resamples, seed)])
    return [totals[:, 3 * i : 3 * i + 3] for i in range(len(pairs))]


def timed(fn, repeat=1):
    """(result, wall times, CPU times) of `repeat` runs."""
    times, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    timed.cpu = cpus  # type: ignore[attr-defined]
    return result, times


def bench_results(quick: bool) -> list[tuple]:
    table, pairs = votes_workload()
    params = Params()
    small = table.select(np.arange(len(table)) < 30_000)
    compute_results(small, pairs, params)  # warm-up (imports, caches)
    results, ours = timed(lambda: compute_results(table, pairs, params), repeat=3)
    ours_cpu = min(timed.cpu)  # type: ignore[attr-defined]
    n = 100 if quick else params.n_resamples
    resample_all(small, pairs, 10, params.seed)  # warm
    expected, alone = timed(lambda: resample_all(table, pairs, n, params.seed), repeat=3)
    alone_cpu = min(timed.cpu)  # type: ignore[attr-defined]
    rows = []
    best, median = min(ours), statistics.median(ours)
    rows.append(
        (
            "A",
            f"full results, {len(table):,} votes (ours, best / median of 3)",
            f"{best:.2f} s / {median:.2f} s (CPU {ours_cpu:.2f} s)",
            "",
        )
    )
    rows.append(
        (
            "A",
            f"ours, the five pairs' bootstraps alone (counts per prompt, resample_totals_many), {n:,} resamples",
            f"{min(alone):.2f} s (CPU {alone_cpu:.2f} s)",
            "",
        )
    )
    for label, peer in (
        ("fair pandas (counts per prompt, .iloc per resample)", pandas_bootstrap),
        ("plain numpy (bincount, gather per chunk)", numpy_bootstrap),
    ):
        peer(small, pairs, 10, params.seed)  # warm
        totals, t = timed(lambda peer=peer: peer(table, pairs, n, params.seed))
        cpu = timed.cpu[0]  # type: ignore[attr-defined]
        for got, want in zip(totals, expected, strict=True):
            assert np.array_equal(got, want), "the peer's resample totals differ from ours"
        rows.append(
            (
                "A",
                f"{label}, 5 pairs x {n:,} resamples, in full",
                f"{t[0]:.2f} s (CPU {cpu:.2f} s)",
                f"{t[0] / best:.1f}x the full results (CPU: {cpu / ours_cpu:.1f}x); "
                f"{t[0] / min(alone):.1f}x our bootstraps alone (CPU: {cpu / alone_cpu:.1f}x)",
            )
        )
    rows.append(("A", "pairs reported", f"{len(results['pairs'])}, peers' totals equal to ours on all resamples", ""))
    return rows


def resample_all(table: VoteTable, pairs, n: int, seed: int) -> list[np.ndarray]:
    """Our resample totals for the pairs (comparisons.stats.bootstrap), to check the peers by."""
    n_prompts = int(table.prompt.max()) + 1
    tables = []
    for first, second in pairs:
        mask, outcomes = table.outcomes_for(first, second)
        prompt = table.prompt[mask]
        tables.append(np.stack([np.bincount(prompt[outcomes == o], minlength=n_prompts) for o in (1, 0, -1)], axis=1))
    keep = sum(t.sum(axis=1) for t in tables) > 0
    return boot_mod.resample_totals_many([t[keep] for t in tables], n, np.random.default_rng(seed))


def battles(n=1_000_000, k=50, seed=1):
    rng = np.random.default_rng(seed)
    elo = rng.normal(1000, 120, k)
    a = rng.integers(0, k, n)
    b = (a + rng.integers(1, k, n)) % k
    p = 1 / (1 + 10 ** ((elo[b] - elo[a]) / 400))
    tie = rng.random(n) < 0.2
    return a, b, np.where(tie, 0, np.where(rng.random(n) < p, 1, -1)), k


def centred(elo) -> np.ndarray:
    elo = np.asarray(elo, dtype=float)
    return elo - elo.mean() + 1000.0


def load_fschat():
    path = os.environ.get("FSCHAT_PATH", "/tmp/fschat_pkgs")
    if Path(path).is_dir() and path not in sys.path:
        sys.path.append(path)
    try:
        import fastchat

        # fastchat.model's __init__ loads model adapters (torch); elo_analysis needs only its registry
        pkg = types.ModuleType("fastchat.model")
        pkg.__path__ = [str(Path(fastchat.__file__).parent / "model")]
        sys.modules["fastchat.model"] = pkg
        from fastchat.serve.monitor.elo_analysis import compute_elo_mle_with_tie, get_bootstrap_result
        from sklearn.linear_model import LogisticRegression  # noqa: F401  (compute_elo_mle_with_tie needs it)

        return get_bootstrap_result, compute_elo_mle_with_tie
    except ImportError as exc:
        print(f"fschat skipped: {exc}")
        return None


def bench_ranking(quick: bool) -> list[tuple]:
    a, b, out, k = battles()
    names = [f"m{i:02d}" for i in range(k)]

    def run() -> RankingIntervals:
        return bootstrap_bradley_terry(a, b, out, names, n_resamples=1000, method="newton")

    run()
    ours_res, ours = timed(run, repeat=3)
    best, best_cpu = min(ours), min(timed.cpu)  # type: ignore[attr-defined]
    mle = bradley_terry(*pair_matrices(a, b, out, k), prior=0.0, tol=1e-12).elo  # no pseudo-wins

    def differ(other) -> str:
        return (
            f"ratings differ by {np.abs(centred(ours_res.elo) - centred(other)).max():.4f} Elo at most "
            f"({np.abs(centred(mle) - centred(other)).max():.4f} with prior 0)"
        )

    rows = [
        (
            "B",
            "Bradley-Terry, 1,000 rounds, 1M battles, 50 systems (ours, best / median of 3)",
            f"{best:.2f} s / {statistics.median(ours):.2f} s (CPU {best_cpu:.2f} s)",
            "",
        )
    ]
    ref, arena = timed(lambda: arena_reference.bootstrap(a, b, out, k, n_rounds=100 if quick else 1000))
    arena_full, arena_cpu = arena[0] * (10 if quick else 1), timed.cpu[0] * (10 if quick else 1)  # type: ignore[attr-defined]
    rows.append(
        (
            "B",
            "Arena reference (bench/arena_reference.py)" + (" (100 rounds x 10)" if quick else ""),
            f"{arena_full:.1f} s (CPU {arena_cpu:.1f} s)",
            f"{arena_full / best:.1f}x (CPU: {arena_cpu / best_cpu:.1f}x); {differ(ref['point'])}",
        )
    )
    fschat = load_fschat()
    if fschat is not None:
        import pandas as pd

        get_bootstrap_result, fit_elo = fschat
        df = pd.DataFrame(
            {
                "model_a": np.asarray(names)[a],
                "model_b": np.asarray(names)[b],
                "winner": np.where(out == 1, "model_a", np.where(out == -1, "model_b", "tie")),
            }
        )
        rounds = 2
        _, t = timed(lambda: get_bootstrap_result(df, fit_elo, num_round=rounds))
        point = fit_elo(df).reindex(names).to_numpy()
        full = t[0] / rounds * 1000
        rows.append(
            (
                "B",
                f"fschat get_bootstrap_result + compute_elo_mle_with_tie ({rounds} rounds, extrapolated)",
                f"{full:.0f} s",
                f"{full / best:.0f}x; {differ(point)} (sklearn's default L2 penalty)",
            )
        )
    rows.append(_evalica_row(a, b, out, k, differ, best, quick))
    return rows


def _evalica_row(a, b, out, k, differ, best, quick):
    import evalica
    import pandas as pd

    winners = np.where(out == 1, evalica.Winner.X, np.where(out == -1, evalica.Winner.Y, evalica.Winner.Draw)).tolist()
    index = pd.Index(range(k))
    rounds = 3 if quick else 10
    _, t = timed(
        lambda: evalica.bootstrap(
            evalica.bradley_terry,
            a,
            b,
            winners,
            index=index,
            n_resamples=rounds,
            bootstrap_method="percentile",
            random_state=0,
        )
    )
    point = evalica.bradley_terry(a, b, winners, index=index, tie_weight=0.5, tolerance=1e-12, limit=10_000)
    elo = 400 * np.log10(point.scores.sort_index().to_numpy())
    full = t[0] / rounds * 1000
    return (
        "B",
        f"evalica bootstrap ({rounds} rounds, extrapolated to 1,000)",
        f"{full:.0f} s",
        f"{full / best:.0f}x; {differ(elo)}",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer peer rounds (a smoke test)")
    parser.add_argument("--part", choices=["A", "B"], help="only the full results (A) or Bradley-Terry (B)")
    args = parser.parse_args()
    started, cpu, load = time.perf_counter(), time.process_time(), os.getloadavg()
    with threadpool_limits(1):
        rows = (bench_results(args.quick) if args.part != "B" else []) + (
            bench_ranking(args.quick) if args.part != "A" else []
        )
    print(f"\n{machine()}; load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}\n")
    print("| | what | time | ours is faster by |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nbench total: wall {time.perf_counter() - started:.0f} s, CPU {time.process_time() - cpu:.0f} s")


if __name__ == "__main__":
    main()
