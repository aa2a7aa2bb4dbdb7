"""What the rater path serves of a study with stopping rules: settled pairs no more, and the pairs
that need votes most first. Written into the Coverage hints by the results refresh (never on a
rater's request), so the candidate scan stays one index scan (raters.sql).

- A settled pair's comparisons get the hint ``raters.sql.SETTLED`` (above every cap): the scan
  ``filled < cap`` never reaches them and exact counts never overwrite it. Leases already
  handed out run their course; a lapsed one is not renewed.
- Priority: the fractional part of ``Coverage.rank`` stays the comparison's random tie-break;
  its integer part is the pair's band, which the deepest-first scan (filled descending, rank
  descending) serves first within a fill level. The results refresh puts every unsettled pair
  in one band (``even``): measured on the LIMA design, serving the unsettled pairs evenly settles
  more pairs at every budget than serving the neediest pair first, and the total until all are
  settled is the same (docs/benchmarks.md, "Allocation order")."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Floor

from raters.models import Coverage
from raters.services.coverage import coverage_sync
from raters.sql import SETTLED


def coverage_settle(*, study_id: int, pair_keys: list[str]) -> int:
    """Mark the comparisons of these pairs (``Comparison.pair_key``) as settled; returns how many
    hints changed (comparisons added later are marked at the next call)."""
    if not pair_keys:
        return 0
    coverage_sync(study_id=study_id, force=True)  # rows are made lazily: make them now, then mark them
    with transaction.atomic():
        return Coverage.objects.filter(
            study_id=study_id, comparison__pair_key__in=pair_keys, filled__lt=SETTLED
        ).update(filled=SETTLED)


def coverage_prioritise(*, study_id: int, pair_keys: list[str], even: bool = False) -> int:
    """Put the pairs in ``pair_keys`` (neediest first) in rank bands n, n-1, ..., 1, or with
    ``even`` all in band 1 (served evenly, each comparison by its random tie-break); returns how
    many rows moved band."""
    moved = 0
    coverage_sync(study_id=study_id)
    with transaction.atomic():
        for position, key in enumerate(pair_keys):
            band = 1.0 if even else float(len(pair_keys) - position)
            moved += (
                Coverage.objects.filter(study_id=study_id, comparison__pair_key=key)
                .filter(~Q(rank__gte=band) | Q(rank__gte=band + 1.0))
                .update(rank=band + F("rank") - Floor(F("rank")))
            )
    return moved
