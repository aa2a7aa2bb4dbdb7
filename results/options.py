"""Results with a breakdown (``by``) or a judge's model family (``judge_family``): computed on
request from the same counted votes, cached as their own ResultSnapshot beside the plain results."""

from __future__ import annotations

from typing import Any

from comparisons.models import Prompt, Study
from comparisons.services.queue import study_pairs
from results.breakdown import breakdown
from results.categories import prompt_labels
from results.judges_results import judges_results
from results.models import ResultSnapshot
from results.params import Params
from results.selectors import VoteFilter, vote_table, votes_version
from results.services import results_store, snapshot_key
from results.table import VoteTable


def options_key(params: Params, filters: VoteFilter, by: str, family: tuple[str, ...]) -> str:
    return f"by={by}&family={','.join(sorted(family))}&{snapshot_key(params, filters)}"[:500]


def results_options_compute(
    *,
    study: Study,
    params: Params,
    filters: VoteFilter,
    by: str,
    family: tuple[str, ...],
    table: VoteTable | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """``{"breakdown": ...}`` for ``by``, ``{"judges": ...}`` (with self-preference) for ``family``,
    plus the vote count and version of the votes they were computed from (``table`` and
    ``version``: the counted votes and their version if already read)."""
    if version is None or table is None:
        version = votes_version(study, filters)
        table, _raters = vote_table(study, filters)
    pairs = study_pairs(study)
    data: dict[str, Any] = {"n_votes": len(table), "votes_version": version}
    if by:
        data["breakdown"] = breakdown(table, pairs, params, prompt_labels(study, by), by)
    if family:
        data["judges"] = judges_results(table, pairs, params, prompt_labels(study, "category"), family)["judges"]
    return data


def several_categories(study: Study) -> bool:
    """Whether the study's prompts have two categories or more."""
    return Prompt.objects.filter(study=study).order_by().values("category").distinct()[:2].count() >= 2


def category_breakdown_refresh(*, study: Study, table: VoteTable, version: str, several: bool | None = None) -> None:
    """Store the default results' breakdown by category (the dashboard's small multiples) with
    each default refresh, when the study's prompts have two categories or more (``several``,
    if already known: `several_categories`)."""
    if not (several_categories(study) if several is None else several):
        return
    params, filters = Params(seed=study.seed), VoteFilter()
    data = results_options_compute(
        study=study, params=params, filters=filters, by="category", family=(), table=table, version=version
    )
    results_store(study=study, key=options_key(params, filters, "category", ()), data=data)


def results_options_stored(*, study: Study, params: Params, filters: VoteFilter, by: str) -> dict[str, Any] | None:
    """The options as stored, fresh or not, or None (the dashboard: pages read snapshots only;
    each default refresh stores the breakdown by category, `category_breakdown_refresh`)."""
    snapshot = ResultSnapshot.objects.filter(study=study, key=options_key(params, filters, by, ())).first()
    return snapshot.data if snapshot is not None else None


def results_options_get(
    *,
    study: Study,
    params: Params,
    filters: VoteFilter,
    by: str,
    family: tuple[str, ...],
    allow_stale: bool = False,
) -> dict[str, Any]:
    """The cached options for these parameters, recomputed when the votes changed since (or, with
    ``allow_stale``, served as they are when there are any)."""
    key = options_key(params, filters, by, family)
    snapshot = ResultSnapshot.objects.filter(study=study, key=key).first()
    if snapshot is not None and (allow_stale or snapshot.votes_version == votes_version(study, filters)):
        cached: dict[str, Any] = snapshot.data
        return cached
    data = results_options_compute(study=study, params=params, filters=filters, by=by, family=family)
    stored: dict[str, Any] = results_store(study=study, key=key, data=data).data
    return stored
