"""Dawid-Skene rater quality: recovers simulated raters' accuracies and confusions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from comparisons.stats.dawid_skene import dawid_skene


def _simulate(seed: int, raters: int = 30, items: int = 4000, per_item: int = 5, confused: int | None = None):
    """Raters of known accuracy: the true class, else one of the other two at random.
    Rater ``confused`` (if given) says "tie" whenever the truth is a win."""
    rng = np.random.default_rng(seed)
    accuracy = rng.uniform(0.45, 0.95, raters)
    truth = rng.choice(3, items, p=[0.4, 0.2, 0.4])
    item = np.repeat(np.arange(items), per_item)
    rater = np.concatenate([rng.choice(raters, per_item, replace=False) for _ in range(items)])
    right = rng.random(item.size) < accuracy[rater]
    label = np.where(right, truth[item], (truth[item] + rng.integers(1, 3, item.size)) % 3)
    if confused is not None:
        label[(rater == confused) & (truth[item] == 2)] = 1
    return item, rater, label, accuracy, truth


def test_it_recovers_each_raters_accuracy_from_labels_alone():
    item, rater, label, accuracy, _truth = _simulate(0)
    fit = dawid_skene(item * 3 + 7, rater + 100, label)  # arbitrary item and rater ids
    assert fit.raters == list(range(100, 130)) and fit.converged
    assert np.max(np.abs(np.array(fit.accuracy) - accuracy)) < 0.06
    assert np.corrcoef(fit.accuracy, accuracy)[0, 1] > 0.98
    np.testing.assert_allclose(fit.class_prior, [0.4, 0.2, 0.4], atol=0.03)
    np.testing.assert_allclose(np.array(fit.confusion).sum(axis=2), 1.0, atol=1e-12)


def test_posteriors_beat_the_majority_vote():
    item, rater, label, _, truth = _simulate(1, per_item=3)
    fit = dawid_skene(item, rater, label)
    counts = np.zeros((truth.size, 3))
    np.add.at(counts, (item, label), 1)
    majority = (counts.argmax(axis=1) == truth).mean()
    assert fit.posteriors.shape == (truth.size, 3)
    assert (fit.posteriors.argmax(axis=1) == truth).mean() > majority + 0.01


def test_a_rater_who_calls_wins_ties_shows_it_in_the_confusion_matrix():
    item, rater, label, _, _ = _simulate(2, confused=4)
    fit = dawid_skene(item, rater, label)
    confusion = np.array(fit.confusion[4])  # rows: true loss, tie, win; columns: label given
    assert confusion[2, 1] > 0.9 and confusion[2, 2] < 0.05


def test_empty_input_and_bad_labels():
    empty = dawid_skene([], [], [])
    assert empty.raters == [] and empty.n_votes == 0
    with pytest.raises(ValueError):
        dawid_skene([1, 2], [1, 1], [0, 3])
    fit = dawid_skene([1, 1, 2, 2], ["a", "b", "a", "b"], [2, 2, 0, 0])
    assert json.dumps(fit.as_dict(), allow_nan=False) and "posteriors" not in fit.as_dict()
    assert fit.accuracy[0] > 0.9


def _reference_em(item, rater, label, k=3, smoothing=0.01, tol=1e-6, max_iter=200):
    """A plain dense EM with the same start, smoothing and stopping rule (log-sum-exp per item)."""
    from scipy.special import logsumexp

    n_items, n_raters = item.max() + 1, rater.max() + 1
    shares = np.zeros((n_items, k))
    np.add.at(shares, (item, label), 1)
    post = shares / shares.sum(axis=1, keepdims=True)
    prev = -np.inf
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is returned after the loop)
        counts = np.full((n_raters, k, k), smoothing)  # rater, true class, label
        np.add.at(counts, (rater, slice(None), label), post[item])
        log_conf = np.log(counts / counts.sum(axis=2, keepdims=True))
        prior = post.mean(axis=0)
        joint = np.tile(np.log(prior), (n_items, 1))
        np.add.at(joint, item, log_conf[rater, :, label])
        ll = logsumexp(joint, axis=1)
        post = np.exp(joint - ll[:, None])
        if abs(ll.sum() - prev) <= tol * abs(ll.sum()):
            break
        prev = ll.sum()
    counts = np.full((n_raters, k, k), smoothing)
    np.add.at(counts, (rater, slice(None), label), post[item])
    conf = counts / counts.sum(axis=2, keepdims=True)
    return it, post, conf, np.einsum("k,rkk->r", post.mean(axis=0), conf)


@pytest.mark.parametrize("per_item", [3, 150])  # 150 votes an item: log-probabilities below -700, shifted
def test_it_equals_a_plain_dense_em(per_item):
    item, rater, label, _, _ = _simulate(3, raters=200 if per_item > 100 else 30, items=300, per_item=per_item)
    order = np.random.default_rng(4).permutation(item.size)  # votes not sorted by item
    for idx in (np.arange(item.size), order):
        fit = dawid_skene(item[idx], rater[idx], label[idx])
        iterations, post, conf, accuracy = _reference_em(item[idx], rater[idx], label[idx])
        assert fit.iterations == iterations
        np.testing.assert_allclose(fit.posteriors, post, atol=1e-10)
        np.testing.assert_allclose(fit.confusion, conf, atol=1e-10)
        np.testing.assert_allclose(fit.accuracy, accuracy, atol=1e-10)
