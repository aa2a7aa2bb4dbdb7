"""Importing votes collected elsewhere (MTurk, another tool, an earlier run): all or
nothing, idempotent, marked `imported`. Raters are created with source "imported".
Rows are built by raters.services.votes.vote_build, so a vote on a gold pair is a gold vote.
The caller (results.apis) schedules the results refresh."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from comparisons.errors import Conflict, InvalidInput, RowError
from comparisons.grading import assistant_turns
from comparisons.models import Comparison, Prompt, Response, Study, pair_key, rating_key
from comparisons.services.queue import comparisons_build
from raters.models import Rater, Vote
from raters.services.grading import check_vote_kind, parse_grade, parse_turn_choices, parse_turn_grades
from raters.services.votes import Provenance, gold_comparison_ids, majority, vote_build
from raters.vote_rows import VoteRow

CHUNK = 5000


@dataclass(frozen=True)
class ImportCounts:
    rows: int
    created: int
    unchanged: int
    raters_created: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Resolved = tuple[VoteRow, tuple[int, dict[int, int]]]  # a row and its (comparison id, {system: response})


def votes_import(*, study: Study, rows: list[VoteRow]) -> ImportCounts:
    if study.status == Study.Status.DRAFT:
        raise Conflict(f"study {study.slug!r} is a draft: open it first (its comparisons are built then)")
    comparisons_build(study_id=study.pk)
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        systems = dict(study.systems.values_list("name", "id"))
        _check_both_bad(study, rows)
        _check_kinds(study, rows)
        resolved = _resolve(study, rows, systems)
        raters, new_raters = _raters(study, rows)
        votes, dated, unchanged = _votes(resolved, raters, systems, study)
        Vote.objects.bulk_create(votes, batch_size=CHUNK)
        for vote, created in dated:
            vote.created_at = created
        if dated:
            Vote.objects.bulk_update([v for v, _ in dated], ["created_at"], batch_size=CHUNK)
    return ImportCounts(rows=len(rows), created=len(votes), unchanged=unchanged, raters_created=new_raters)


def _check_both_bad(study: Study, rows: list[VoteRow]) -> None:
    """A study that does not offer "both are bad" takes no such vote (InvalidInput, a 400)."""
    if study.offer_both_bad:
        return
    errors = [
        RowError(row.row, "choice", "both_bad is not offered by this study (create it with both_bad: true)")
        for row in rows
        if row.choice == Vote.Choice.BOTH_BAD
    ]
    if errors:
        raise InvalidInput(f"{len(errors)} error(s) in the import; nothing was stored", errors)


def _check_kinds(study: Study, rows: list[VoteRow]) -> None:
    """A rating study takes graded rows, a pairwise study pairwise rows (InvalidInput, a 400)."""
    errors: list[RowError] = []
    for row in rows:
        try:
            check_vote_kind(study, row.choice)
        except InvalidInput as exc:
            errors.extend(RowError(row.row, e.field, e.reason) for e in exc.errors)
    if errors:
        raise InvalidInput(f"{len(errors)} error(s) in the import; nothing was stored", errors)


def _resolve(study: Study, rows: list[VoteRow], systems: dict[str, int]) -> list[Resolved]:
    """Each row's comparison; InvalidInput naming every row whose prompt, systems or
    comparison this study does not have."""
    prompts = _prompts(study, {r.prompt_id for r in rows})
    comparisons = _comparisons(study, {prompts[r.prompt_id] for r in rows if r.prompt_id in prompts})
    errors: list[RowError] = []
    resolved: list[Resolved] = []
    for row in rows:
        named = (
            (("system", row.system),)
            if row.is_graded
            else (("left_system", row.left_system), ("right_system", row.right_system))
        )
        missing = [(f, n) for f, n in named if n not in systems]
        if row.prompt_id not in prompts:
            errors.append(RowError(row.row, "prompt_id", f"no prompt {row.prompt_id!r} in this study"))
        elif missing:
            errors.extend(RowError(row.row, f, f"no system {n!r} in this study") for f, n in missing)
        elif row.is_graded:
            key = (prompts[row.prompt_id], rating_key(systems[row.system]))
            if key not in comparisons:
                reason = f"no response of {row.system!r} to grade on {row.prompt_id!r}"
                errors.append(RowError(row.row, "system", reason))
            else:
                resolved.append((row, comparisons[key]))
        else:
            key = (prompts[row.prompt_id], pair_key(systems[row.left_system], systems[row.right_system]))
            if key not in comparisons:
                errors.append(
                    RowError(
                        row.row,
                        "prompt_id",
                        f"no comparison of {row.left_system!r} and "
                        f"{row.right_system!r} on {row.prompt_id!r} (the study's design or a missing response)",
                    )
                )
            else:
                resolved.append((row, comparisons[key]))
    if errors:
        raise InvalidInput(f"{len(errors)} error(s) in the import; nothing was stored", errors)
    return resolved


def _raters(study: Study, rows: list[VoteRow]) -> tuple[dict[str, Rater], int]:
    """The rows' raters by external id, the missing ones created (source "imported"), and
    how many were created; Conflict when one exists with another source or group."""
    raters = {r.external_id: r for r in Rater.objects.filter(study=study, external_id__in={r.rater for r in rows})}
    conflicts = [
        RowError(
            row.row,
            "rater",
            f"rater {row.rater!r} exists here with source {raters[row.rater].source!r} "
            f"and group {raters[row.rater].group!r}",
        )
        for row in rows
        if row.rater in raters
        and (raters[row.rater].source != Rater.Source.IMPORTED or raters[row.rater].group != row.rater_group)
    ]
    if conflicts:
        raise Conflict(f"{len(conflicts)} rows name raters that exist with another source or group", conflicts)
    new_raters = {
        row.rater: Rater(study=study, external_id=row.rater, source=Rater.Source.IMPORTED, group=row.rater_group)
        for row in rows
        if row.rater not in raters
    }
    Rater.objects.bulk_create(new_raters.values(), batch_size=CHUNK)
    return raters | new_raters, len(new_raters)


def _graded(resolved: list[Resolved], study: Study) -> dict[int, tuple[Any, Any]]:
    """Per row number, (grade, turns): a rating row's grade read against the study's scale, a
    dialogue row's turn grades (one per assistant turn of the response), a per-turn row's turn
    choices (one per assistant turn of the continuations); InvalidInput naming every bad row."""
    dialogues = [c for row, c in resolved if row.choice in (Vote.Choice.TURNS, Vote.Choice.PER_TURN)]
    texts = dict(
        Response.objects.filter(pk__in={r for _, by in dialogues for r in by.values() if r}).values_list("id", "text")
    )
    errors: list[RowError] = []
    out: dict[int, tuple[Any, Any]] = {}
    for row, (_, by_system) in resolved:
        try:
            if row.choice == Vote.Choice.GRADE:
                out[row.row] = (parse_grade(row.grade, study), None)
            elif row.choice == Vote.Choice.TURNS:
                response_id = next(r for r in by_system.values() if r)
                n_turns = assistant_turns(texts.get(response_id, ""))
                out[row.row] = (None, parse_turn_grades(row.turn_grades, study, n_turns))
            elif row.choice == Vote.Choice.PER_TURN:
                n_turns = assistant_turns(texts.get(next(iter(by_system.values())), ""))
                out[row.row] = (None, parse_turn_choices(row.turn_choices, study, n_turns))
        except InvalidInput as exc:
            errors.extend(RowError(row.row, e.field, e.reason) for e in exc.errors)
    if errors:
        raise InvalidInput(f"{len(errors)} error(s) in the import; nothing was stored", errors)
    return out


def _votes(
    resolved: list[Resolved], raters: dict[str, Rater], systems: dict[str, int], study: Study
) -> tuple[list[Vote], list[tuple[Vote, datetime]], int]:
    """The new votes (built by vote_build), those with a date of their own, and how many rows
    were already stored; Conflict when a stored vote of the rater differs."""
    existing = {
        (v.rater_id, v.comparison_id): (
            v.winner_id,
            v.choice == Vote.Choice.BOTH_BAD,
            v.grade,
            v.turn_grades,
            _by_system(v.turn_choices, v.shown_left.system_id, v.shown_right.system_id if v.shown_right else None),
        )
        for v in Vote.objects.filter(
            rater__in=[r.pk for r in raters.values()], comparison_id__in={c[0] for _, c in resolved}
        )
        .select_related("shown_left", "shown_right")
        .only(
            "rater_id",
            "comparison_id",
            "winner_id",
            "choice",
            "grade",
            "turn_grades",
            "turn_choices",
            "shown_left__system_id",
            "shown_right__system_id",
        )
    }
    graded = _graded(resolved, study)
    gold = gold_comparison_ids(c[0] for _, c in resolved)
    errors: list[RowError] = []
    votes: list[Vote] = []
    dated: list[tuple[Vote, datetime]] = []
    unchanged = 0
    seen: set[tuple[int, int]] = set()
    for row, (comparison_id, by_system) in resolved:
        rater = raters[row.rater]
        winner = systems.get(row.winner) if row.winner else None
        grade, turns = graded.get(row.row, (None, None))  # turns: a dialogue's grades or a per-turn row's choices
        turn_grades = turns if row.choice == Vote.Choice.TURNS else None
        turn_choices = turns if row.choice == Vote.Choice.PER_TURN else None
        if turn_choices is not None:
            winner = systems.get({"left": row.left_system, "right": row.right_system}.get(majority(turn_choices), ""))
        ls_id = systems.get(row.left_system)
        said = (
            winner,
            row.choice == Vote.Choice.BOTH_BAD,
            grade,
            turn_grades,
            _by_system(turn_choices, ls_id or 0, systems.get(row.right_system)),
        )
        key = (rater.pk, comparison_id)
        if key in seen or key in existing:
            if key not in seen and existing[key] != said:
                errors.append(
                    RowError(row.row, "choice", f"rater {row.rater!r} already has a different vote on this pair")
                )
            unchanged += 1
            seen.add(key)
            continue
        seen.add(key)
        if row.is_graded:
            system_id = systems[row.system]
            vote = vote_build(
                rater_id=rater.pk,
                comparison_id=comparison_id,
                left=(by_system[system_id], system_id),
                right=None,
                choice=row.choice,
                seconds=row.seconds,
                is_gold=comparison_id in gold,
                provenance=Provenance.IMPORTED,
                grade=grade,
                turn_grades=turn_grades,
            )
            votes.append(vote)
            if row.created:
                dated.append((vote, row.created))
            continue
        ls, rs = systems[row.left_system], systems[row.right_system]
        vote = vote_build(
            rater_id=rater.pk,
            comparison_id=comparison_id,
            left=(by_system[ls], ls),
            right=(by_system[rs], rs),
            choice=row.choice,
            seconds=row.seconds,
            is_gold=comparison_id in gold,
            provenance=Provenance.IMPORTED,
            turn_choices=turn_choices,
        )
        votes.append(vote)
        if row.created:
            dated.append((vote, row.created))
    if errors:
        raise Conflict(f"{len(errors)} rows differ from stored votes", errors)
    return votes, dated, unchanged


def _by_system(turn_choices: list[str] | None, left: int, right: int | None) -> list[int | str] | None:
    """Turn choices whatever the sides: per turn the winning system's id, or "tie" / "both_bad"."""
    if turn_choices is None:
        return None
    sides: dict[str, int | None] = {"left": left, "right": right}
    return [sides.get(c) or c for c in turn_choices]


def _prompts(study: Study, external_ids: set[str]) -> dict[str, int]:
    ids = list(external_ids)
    found: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        found |= dict(
            Prompt.objects.filter(study=study, external_id__in=ids[start : start + CHUNK]).values_list(
                "external_id", "id"
            )
        )
    return found


def _comparisons(study: Study, prompt_ids: set[int]) -> dict[tuple[int, str], tuple[int, dict[int, int]]]:
    """(prompt id, pair key) -> (comparison id, {system id: response id})."""
    ids = list(prompt_ids)
    out = {}
    for start in range(0, len(ids), CHUNK):
        for cid, prompt, key, lr, ls, rr, rs in Comparison.objects.filter(
            study=study, prompt_id__in=ids[start : start + CHUNK]
        ).values_list(
            "id",
            "prompt_id",
            "pair_key",
            "left_response_id",
            "left_response__system_id",
            "right_response_id",
            "right_response__system_id",
        ):
            out[(prompt, key)] = (cid, {ls: lr, rs: rr} if rr is not None else {ls: lr})
    return out
