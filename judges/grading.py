"""LLM graders: a judge of a rating or dialogue study (Study.is_rating). It makes one call per
item (the order "ab": there is one response, so no order to choose), is asked for a grade on
the study's scale (or one per assistant turn), and writes a "grade" or "turns" vote through the
one builder (raters.services.votes.vote_build), as its judge rater of the group "judge".

An answer that names no grade in the strict form (judges.grading_prompt.parse_grades) leaves the
call `unparseable` with the reason in `error`: no vote, and no retry (the same question would be
paid for again). The claim, retries, budget and concurrency are those of every judge call
(judges.services.judge_call_run)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from comparisons.grading import dialogue_turns
from comparisons.models import Comparison, Study
from judges.grading_prompt import (
    DEFAULT_DIALOGUE_TEMPLATE,
    DEFAULT_GRADING_TEMPLATE,
    grading_template_problems,
    parse_grades,
    render_dialogue,
    render_grading,
)
from judges.models import Judge, JudgeCall
from judges.prompting import render_prompt
from raters.services.grading import parse_grade, parse_turn_grades
from raters.services.votes import Provenance, gold_comparison_ids, vote_build
from results.services import results_schedule_refresh


def is_dialogue(study: Study) -> bool:
    return study.design == Study.Design.DIALOGUE


def default_grading_template(study: Study) -> str:
    return DEFAULT_DIALOGUE_TEMPLATE if is_dialogue(study) else DEFAULT_GRADING_TEMPLATE


def grading_problems(*, study: Study, template: str, order_policy: str | None) -> list[tuple[str, str]]:
    """(field, reason) of what a grader of `study` cannot be given."""
    problems = [("prompt_template", p) for p in grading_template_problems(template)]
    if order_policy not in (None, Judge.OrderPolicy.NONE):
        problems.append(("order_policy", f'a {study.design} study shows one response: there is no order, use "none"'))
    return problems


def item_turns(comparison: Comparison, study: Study) -> list[dict[str, str]] | None:
    """The turns of a dialogue item's response (None for a rating item)."""
    if not is_dialogue(study):
        return None
    turns = dialogue_turns(comparison.left_response.text)
    return turns or [{"role": "assistant", "content": comparison.left_response.text}]


def grade_messages(call: JudgeCall) -> list[dict]:
    comparison, study = call.comparison, call.judge.study
    turns = item_turns(comparison, study)
    text = render_grading(
        call.judge.prompt_template,
        question=study.question,
        prompt=render_prompt(comparison.prompt.text, comparison.prompt.turns),
        response=comparison.left_response.text if turns is None else render_dialogue(turns),
        scale=list(study.scale),
        n_turns=1 if turns is None else sum(1 for t in turns if t["role"] == "assistant"),
        dialogue=turns is not None,
    )
    return [{"role": "user", "content": text}]


def read_answer(call: JudgeCall, answer: str) -> list[int]:
    """The grades of the answer (judges.grading_prompt.Unreadable when there are none)."""
    turns = item_turns(call.comparison, call.judge.study)
    n_turns = None if turns is None else sum(1 for t in turns if t["role"] == "assistant")
    return parse_grades(answer, list(call.judge.study.scale), n_turns)


def grade_vote_write(*, judge: Judge, comparison: Comparison, grades: list[int], seconds: float, answer: str) -> bool:
    """The grader's vote on a rating item: "grade" (one grade) or "turns" (a dialogue), checked
    as every writer's (raters.services.grading). Returns True when a vote was written now."""
    study = judge.study
    response = comparison.left_response
    dialogue = is_dialogue(study)
    if dialogue:
        turn_grades = parse_turn_grades(grades, study, len(grades))
        grade = None
    else:
        grade, turn_grades = parse_grade(grades[0], study), None
    vote = vote_build(
        rater_id=judge.rater_id,
        comparison_id=comparison.pk,
        left=(response.pk, response.system_id),
        right=None,
        choice="turns" if dialogue else "grade",
        grade=grade,
        turn_grades=turn_grades,
        seconds=seconds,
        rationale=answer[:4000],
        is_gold=bool(gold_comparison_ids([comparison.pk])),
        provenance=Provenance.COLLECTED,
    )
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError:  # written already (an earlier run)
        return False
    results_schedule_refresh(study_id=judge.study_id)
    return True
