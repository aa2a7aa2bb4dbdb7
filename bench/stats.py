"""Statistics benchmark, every figure against a peer measured in the same run on the same data,
on one core (BLAS/OpenMP pools limited to one thread).

A. The full results (`compute_results`: pairs with 2,000 prompt-clustered resamples, ranking
   with 1,000, agreement, Dawid-Skene, biases) for 1,000,000 votes: 10,000 prompts, 5
   baselines, 3 raters per comparison (333,334 comparisons, so 6-7 per prompt and baseline;
   200 raters). Peer: a straightforward pandas version of the prompt-clustered bootstrap of
   the five pairs (per resample: pick the drawn prompts' votes with `.loc`, count outcomes),
   drawing the same prompts; a few resamples are timed and extrapolated to 2,000, and their
   shares are checked equal to ours. The peer does less than we do (no ranking, agreement,
   tests, biases), so the ratio understates the difference.
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
from results.compute import Params, compute_results
from results.table import VoteTable

SYSTEMS = {1: "LIMA 65B", 2: "GPT-4", 3: "Claude", 4: "Bard", 5: "DaVinci003", 6: "Alpaca 65B"}


def votes_workload(n_votes=1_000_000, prompts=10_000, baselines=5, raters=200, seed=0):
    rng = np.random.default_rng(seed)
    n_comp = -(-n_votes // 3)
    comp = np.arange(n_votes) // 3
    cell = np.arange(n_comp) % (prompts * baselines)
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


def pandas_bootstrap(table: VoteTable, pairs, n_resamples: int, seed: int = 0) -> list[np.ndarray]:
    """Per pair, per resample: the drawn prompts' votes (pandas .loc), then the win share
    (win / tie / loss counts over the resampled votes). Same draws as ours."""
    import pandas as pd

    out = []
    for first, second in pairs:
        mask, outcomes = table.outcomes_for(first, second)
        votes = pd.DataFrame({"prompt": table.prompt[mask], "outcome": outcomes}).set_index("prompt").sort_index()
        prompts = votes.index.unique()
        idx = np.random.default_rng(seed).integers(0, len(prompts), size=(n_resamples, len(prompts)))
        shares = []
        for r in range(n_resamples):
            sample = votes.loc[prompts[idx[r]]]
            counts = sample["outcome"].value_counts()
            shares.append(counts.get(1, 0) / len(sample))
        out.append(np.asarray(shares))
    return out


def timed(fn, repeat=1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, times


def bench_results(quick: bool) -> list[tuple]:
    table, pairs = votes_workload()
    params = Params()
    compute_results(table.select(np.arange(len(table)) < 30_000), pairs, params)  # warm-up (imports, caches)
    results, ours = timed(lambda: compute_results(table, pairs, params), repeat=3)
    k = 4 if quick else 20
    peer_shares, peer = timed(lambda: pandas_bootstrap(table, pairs, k))
    for (first, second), shares in zip(pairs, peer_shares, strict=True):  # equal numbers on the timed resamples
        mask, outcomes = table.outcomes_for(first, second)
        counts = boot_mod.per_prompt_counts(table.prompt[mask], outcomes)
        totals = boot_mod.resample_totals_many([counts], k, np.random.default_rng(params.seed))[0]
        assert np.allclose(shares, totals[:, 0] / totals.sum(axis=1), rtol=0, atol=1e-15)
    peer_full = peer[0] / k * params.n_resamples
    best, median = min(ours), statistics.median(ours)
    return [
        ("A", "full results, 1M votes (ours, best / median of 3)", f"{best:.2f} s / {median:.2f} s", ""),
        (
            "A",
            f"pandas prompt bootstrap, 5 pairs ({k} resamples x 5 timed, extrapolated to 2,000)",
            f"{peer_full:.0f} s",
            f"{peer_full / best:.0f}x (median: {peer_full / median:.0f}x)",
        ),
        ("A", "pairs reported", f"{len(results['pairs'])}, shares equal on the timed resamples", ""),
    ]


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
    best = min(ours)
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
            f"{best:.2f} s / {statistics.median(ours):.2f} s",
            "",
        )
    ]
    ref, arena = timed(lambda: arena_reference.bootstrap(a, b, out, k, n_rounds=100 if quick else 1000))
    arena_full = arena[0] * (10 if quick else 1)
    rows.append(
        (
            "B",
            "Arena reference (bench/arena_reference.py)" + (" (100 rounds x 10)" if quick else ""),
            f"{arena_full:.1f} s",
            f"{arena_full / best:.1f}x; {differ(ref['point'])}",
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
    args = parser.parse_args()
    started = time.perf_counter()
    with threadpool_limits(1):
        rows = bench_results(args.quick) + bench_ranking(args.quick)
    print(f"\n{machine()}\n")
    print("| | what | time | ours is faster by |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nbench total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
