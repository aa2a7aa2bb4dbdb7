"""Agreement figures as functions of contingency tables, vectorised over a leading batch axis.

A (batch x 3 x 3) table counts (row label, column label) pairs, labels 0 loss, 1 tie, 2 win from
one system's side; a (batch x 3 x 3 x 3) table counts (reference, judge's first order, judge's
second order) triples. Each function returns (batch,) values, NaN where undefined (no pairs).
"""

from __future__ import annotations

import numpy as np

LOSS, TIE, WIN = 0, 1, 2


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _total(t: np.ndarray) -> np.ndarray:
    out: np.ndarray = t.reshape(t.shape[0], -1).sum(axis=1)
    return out


def agreement_with_ties(t: np.ndarray) -> np.ndarray:
    """Share of pairs with the same label, ties included: trace / total. MT-Bench's agreement
    "w/ tie" (Zheng et al. 2023, "Judging LLM-as-a-Judge", §4.2, Table 3); with the reference
    as rows and one order of a judge as columns, the per-order exact three-way match used by
    PandaLM (Wang et al. 2023, accuracy against the annotators' label) and Auto-J (Li et al. 2023)."""
    return _ratio(np.trace(t, axis1=1, axis2=2), _total(t))


def agreement_without_ties(t: np.ndarray) -> np.ndarray:
    """Share of agreeing pairs among pairs where neither side said tie: (T_ll + T_ww) /
    (T_ll + T_lw + T_wl + T_ww). MT-Bench's agreement "w/o tie" (Zheng et al. 2023, §4.2)."""
    agree = t[:, LOSS, LOSS] + t[:, WIN, WIN]
    return _ratio(agree, agree + t[:, LOSS, WIN] + t[:, WIN, LOSS])


def tie_discounted_accuracy(t: np.ndarray) -> np.ndarray:
    """LIMA's score: 1 for the same label, 0.5 when exactly one side is a tie, 0 for opposite
    labels, averaged over pairs (Zhou et al. 2023, LIMA, §4.1)."""
    one_tie = t[:, TIE, LOSS] + t[:, TIE, WIN] + t[:, LOSS, TIE] + t[:, WIN, TIE]
    return _ratio(np.trace(t, axis1=1, axis2=2) + 0.5 * one_tie, _total(t))


def kappa(t: np.ndarray, weights: str | None = None) -> np.ndarray:
    """Cohen's kappa of (batch x k x k) tables; ``weights`` None (unweighted), "linear" or
    "quadratic" for ordered labels (loss < tie < win, or grades).

    With proportions p_ij, margins p_i., p_.j and disagreement weights w_ij = [i != j],
    |i - j| or (i - j)^2: kappa = 1 - sum w_ij p_ij / sum w_ij p_i. p_.j (Cohen 1960, Educ.
    Psychol. Meas. 20:37; weighted: Cohen 1968, Psychol. Bull. 70:213; as scikit-learn's
    ``cohen_kappa_score(..., weights=...)``). NaN when expected disagreement is 0.
    """
    k = t.shape[-1]
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    if weights is None:
        w = (i != j).astype(float)
    elif weights == "linear":
        w = np.abs(i - j).astype(float)
    elif weights == "quadratic":
        w = ((i - j) ** 2).astype(float)
    else:
        raise ValueError("weights must be None, 'linear' or 'quadratic'")
    n = _total(t)
    p = t / np.where(n > 0, n, 1.0)[:, None, None]
    expected = p.sum(axis=2)[:, :, None] * p.sum(axis=1)[:, None, :]
    observed_d = (w * p).sum(axis=(1, 2))
    expected_d = (w * expected).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            (n > 0) & (expected_d > 1e-15), 1.0 - observed_d / np.where(expected_d > 0, expected_d, 1.0), np.nan
        )


def linear_kappa(t: np.ndarray) -> np.ndarray:
    return kappa(t, "linear")


def consistency(t: np.ndarray) -> np.ndarray:
    """Position consistency of a judge: the share of items where its verdicts in the two orders
    name the same winner (or both a tie), on a (first order x second order) table of labels from
    one system's side. Zheng et al. 2023, §3.3 and Table 2 ("consistency"); Li et al. 2023, Auto-J
    ("consistency rate" under swapped order)."""
    return agreement_with_ties(t)


def biased_toward_first(t: np.ndarray) -> np.ndarray:
    """Share of items where the judge chose whichever response was shown first in both orders
    (rows: the order where the row system is shown first; columns: the swapped order). MT-Bench's
    "biased toward first" (Zheng et al. 2023, Table 2)."""
    return _ratio(t[:, WIN, LOSS], _total(t))


def biased_toward_second(t: np.ndarray) -> np.ndarray:
    """Share of items where the judge chose the response shown second in both orders (MT-Bench's
    "biased toward second")."""
    return _ratio(t[:, LOSS, WIN], _total(t))


def strict_both_orders(t3: np.ndarray) -> np.ndarray:
    """Share of items where both orders' verdicts equal the reference label exactly, ties
    included, on a (reference x first order x second order) table: sum_c T_ccc / total. The
    strict agreement of Auto-J (Li et al. 2023, "Generative Judge for Evaluating Alignment")."""
    k = t3.shape[-1]
    diag = sum(t3[:, c, c, c] for c in range(k))
    return _ratio(np.asarray(diag, dtype=float), _total(t3))


def first_order(t3: np.ndarray) -> np.ndarray:
    """(reference x first order) tables of (reference x first x second) tables."""
    out: np.ndarray = t3.sum(axis=3)
    return out


def second_order(t3: np.ndarray) -> np.ndarray:
    """(reference x second order) tables."""
    out: np.ndarray = t3.sum(axis=2)
    return out


def combined(t3: np.ndarray) -> np.ndarray:
    """(reference x combined verdict) tables, the combined verdict being the two orders' common
    label, or a tie when they differ (MT-Bench: "we declare a win only if a model is preferred
    in both orders; inconsistent results count as a tie", Zheng et al. 2023, §3.4)."""
    out = np.zeros(t3.shape[:2] + (t3.shape[-1],))
    k = t3.shape[-1]
    for a in range(k):
        for b in range(k):
            out[:, :, a if a == b else TIE] += t3[:, :, a, b]
    return out


def orders_table(t3: np.ndarray) -> np.ndarray:
    """(first order x second order) tables of (reference x first x second) tables."""
    out: np.ndarray = t3.sum(axis=1)
    return out
