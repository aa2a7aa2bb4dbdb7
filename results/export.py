"""Every vote of a study as rows: enough to recompute every number (CSV and JSON Lines)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from comparisons import csvsafe
from comparisons.models import Study
from raters.models import Vote

COLUMNS = [
    "vote_id",
    "created_at",
    "rater",
    "rater_group",
    "rater_source",
    "rater_excluded",
    "prompt_id",
    "category",
    "comparison_id",
    "left_system",
    "right_system",
    "choice",
    "winner",
    "left_outcome",
    "right_outcome",
    "focal_system",
    "focal_outcome",
    "is_gold",
    "imported",
    "simulated",
    "seconds",
    "left_length",
    "right_length",
    "rationale",
    "grade",
    "grade_label",
    "turn_grades",
    "turn_choices",
]
OUTCOME = {
    "left": ("win", "loss"),
    "right": ("loss", "win"),
    "tie": ("tie", "tie"),
    "both_bad": ("both_bad", "both_bad"),  # kept apart from a tie
}


def vote_rows(study: Study) -> Iterator[dict[str, Any]]:
    focal = study.focal_system.name if study.focal_system is not None else None
    qs = (
        Vote.objects.filter(comparison__study=study)
        .order_by("id")
        .values_list(
            "id",
            "created_at",
            "rater__external_id",
            "rater__group",
            "rater__source",
            "rater__excluded",
            "comparison__prompt__external_id",
            "comparison__prompt__category",
            "comparison_id",
            "shown_left__system__name",
            "shown_right__system__name",
            "choice",
            "winner__name",
            "is_gold",
            "imported",
            "simulated",
            "seconds",
            "shown_left__length",
            "shown_right__length",
            "rationale",
            "grade",
            "turn_grades",
            "turn_choices",
        )
    )
    scale = list(study.scale)
    for (
        vid,
        created,
        rater,
        group,
        source,
        excluded,
        prompt,
        category,
        cid,
        left,
        right,
        choice,
        winner,
        gold,
        imported,
        simulated,
        seconds,
        llen,
        rlen,
        rationale,
        grade,
        turn_grades,
        turn_choices,
    ) in qs.iterator(chunk_size=5000):
        left_outcome, right_outcome = OUTCOME.get(choice, ("", ""))  # a rating vote has no outcome
        if turn_choices is not None:  # a per-turn vote's outcome is its majority (its winner)
            majority = "left" if winner and winner == left else "right" if winner and winner == right else "tie"
            left_outcome, right_outcome = OUTCOME[majority]
        focal_outcome = left_outcome if focal == left else right_outcome if focal == right else ""
        yield {
            "vote_id": vid,
            "created_at": created.isoformat(),
            "rater": rater,
            "rater_group": group,
            "rater_source": source,
            "rater_excluded": excluded,
            "prompt_id": prompt,
            "category": category,
            "comparison_id": cid,
            "left_system": left,
            "right_system": right or "",
            "choice": choice,
            "winner": winner or "",
            "left_outcome": left_outcome,
            "right_outcome": right_outcome,
            "focal_system": focal or "",
            "focal_outcome": focal_outcome,
            "is_gold": gold,
            "imported": imported,
            "simulated": simulated,
            "seconds": seconds,
            "left_length": llen,
            "right_length": "" if rlen is None else rlen,
            "rationale": rationale,
            "grade": "" if grade is None else grade,
            "grade_label": scale[grade] if grade is not None and grade < len(scale) else "",
            "turn_grades": turn_grades,  # a list (JSON Lines), its JSON text in the CSV
            "turn_choices": turn_choices,  # as shown, one per assistant turn (a per-turn study)
        }


def csv_lines(study: Study) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csvsafe.dict_writer(buffer, COLUMNS)
    writer.writeheader()
    for row in vote_rows(study):
        turns, choices = row["turn_grades"], row["turn_choices"]
        writer.writerow(
            {
                **row,
                "turn_grades": "" if turns is None else json.dumps(turns),
                "turn_choices": "" if choices is None else json.dumps(choices),
            }
        )
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(study: Study) -> Iterator[str]:
    for row in vote_rows(study):
        yield json.dumps(row) + "\n"
