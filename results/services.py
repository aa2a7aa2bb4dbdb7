"""Computing, caching and refreshing a study's results.

The default results (no query parameters) are kept fresh by Celery: a beat task sweeps for
studies whose votes changed (rater votes: the rater's request only writes PostgreSQL), and a
researcher's import queues a debounced refresh itself. Other parameter sets are computed when
a researcher asks and cached under their own key. Nothing here runs on a rater's request path."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from comparisons.models import Study
from comparisons.services.queue import study_pairs, study_system_ids
from results import tasks
from results.categories import prompt_labels
from results.models import ResultSnapshot
from results.params import Params
from results.selectors import NEVER_VOTED, VoteFilter, VoteLoad, vote_load, votes_version, votes_versions

if TYPE_CHECKING:
    from results.study_columns import StudyColumns

DEFAULT_KEY = "default"
DIGEST_KEY = "dashboard-digest"  # results.digest, written with each default refresh


def snapshot_key(params: Params, filters: VoteFilter) -> str:
    if params == Params(seed=params.seed) and filters == VoteFilter():
        return DEFAULT_KEY
    parts = [f"{k}={v}" for k, v in sorted(asdict(params).items())]
    parts += [f"exclude_raters={','.join(sorted(filters.exclude_raters))}", f"rater_group={filters.rater_group or ''}"]
    return "&".join(parts)[:500]


def results_compute(
    *,
    study: Study,
    params: Params,
    filters: VoteFilter,
    columns: StudyColumns | None = None,
    version: str | None = None,
    load: VoteLoad | None = None,
    carry: dict[str, Any] | None = None,
    stored: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The results JSON. ``columns``: the study's columns if already read (results.loading),
    ``version``: the votes version read before them, ``load``: the counted votes if already
    narrowed from them; ``carry``: earlier results whose resampled parts are kept
    (results.compute.compute_results; ``data["carried"]`` says whether they were); ``stored``:
    the default results as stored, if already read (the last look of the sequential part)."""
    # numpy and scipy load here, on the first computation, not when the URLs are imported
    # (every manage.py command would pay for them): no cycle is dodged.
    from results.compute import compute_results  # noqa: PLC0415
    from results.counted import comparisons_per_pair  # noqa: PLC0415
    from results.judges_results import attach_judges, judges_results  # noqa: PLC0415
    from results.sequential_state import sequential_context, stamp_settlements  # noqa: PLC0415
    from results.stopping import stopping_apply  # noqa: PLC0415

    if version is None:  # before the votes: a vote landing between is picked up next time
        version = votes_version(study, filters)
    if study.is_rating:
        return _rating_compute(study=study, params=params, filters=filters, version=version)
    if load is None:
        load = vote_load(study, filters, columns)
    table, raters = load.table, load.raters
    pairs = study_pairs(study)
    default = snapshot_key(params, filters) == DEFAULT_KEY
    built = comparisons_per_pair(columns) if columns is not None else None
    context = sequential_context(study=study, params=params, default=default, stored=stored, built=built)
    data = compute_results(table, pairs, params, context, carry=carry)
    stamp_settlements(data)
    stopping_apply(study=study, data=data, serve=default)
    carried = bool(data.get("carried"))
    judged = table.group_mask(params.headline_excludes).any()
    categories = prompt_labels(study, "category") if judged and not carried else None
    extra = judges_results(table, pairs, params, categories, section=not carried)
    if carried:  # the judges' agreement and biases resample: kept with the other resampled parts
        assert carry is not None
        extra["judges"] = carry.get("judges", [])
    data = attach_judges(data, extra)
    for pair in data["agreement"]["cohens_kappa_rater_pairs"]:
        pair["raters"] = [raters.get(r, str(r)) for r in pair["raters"]]
    for entry in (data.get("rater_quality") or {}).get("raters", []):
        entry["rater"] = raters.get(entry["rater"], str(entry["rater"]))
    names = dict(study.systems.values_list("id", "name"))
    in_study = [names[i] for i in study_system_ids(study)]
    data["systems"] = [n for n in in_study if n in data["systems"]]  # the study's order, not the alphabet's
    return {
        "study": study.slug,
        "design": study.design,
        "focal_system": study.focal_system.name if study.focal_system is not None else None,
        "n_votes": len(table),
        "votes_version": version,
        "simulated_votes": load.simulated,
        "simulated_votes_left_out": load.simulated_left_out,
        "params": {
            **asdict(params),
            "exclude_raters": list(filters.exclude_raters),
            "rater_group": filters.rater_group,
        },
        **data,
    }


