"""The vectorised bootstraps give the numbers of the straightforward loops they replaced:
bit for bit where the random stream is kept (prompt-clustered shares, clustered rankings),
the same estimates and intervals within Monte Carlo error where it changed (multinomial draws
over kinds of items or over unique battles)."""

from __future__ import annotations

import numpy as np
import pytest

from comparisons.stats.agreement import bootstrap_agreement, krippendorff_alpha
from comparisons.stats.agreement_counts import (
    alpha_from_coincidences,
    bootstrap_krippendorff_counts,
    coincidences,
    item_types,
)
from comparisons.stats.bootstrap import clustered_bootstrap, clustered_bootstraps, resample_totals_many
from comparisons.stats.group_agreement import bootstrap_tie_discounted_accuracy
from comparisons.stats.ranking import bradley_terry, pair_matrices
from comparisons.stats.ranking_bootstrap import bootstrap_bradley_terry


def _gathered_totals(table: np.ndarray, n_resamples: int, seed: int, chunk_cells: int = 4_000_000) -> np.ndarray:
    """The earlier implementation: gather the drawn prompts' rows and sum them."""
    rng, p = np.random.default_rng(seed), table.shape[0]
    chunk, out = max(1, chunk_cells // p), []
    for start in range(0, n_resamples, chunk):
        idx = rng.integers(0, p, size=(min(chunk, n_resamples - start), p))
        out.append(np.stack([table[:, j][idx].sum(axis=1) for j in range(table.shape[1])], axis=1))
    return np.concatenate(out)


@pytest.mark.parametrize("prompts", [1, 7, 300, 4001])
def test_count_matrix_totals_equal_the_gathered_rows_bit_for_bit(prompts):
    table = np.random.default_rng(prompts).integers(0, 4, (prompts, 3))
    fast = resample_totals_many([table], 900, np.random.default_rng(5))[0]
    assert np.array_equal(fast, _gathered_totals(table, 900, 5))


def test_pairs_with_the_same_prompt_count_share_draws_and_match_one_by_one():
    rng = np.random.default_rng(1)
    samples = [(rng.integers(0, 50, 400), rng.choice([-1, 0, 1], 400)) for _ in range(3)]
    samples.append((np.arange(30), rng.choice([-1, 0, 1], 30)))
    samples.append(([], []))
    together = clustered_bootstraps(samples, n_resamples=300, seed=3)
    alone = [clustered_bootstrap(ids, out, n_resamples=300, seed=3) for ids, out in samples]
    assert together == alone
    assert together[-1].n_votes == 0 and together[0].win_share.low < together[0].win_share.high


def _old_ranking_bootstrap(a, b, out, k, prompts, n_resamples, seed, prior=0.01):
    """The earlier loop: per resample, draw clusters, reweight votes, refit."""
    _, inv = np.unique(prompts, return_inverse=True)
    n_units = int(inv.max()) + 1
    rng = np.random.default_rng(seed)
    samples = np.empty((n_resamples, k))
    for r in range(n_resamples):
        counts = np.bincount(rng.integers(0, n_units, n_units), minlength=n_units)
        w, t = pair_matrices(a, b, out, k, weights=counts[inv].astype(float))
        samples[r] = bradley_terry(w, t, prior=prior, tol=1e-8).elo
    return np.quantile(samples, [0.025, 0.975], axis=0)


def _battles(seed, n=3000, k=5):
    rng = np.random.default_rng(seed)
    strength = np.linspace(-0.8, 0.8, k)
    a = rng.integers(0, k, n)
    b = (a + rng.integers(1, k, n)) % k
    p = 1 / (1 + np.exp(strength[b] - strength[a]))
    u = rng.random(n)
    return a, b, np.where(u < 0.2, 0, np.where(rng.random(n) < p, 1, -1))


def test_clustered_ranking_bootstrap_equals_the_refit_loop_bit_for_bit():
    a, b, out = _battles(2)
    prompts = np.random.default_rng(3).integers(0, 700, a.size)
    fast = bootstrap_bradley_terry(a, b, out, list("abcde"), cluster_ids=prompts, n_resamples=150, seed=4)
    lo, hi = _old_ranking_bootstrap(a, b, out, 5, prompts, 150, 4)
    assert fast.low == lo.tolist() and fast.high == hi.tolist()


def test_newton_and_mm_fits_of_all_resamples_agree_and_vote_resampling_matches_the_old_loop():
    a, b, out = _battles(5, n=4000, k=8)
    names = list("abcdefgh")
    mm = bootstrap_bradley_terry(a, b, out, names, n_resamples=300, seed=6)
    newton = bootstrap_bradley_terry(a, b, out, names, n_resamples=300, seed=6, method="newton")
    np.testing.assert_allclose(newton.low, mm.low, atol=1e-4)
    np.testing.assert_allclose(newton.high, mm.high, atol=1e-4)
    assert newton.elo == mm.elo
    # multinomial draws over unique battles: same distribution as drawing votes one by one
    lo, hi = _old_ranking_bootstrap(a, b, out, 8, np.arange(a.size), 300, 6)
    np.testing.assert_allclose(mm.low, lo, atol=0.25 * np.mean(hi - lo))
    np.testing.assert_allclose(mm.high, hi, atol=0.25 * np.mean(hi - lo))


def test_item_types_are_the_distinct_rows_with_their_counts():
    rng = np.random.default_rng(7)
    for rows in (
        rng.integers(0, 4, (500, 3)).astype(float),
        np.c_[rng.integers(0, 7, 200) / 2, rng.integers(1, 4, 200)],
        rng.random((40, 2)),
    ):
        types, mult = item_types(rows)
        ref_types, ref_mult = np.unique(rows, axis=0, return_counts=True)
        assert np.array_equal(types, ref_types) and np.array_equal(mult, ref_mult)


def test_alpha_from_weighted_kinds_equals_alpha_on_the_repeated_items():
    rng = np.random.default_rng(8)
    counts = rng.multinomial(3, [0.4, 0.2, 0.4], size=60).astype(float)
    weights = rng.integers(0, 4, 60)
    repeated = np.repeat(counts, weights, axis=0)
    o = (weights @ coincidences(counts).reshape(60, 9)).reshape(1, 3, 3)
    for level in ("nominal", "ordinal"):
        matrix = np.full((3, repeated.shape[0]), np.nan)
        for i, row in enumerate(repeated):
            labels = np.repeat([-1.0, 0.0, 1.0], row.astype(int))
            matrix[: labels.size, i] = labels
        assert alpha_from_coincidences(o, level)[0] == pytest.approx(krippendorff_alpha(matrix, level).value, abs=1e-12)


def _slots(counts):
    matrix = np.full((int(counts.sum(axis=1).max()), counts.shape[0]), np.nan)
    for i, row in enumerate(counts):
        labels = np.repeat([-1.0, 0.0, 1.0], row.astype(int))
        matrix[: labels.size, i] = labels
    return matrix


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_krippendorff_bootstrap_from_kinds_matches_the_item_loop(level):
    rng = np.random.default_rng(9)
    truth = rng.choice(3, 400)
    counts = np.stack([np.bincount(np.where(rng.random(3) < 0.6, t, rng.choice(3, 3)), minlength=3) for t in truth])
    fast = bootstrap_krippendorff_counts(counts, level, n_resamples=2000, seed=1)
    loop = bootstrap_agreement(_slots(counts), lambda d: krippendorff_alpha(d, level), n_resamples=2000, seed=1)
    assert fast.estimate == pytest.approx(loop.estimate, abs=1e-12)
    assert fast.low == pytest.approx(loop.low, abs=0.02) and fast.high == pytest.approx(loop.high, abs=0.02)
    assert fast.low < fast.estimate < fast.high


def test_tie_discounted_bootstrap_from_kinds_matches_the_item_loop():
    rng = np.random.default_rng(10)
    counts = rng.multinomial(3, [0.45, 0.1, 0.45], size=500).astype(float)
    fast = bootstrap_tie_discounted_accuracy(counts, n_resamples=2000, seed=2)
    credit = (counts * (counts - 1) / 2).sum(axis=1) + 0.5 * counts[:, 1] * (counts[:, 0] + counts[:, 2])
    draws = np.random.default_rng(2).integers(0, 500, (2000, 500))
    values = credit[draws].sum(axis=1) / (3 * draws.shape[1])
    lo, hi = np.quantile(values, [0.025, 0.975])
    assert fast.estimate == pytest.approx(credit.sum() / 1500, abs=1e-12)
    assert fast.low == pytest.approx(lo, abs=0.01) and fast.high == pytest.approx(hi, abs=0.01)


def test_both_krippendorff_levels_from_one_set_of_resamples_equal_each_level_alone():
    from comparisons.stats.agreement import krippendorff_alpha_counts
    from comparisons.stats.agreement_counts import bootstrap_krippendorff_levels

    counts = np.random.default_rng(11).multinomial(3, [0.45, 0.15, 0.4], size=700)
    both = bootstrap_krippendorff_levels(counts, ("nominal", "ordinal"), n_resamples=500, seed=3)
    for level, interval in zip(("nominal", "ordinal"), both, strict=True):
        assert interval == bootstrap_krippendorff_counts(counts, level, n_resamples=500, seed=3)
        assert interval.estimate == pytest.approx(krippendorff_alpha_counts(counts, level).value, abs=1e-12)


def test_newton_with_a_chord_start_agrees_with_mm_for_many_systems_and_chunks():
    a, b, out = _battles(8, n=60_000, k=30)
    names = [f"s{i}" for i in range(30)]
    mm = bootstrap_bradley_terry(a, b, out, names, n_resamples=250, seed=2)
    newton = bootstrap_bradley_terry(a, b, out, names, n_resamples=250, seed=2, method="newton")
    np.testing.assert_allclose(newton.low, mm.low, atol=1e-4)
    np.testing.assert_allclose(newton.high, mm.high, atol=1e-4)
    sparse_votes = bootstrap_bradley_terry(a[:300], b[:300], out[:300], names, n_resamples=250, seed=2)
    sparse_newton = bootstrap_bradley_terry(
        a[:300], b[:300], out[:300], names, n_resamples=250, seed=2, method="newton"
    )
    np.testing.assert_allclose(sparse_newton.low, sparse_votes.low, atol=1e-4)
    np.testing.assert_allclose(sparse_newton.high, sparse_votes.high, atol=1e-4)
