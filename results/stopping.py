"""After each refresh of the default results: what the rater path serves of a study with
stopping rules (settled pairs no more, the unsettled ones evenly) and how many more raters a crowd
platform should admit."""

from __future__ import annotations

import math
from typing import Any

from comparisons.models import Study
from raters.models import StudyRaterSettings
from raters.services.settlement import coverage_prioritise, coverage_settle


def stopping_apply(*, study: Study, data: dict[str, Any], serve: bool) -> None:
    """Add ``quota_per_rater`` and ``raters_to_admit`` to the results' ``stopping`` section; with
    ``serve`` (the default results), mark settled pairs' comparisons and put the open pairs in
    one priority band in Coverage, served evenly (raters.services.settlement)."""
    pairs = data.get("pairs", [])
    settled = [p["pair_key"] for p in pairs if p.get("settled")]
    if serve and study.stopping:
        coverage_settle(study_id=study.pk, pair_keys=settled)
        # Unsettled pairs are served evenly: measured against neediest-first (serving_order) on
        # the LIMA design, even serving settles more pairs at every budget of votes, and the votes
        # until all are settled are the same (docs/benchmarks.md, "Allocation order").
        coverage_prioritise(
            study_id=study.pk, pair_keys=[p["pair_key"] for p in pairs if not p.get("settled")], even=True
        )
    default = (StudyRaterSettings().quota, 0.0)  # the model defaults (no settings row yet)
    settings = StudyRaterSettings.objects.filter(study=study).values_list("quota", "gold_rate").first() or default
    per_rater = max(int(settings[0]) * (1.0 - float(settings[1])), 1.0)
    section = data.setdefault("stopping", {})
    needed = int(section.get("votes_needed") or 0)
    section["quota_per_rater"] = int(settings[0])
    section["raters_to_admit"] = math.ceil(needed / per_rater) if needed else 0