def _rating_compute(*, study: Study, params: Params, filters: VoteFilter, version: str) -> dict[str, Any]:
    """A rating or dialogue study's results (results.ratings): no pairs, the `ratings` section."""
    from results.ratings import grade_units, rating_results  # noqa: PLC0415  (numpy, as above)
    from results.selectors import simulated_counts  # noqa: PLC0415

    units = grade_units(study, filters)
    simulated, left_out = simulated_counts(study, filters)
    ratings = rating_results(units, list(study.scale), params, dialogue=study.design == Study.Design.DIALOGUE)
    return {
        "study": study.slug,
        "design": study.design,
        "focal_system": None,
        "n_votes": units.n_votes,
        "headline_votes": ratings["headline_votes"],
        "votes_version": version,
        "simulated_votes": simulated,
        "simulated_votes_left_out": left_out,
        "params": {
            **asdict(params),
            "exclude_raters": list(filters.exclude_raters),
            "rater_group": filters.rater_group,
        },
        "systems": units.systems,
        "pairs": [],
        "ratings": ratings,
    }


def results_store(*, study: Study, key: str, data: dict[str, Any]) -> ResultSnapshot:
    snapshot, _ = ResultSnapshot.objects.update_or_create(
        study=study,
        key=key,
        defaults={
            "computed_at": timezone.now(),
            "n_votes": data["n_votes"],
            "votes_version": data["votes_version"],
            "data": data,
        },
    )
    return snapshot


def results_refresh(*, study_id: int, resample: bool | None = None) -> ResultSnapshot | None:
    """Recompute the default results (the Celery task's body). The counted parts always; the
    resampled ones (results.compute.RESAMPLED_SECTIONS) when ``resample`` is True, or, when
    None, when `resample_due` says so; otherwise they are kept from the stored results, whose
    ``resampled`` section says from which votes they are."""
    cache.delete(_pending_key(study_id))
    study = Study.objects.filter(pk=study_id).select_related("focal_system").first()
    if study is None:
        return None
    from results.loading import study_columns  # noqa: PLC0415  (numpy loads here, not with the URLs)

    params = Params(seed=study.seed)
    version = votes_version(study)
    columns = study_columns(study, version=version)
    load = vote_load(study, VoteFilter(), columns)
    previous = ResultSnapshot.objects.filter(study=study, key=DEFAULT_KEY).values_list("data", flat=True).first()
    if resample is None:
        resample = resample_due(previous, version, len(load.table))
    data = results_compute(
        study=study,
        params=params,
        filters=VoteFilter(),
        columns=columns,
        version=version,
        load=load,
        carry=None if resample or study.is_rating else previous,
        stored=previous,
    )
    if data.pop("carried", False):
        assert previous is not None
        data["resampled"] = previous["resampled"]
    else:
        data["resampled"] = {
            "n_votes": data["n_votes"],
            "votes_version": version,
            "computed_at": timezone.now().isoformat(),
        }
    snapshot = results_store(study=study, key=DEFAULT_KEY, data=data)
    _digest_refresh(study=study, columns=columns, load=load, version=version, n_votes=data["n_votes"])
    return snapshot


def _digest_refresh(*, study: Study, columns: StudyColumns, load: VoteLoad, version: str, n_votes: int) -> None:
    """With each default refresh: the dashboard digest (results.digest) and the breakdown by
    category (results.options), from the same columns and counted votes."""
    from results.digest import outputs_unchanged, study_digest  # noqa: PLC0415  (numpy loads here, not with URLs)
    from results.options import category_breakdown_refresh, several_categories  # noqa: PLC0415

    stored = ResultSnapshot.objects.filter(study=study, key=DIGEST_KEY).values_list("data", flat=True).first()
    digest = study_digest(study, columns, version, stored)
    # whether the prompts have several categories changes only with new outputs, as the counts do
    if stored and "several_categories" in stored and outputs_unchanged(version, stored):
        several = bool(stored["several_categories"])
    else:
        several = several_categories(study)
    results_store(study=study, key=DIGEST_KEY, data={**digest, "n_votes": n_votes, "several_categories": several})
    category_breakdown_refresh(study=study, table=load.table, version=version, several=several)


