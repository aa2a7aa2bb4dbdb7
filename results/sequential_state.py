"""Reads for the sequential part of the results: the study's rules and design, and the last
look (the default snapshot's sequential intervals and settlements)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils import timezone

from comparisons.models import Comparison, Study
from comparisons.stats.stopping import StoppingRules, parse_stopping
from results.models import ResultSnapshot
from results.params import Params
from results.sequential import SequentialContext

DEFAULT_KEY = "default"


def sequential_context(
    *,
    study: Study,
    params: Params,
    default: bool,
    stored: dict[str, Any] | None = None,
    built: dict[str, int] | None = None,
) -> SequentialContext:
    """The context for ``compute_results``: settlements always come from the last default
    results (they are final; ``stored``: those results if already read), and only the default
    results settle pairs (other parameters, e.g. one rater group, show the study's settlements
    but make none); the last intervals are intersected in only at the same level. ``built``:
    the comparisons per pair key (gold pairs aside) if already counted (results.loading)."""
    data = stored
    if data is None:
        data = ResultSnapshot.objects.filter(study=study, key=DEFAULT_KEY).values_list("data", flat=True).first()
    data = data or {}
    previous: dict[str, dict[str, Any]] = {}
    settled: dict[str, dict[str, Any]] = {}
    for pair in data.get("pairs", []):
        key = pair.get("pair_key")
        if not key:
            continue
        seq = (pair.get("intervals") or {}).get("sequential") or {}
        if (seq.get("win_rate") or {}).get("level") == params.level:
            previous[key] = seq
        if pair.get("settled"):
            settled[key] = pair["settled"]
    if built is None:
        built = dict(
            Comparison.objects.filter(study=study, gold__isnull=True)
            .values("pair_key")
            .annotate(n=Count("id"))
            .values_list("pair_key", "n")
        )
    rules = parse_stopping(study.stopping) if default else StoppingRules()
    return SequentialContext(rules, study.votes_per_comparison, built, previous if default else {}, settled)


def stamp_settlements(data: dict[str, Any]) -> list[str]:
    """Give pairs that settled at this look their time; returns the keys of all settled pairs."""
    now = timezone.now().isoformat()
    keys = []
    for pair in data.get("pairs", []):
        if pair.get("settled"):
            if pair["settled"].get("at") is None:
                pair["settled"]["at"] = now
            keys.append(pair["pair_key"])
    return keys
