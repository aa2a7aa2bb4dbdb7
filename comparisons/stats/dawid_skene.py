"""Rater quality without gold labels: the Dawid-Skene model fitted by EM.

Each item i has an unknown true class z_i with prior p_k; a rater r who labels it says l with
probability pi_r[k, l] (the rater's confusion matrix, rows the true class). Labels are
independent given the true class. EM (Dawid & Skene 1979, Appl. Statist. 28:20, section 2):
- E-step: T_ik = P(z_i = k | labels) proportional to p_k prod_{(r, l) on i} pi_r[k, l];
- M-step: p_k = mean_i T_ik; pi_r[k, l] = (sum of T_ik over r's labels l) / (sum of T_ik
  over all of r's labels), with ``smoothing`` pseudo-counts in every cell so that a rater
  who never used a label keeps a finite log-likelihood;
starting from the per-item label shares (soft majority vote), until the log-likelihood
rises by less than ``tol`` (relative). A rater's accuracy is sum_k p_k pi_r[k, k], the chance
they give the true class of a random item. Each step is a sparse matrix product with the
(item x rater-label) incidence matrix (the M-step with its transpose, walking the items in
order), so each iteration costs O(votes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from ._base import AsDict, factorize, to_builtin


@dataclass(frozen=True)
class DawidSkene(AsDict):
    """Per rater (in ``raters`` order): accuracy and confusion (true class x given label);
    the class prior; ``posteriors`` (items x classes, for ``items``) is left out of
    ``as_dict()``."""

    raters: list[Any]
    accuracy: list[float]
    confusion: list[list[list[float]]]
    class_prior: list[float | None]
    n_items: int
    n_votes: int
    iterations: int
    converged: bool
    log_likelihood: float
    items: np.ndarray = field(repr=False)
    posteriors: np.ndarray = field(repr=False)
    method: str = "dawid-skene"

    def as_dict(self) -> dict[str, Any]:
        return {k: to_builtin(v) for k, v in self.__dict__.items() if k not in ("items", "posteriors")}


def dawid_skene(
    items: np.ndarray | list[Any],
    raters: np.ndarray | list[Any],
    labels: np.ndarray | list[Any],
    n_classes: int = 3,
    smoothing: float = 0.01,
    tol: float = 1e-6,
    max_iter: int = 200,
) -> DawidSkene:
    """EM estimates from (item, rater, label) triples, labels 0 .. n_classes - 1 (for
    preference votes: loss, tie, win = outcome + 1). See the module docstring."""
    item_ids, item = factorize(np.asarray(items))
    rater_ids, rater = factorize(np.asarray(raters))
    label = np.asarray(labels, dtype=np.int64)
    if not (item.shape == rater.shape == label.shape):
        raise ValueError("items, raters and labels must have the same length")
    if label.size and (label.min() < 0 or label.max() >= n_classes):
        raise ValueError(f"labels must be integers 0 .. {n_classes - 1}")
    n_items, n_raters, k = item_ids.size, rater_ids.size, n_classes
    if label.size == 0:
        return DawidSkene([], [], [], [None] * k, 0, 0, 0, True, 0.0, item_ids, np.zeros((0, k)))
    votes_t = _incidence(item, rater * k + label, n_items, n_raters * k)  # row item, column (rater, label)
    most = int(np.bincount(item).max())  # votes on one item
    shares = np.bincount(item * k + label, minlength=n_items * k).reshape(n_items, k).astype(float)
    post = shares / shares.sum(axis=1, keepdims=True)  # soft majority vote
    prev, converged, it = -np.inf, False, 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is read after the loop)
        prior, log_conf = _m_step(votes_t, post, n_raters, k, smoothing)
        post, ll = _e_step(votes_t, prior, log_conf, most)
        if abs(ll - prev) <= tol * abs(ll):
            converged = True
            break
        prev = ll
    prior, log_conf = _m_step(votes_t, post, n_raters, k, smoothing)
    conf = np.exp(log_conf)  # raters x true class x label
    accuracy = np.einsum("k,rkk->r", prior, conf)
    return DawidSkene(
        raters=rater_ids.tolist(),
        accuracy=[float(a) for a in accuracy],
        confusion=conf.tolist(),
        class_prior=[float(p) for p in prior],
        n_items=int(n_items),
        n_votes=int(label.size),
        iterations=it,
        converged=converged,
        log_likelihood=float(ll),
        items=item_ids,
        posteriors=post,
    )


def _incidence(rows: np.ndarray, columns: np.ndarray, n_rows: int, n_columns: int) -> sparse.csr_matrix:
    """The (n_rows x n_columns) 0/1 matrix with a one per (row, column) pair (pairs given
    twice count twice), directly when the rows come sorted."""
    ones = np.ones(rows.size)
    if rows.size and (rows[1:] >= rows[:-1]).all():
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])
        return sparse.csr_matrix((ones, columns, indptr), shape=(n_rows, n_columns))
    return sparse.csr_matrix((ones, (rows, columns)), shape=(n_rows, n_columns))


def _m_step(
    votes_t: sparse.csr_matrix, post: np.ndarray, n_raters: int, k: int, smoothing: float
) -> tuple[np.ndarray, np.ndarray]:
    """``post`` is (items x classes). Returns the class prior and log confusion matrices.
    The sums per (rater, label) walk the items in order (``votes_t.T`` is column-major)."""
    counts = (votes_t.T @ post).reshape(n_raters, k, k)  # rater, given label, true class
    counts = counts.transpose(0, 2, 1) + smoothing  # rater, true class, given label
    log_conf = np.log(counts) - np.log(counts.sum(axis=2, keepdims=True))
    return np.ones(post.shape[0]) @ post / post.shape[0], log_conf


def _e_step(votes_t: sparse.csr_matrix, prior: np.ndarray, log_conf: np.ndarray, most: int) -> tuple[np.ndarray, float]:
    """Posteriors as (items x classes) and the log-likelihood, column by column (classes
    are a short axis). The joint log-probabilities are shifted by their maximum per item
    only if, with ``most`` votes on an item, they could fall below -700, where exp would
    underflow; otherwise they are exponentiated as they are."""
    n_raters, k, _ = log_conf.shape
    table = log_conf.transpose(0, 2, 1).reshape(n_raters * k, k)  # (rater, label) x class
    log_prior = np.log(np.maximum(prior, 1e-300))
    log_joint = votes_t @ table
    columns = [log_joint[:, c] for c in range(k)]
    for column, value in zip(columns, log_prior, strict=True):
        column += value
    top = None
    if most * table.min() + log_prior.min() < -700.0:
        top = columns[0].copy()
        for column in columns[1:]:
            np.maximum(top, column, out=top)
        for column in columns:
            column -= top
    post = np.exp(log_joint, out=log_joint)
    total = columns[0].copy()
    for column in columns[1:]:
        total += column
    inverse = 1.0 / total
    for column in columns:
        column *= inverse
    log_total = np.log(total)
    return post, float(log_total.sum() if top is None else (top + log_total).sum())