def resample_due(previous: dict[str, Any] | None, version: str, n_votes: int) -> bool:
    """Whether a refresh of the default results recomputes the resampled parts: always below
    LIMA_RESULTS_RESAMPLE_ALWAYS_BELOW votes, when the stored results have none, when no vote
    came since the stored results (the votes paused: catch up), and otherwise once their
    resampled parts are LIMA_RESULTS_RESAMPLE_SECONDS old."""
    stamp = (previous or {}).get("resampled")
    if n_votes < settings.LIMA_RESULTS_RESAMPLE_ALWAYS_BELOW or not stamp:
        return True
    assert previous is not None
    if stamp.get("votes_version") == version:
        return False  # nothing to catch up
    if previous.get("votes_version") == version:
        return True  # no new vote since the last refresh: the votes paused
    try:
        age = (timezone.now() - datetime.fromisoformat(stamp["computed_at"])).total_seconds()
    except (KeyError, TypeError, ValueError):
        return True
    return bool(age >= settings.LIMA_RESULTS_RESAMPLE_SECONDS)


def results_refresh_stale() -> list[int]:
    """Refresh the default results of every study whose votes changed since its snapshot
    (Celery beat runs this every LIMA_RESULTS_DEBOUNCE_SECONDS: the rater's vote path only
    writes PostgreSQL, and this sweep picks the new votes up). Returns the refreshed ids."""
    refreshed = []
    stored = ResultSnapshot.objects.filter(key=DEFAULT_KEY).values_list(
        "study_id", "votes_version", "data__resampled__votes_version"
    )
    snapshots = {study_id: version for study_id, version, _ in stored}
    resampled = {study_id: version for study_id, _, version in stored}
    versions = votes_versions()  # from the vote counters (results.models.RaterVoteCount), no scan
    for study_id, version in sorted(versions.items()):
        if snapshots.get(study_id) != version and (study_id in snapshots or not version.startswith(NEVER_VOTED)):
            results_refresh(study_id=study_id)
            refreshed.append(study_id)
        elif study_id in snapshots and resampled.get(study_id) != version:
            # the counted parts are current but the resampled ones lag: the votes paused, catch up
            results_refresh(study_id=study_id, resample=True)
            refreshed.append(study_id)
    return refreshed


def results_get(*, study: Study, params: Params, filters: VoteFilter) -> tuple[ResultSnapshot, bool]:
    """The results for these parameters and whether they are stale (votes changed since).
    Default results that are stale are served as they are while a refresh is queued."""
    key = snapshot_key(params, filters)
    snapshot = ResultSnapshot.objects.filter(study=study, key=key).first()
    version = votes_version(study, filters)
    if snapshot is not None and snapshot.votes_version == version:
        return snapshot, False
    if snapshot is not None and key == DEFAULT_KEY:
        results_schedule_refresh(study_id=study.pk)
        return snapshot, True
    return results_store(study=study, key=key, data=results_compute(study=study, params=params, filters=filters)), False


def results_stored(*, study: Study) -> tuple[ResultSnapshot | None, ResultSnapshot | None, bool]:
    """For pages that read snapshots only (the dashboard): the default results and the
    dashboard digest as stored, and whether they are stale. Nothing is computed here: missing
    or stale, a refresh is queued and the page says the results are updating."""
    stored = {s.key: s for s in ResultSnapshot.objects.filter(study=study, key__in=[DEFAULT_KEY, DIGEST_KEY])}
    results, digest = stored.get(DEFAULT_KEY), stored.get(DIGEST_KEY)
    version = votes_version(study)
    stale = results is None or digest is None or results.votes_version != version or digest.votes_version != version
    if stale and not version.startswith(NEVER_VOTED):
        results_schedule_refresh(study_id=study.pk)
    return results, digest, stale


def _pending_key(study_id: int) -> str:
    return f"lima-eval:results-pending:{study_id}"


def results_schedule_refresh(*, study_id: int) -> None:
    """Queue one refresh per study per debounce window, after the current transaction."""
    delay = settings.LIMA_RESULTS_DEBOUNCE_SECONDS

    def queue() -> None:
        if cache.add(_pending_key(study_id), 1, timeout=delay + 60):
            tasks.refresh_results.apply_async((study_id,), countdown=delay)

    # robust: with Redis down the refresh is skipped, never the caller's request; the beat
    # sweep (results_refresh_stale) picks the votes up once it is back (issue 11).
    transaction.on_commit(queue, robust=True)
