"""Exact multinomial resampling counts, drawn faster than ``Generator.multinomial``.

Resampling n units with replacement and counting them by cell gives, per resample, counts
N ~ Multinomial(n, c / n) over the K cells with c the cells' unit counts. NumPy draws that
as K - 1 conditional binomials per resample; this module draws the same distribution from
K Poisson variates (about half the cost) and a few direct unit draws:

1. X_j ~ Poisson(s c_j) independently, with s = max(0, 1 - 2 / sqrt(n)). Given their sum
   S, X ~ Multinomial(S, c / n) (Poisson splitting), whatever s is.
2. Resamples with S > n (about 2% of them) are redrawn. Rejecting on S alone leaves
   X | S ~ Multinomial(S, c / n) for the kept ones, now with S <= n.
3. The n - S missing units (about 2 sqrt(n) per resample) are drawn one by one: a
   uniform unit among the n, counted in its cell, i.e. Multinomial(n - S, c / n) independent
   of X. The sum of independent Multinomial(S, p) and Multinomial(n - S, p) counts is
   Multinomial(n, p).

So each row is exactly Multinomial(n, c / n), rows independent; only the random stream
differs from ``rng.multinomial(n, c / n, size=R)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

_LOOKUP_MAX_UNITS = 1 << 25  # above this, units are mapped to cells by binary search


def multinomial_counts(counts: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(n_resamples x K) int64 counts, each row Multinomial(n, counts / n) with n =
    sum(counts): the cell counts of n units drawn with replacement. See the module
    docstring for the method."""
    return next(
        multinomial_chunks(counts, n_resamples, rng, max(n_resamples, 1)),
        np.zeros((0, np.size(counts)), dtype=np.int64),
    )


def multinomial_chunks(
    counts: np.ndarray, n_resamples: int, rng: np.random.Generator, rows: int
) -> Iterator[np.ndarray]:
    """``multinomial_counts`` in chunks of at most ``rows`` resamples (the set-up is done
    once; chunks small enough to stay in cache are faster to use)."""
    c = np.asarray(counts, dtype=np.int64)
    if c.ndim != 1 or (c < 0).any():
        raise ValueError("counts must be a one-dimensional array of non-negative integers")
    n, k = int(c.sum()), c.size
    lam = max(0.0, 1.0 - 2.0 / np.sqrt(max(n, 1))) * c
    index = np.int32 if rows * k < 2**31 and n < 2**31 else np.int64
    lookup = np.repeat(np.arange(k, dtype=index), c) if n <= _LOOKUP_MAX_UNITS else None  # unit -> cell
    for start in range(0, n_resamples, rows):
        size = min(rows, n_resamples - start)
        if n == 0:
            yield np.zeros((size, k), dtype=np.int64)
            continue
        x = rng.poisson(lam, size=(size, k))
        total = x.sum(axis=1)
        redo = np.flatnonzero(total > n)
        while redo.size:
            x[redo] = rng.poisson(lam, size=(redo.size, k))
            total[redo] = x[redo].sum(axis=1)
            redo = redo[total[redo] > n]
        missing = n - total
        units = rng.integers(0, n, int(missing.sum()), dtype=index)
        cells: np.ndarray = (
            lookup[units] if lookup is not None else np.searchsorted(np.cumsum(c), units, side="right").astype(index)
        )
        cells += np.repeat(np.arange(0, size * k, k, dtype=index), missing)  # row offsets
        np.add.at(x.reshape(-1), cells, 1)
        yield x
