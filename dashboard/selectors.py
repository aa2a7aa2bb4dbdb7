"""Reads for the dashboard: progress of a study against its targets, its raters, its results.
Pages read snapshots only (issue 13): the results and the digest the last default refresh
stored (results.services.results_stored), the vote counters and live leases; no view scans
the votes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from comparisons.models import Comparison, Study
from comparisons.services.queue import study_system_ids
from raters.models import Assignment
from raters.quality import RaterTotals, Thresholds, stats_from_totals
from raters.selectors import raters_of
from raters.services.entry import rater_settings_get
from results.models import RaterVoteCount, ResultSnapshot
from results.services import DIGEST_KEY, results_stored

ACTIVE_MINUTES = 15


def study_progress(study: Study) -> dict:
    """`progress_from` the stored digest (the progress panel's own view)."""
    _, stored, stale = results_stored(study=study)
    return progress_from(study, stored.data if stored is not None else None, updating=stale)


def progress_from(study: Study, digest: dict | None, *, updating: bool) -> dict:
    """Per pair (per system for a rating study: `_system_rows`): comparisons (gold pairs aside),
    votes wanted (comparisons x votes per comparison), votes filling them
    (raters.selectors.votes_filling_slots: judges' never do); raters active in the last 15
    minutes; open leases; gold accuracy. Read from the digest the last default refresh counted
    (results.digest), the vote counters and the live leases: never a scan of the votes.
    `updating`: the digest is older than the votes (or missing), and a refresh is queued."""
    pairs = [] if study.is_rating else _pair_rows(study, digest)
    systems = _system_rows(study, digest) if study.is_rating else []
    rows = systems or pairs
    now = timezone.now()
    since = now - timedelta(minutes=ACTIVE_MINUTES)
    active = RaterVoteCount.objects.filter(rater__study=study, last_voted_at__gte=since).count()
    leases = Assignment.objects.filter(comparison__study=study, state="pending", expires_at__gt=now)
    gold_votes = digest["gold_votes"] if digest else 0
    return {
        "pairs": pairs,
        "systems": systems,
        "votes": sum(p["votes"] for p in rows),
        "wanted": sum(p["wanted"] for p in rows),
        "items": sum(p["items"] for p in systems),
        "items_full": sum(p["full"] for p in systems),
        "active_raters": active,
        "open_leases": leases.count(),
        "gold_votes": gold_votes,
        "simulated_votes": digest["simulated_votes"] if digest else 0,
        "gold_accuracy": digest["gold_correct"] / gold_votes if digest and gold_votes else None,
        "active_minutes": ACTIVE_MINUTES,
        "checked_at": now,
        "updating": updating,
    }


def _pair_rows(study: Study, digest: dict | None) -> list[dict]:
    names = dict(study.systems.values_list("id", "name"))
    if digest is not None:
        counted = {key: (n, v) for key, (n, v) in digest["pairs"].items()}
    else:  # no refresh yet: the comparisons as they are, their votes still to be counted
        counted = {
            key: (n, 0)
            for key, n in Comparison.objects.filter(study=study, gold__isnull=True)
            .values_list("pair_key")
            .annotate(n=Count("id"))
            .values_list("pair_key", "n")
        }
    position = {system: i for i, system in enumerate(study_system_ids(study))}  # the study's order
    pairs = []
    for key, (n, have) in sorted(
        counted.items(), key=lambda kv: sorted(position.get(int(x), 0) for x in kv[0].split(":"))
    ):
        low, high = (int(x) for x in key.split(":"))
        systems = [names.get(low, "?"), names.get(high, "?")]
        if study.focal_system_id in (low, high) and systems[0] != names.get(study.focal_system_id):
            systems.reverse()
        wanted = n * study.votes_per_comparison
        pairs.append(
            {
                "systems": systems,
                "comparisons": n,
                "wanted": wanted,
                "votes": have,
                "share": have / wanted if wanted else 0.0,
            }
        )
    return pairs


def _system_rows(study: Study, digest: dict | None) -> list[dict]:
    """A rating study's progress per system: items to grade (gold items aside), votes wanted
    (items x votes per item), votes filling them, items full and items still open."""
    names = dict(study.systems.values_list("id", "name"))
    if digest is not None and "systems" in digest:
        counted = {int(key): tuple(row) for key, row in digest["systems"].items()}
    else:  # no refresh yet: the items as they are (a rating item's pair key is its system id)
        counted = {
            int(key): (n, 0, 0)
            for key, n in Comparison.objects.filter(study=study, gold__isnull=True)
            .values_list("pair_key")
            .annotate(n=Count("id"))
            .values_list("pair_key", "n")
        }
    rows = []
    for system in study_system_ids(study):
        if system not in counted:
            continue
        n, have, full = counted[system]
        wanted = n * study.votes_per_comparison
        rows.append(
            {
                "system": names.get(system, "?"),
                "items": n,
                "wanted": wanted,
                "votes": have,
                "full": full,
                "open": n - full,
                "share": have / wanted if wanted else 0.0,
            }
        )
    return rows


def studies_votes_wanted(studies: Sequence[Study]) -> dict[int, tuple[int, int]]:
    """For the studies list: study id -> (votes filling slots, votes wanted), the totals of
    `study_progress`, from the studies' digests (a study not yet refreshed: its comparisons,
    no votes counted yet)."""
    ids = [s.pk for s in studies]
    digests = dict(
        ResultSnapshot.objects.filter(study_id__in=ids, key=DIGEST_KEY).values_list("study_id", "data__pairs")
    )
    comparisons = dict(
        Comparison.objects.filter(study_id__in=[i for i in ids if i not in digests], gold__isnull=True)
        .values_list("study_id")
        .annotate(n=Count("id"))
        .values_list("study_id", "n")
    )
    out = {}
    for s in studies:
        pairs = digests.get(s.pk)
        n, votes = (sum(p[0] for p in pairs.values()), sum(p[1] for p in pairs.values())) if pairs else (0, 0)
        out[s.pk] = (votes, (n if pairs else comparisons.get(s.pk, 0)) * s.votes_per_comparison)
    return out


def rater_rows(study: Study, digest: dict | None) -> list[dict]:
    """The study's raters with their quality statistics (raters.quality) from the digest's
    totals and the study's thresholds (so a new threshold applies at once)."""
    settings = rater_settings_get(study=study)
    thresholds = Thresholds(settings.min_median_seconds, settings.min_gold_accuracy)
    totals = (digest or {}).get("raters", {})
    # each row's form action: reversed once per page, not once per rater (half the template's time)
    actions = {
        name: reverse(f"dashboard:{name}", kwargs={"slug": study.slug, "rater_id": 0}).replace("/0/", "/{}/")
        for name in ("include", "exclude")
    }
    rows = []
    for rater in raters_of(study):
        t = totals.get(str(rater.pk))
        rows.append(
            {
                "rater": rater,
                "stats": stats_from_totals(RaterTotals(**t), thresholds) if t else None,
                "action": actions["include" if rater.excluded else "exclude"].format(rater.pk),
            }
        )
    return rows


def study_results(study: Study) -> tuple[dict | None, bool]:
    """The study's default results as stored (results.services.results_stored: a stale
    snapshot is shown, marked stale, while a refresh is queued; nothing is computed in the
    request), or None before the first refresh."""
    results, _digest, stale = study_snapshots(study)
    return results, stale


def study_snapshots(study: Study) -> tuple[dict | None, dict | None, bool]:
    """(the default results with `computed_at`, the dashboard digest, stale), as stored."""
    results, digest, stale = results_stored(study=study)
    data = {**results.data, "computed_at": results.computed_at} if results is not None else None
    return data, digest.data if digest is not None else None, stale
