"""Writes of the judges app: create a judge, queue its calls, run one call, write its vote.

Idempotence (see ../shared/STYLE.md): a call is claimed with a conditional update
(pending -> running) before any HTTP is sent, so a task delivered twice sends one request.
A call left running by a worker that died mid-call is never picked up by a re-run: the
endpoint may have billed it. `judge_queue(retry_lost=True)` is the explicit way to try
such calls again once they are older than `lost_after(judge)`."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from comparisons.errors import Conflict, InvalidInput, RowError
from comparisons.models import Comparison, Response, Study
from comparisons.services.queue import comparisons_build
from judges import grading, llm_client, tasks
from judges.endpoints import endpoint_for, endpoint_problems, llm_slots, lost_after
from judges.grading_prompt import Unreadable
from judges.models import Judge, JudgeCall
from judges.prompting import (
    DEFAULT_TEMPLATE,
    DEFAULT_TEMPLATE_BOTH_BAD,
    parse_verdict,
    render,
    render_prompt,
    template_problems,
)
from raters.models import Rater
from raters.services.votes import Provenance, choice_for, gold_comparison_ids, vote_build
from results.services import results_schedule_refresh


def judge_create(
    *,
    study: Study,
    name: str,
    base_url: str,
    model: str,
    api_key_env: str = "",
    prompt_template: str | None = None,
    order_policy: str | None = None,
    **options,
) -> Judge:
    """A judge of `study` and the rater it votes as (external id "judge:<name>"). On a rating or
    dialogue study it is a grader (judges.grading): its own template and no order policy."""
    if study.is_rating:
        template = prompt_template or grading.default_grading_template(study)
        problems = grading.grading_problems(study=study, template=template, order_policy=order_policy)
        errors = [RowError(None, field, reason) for field, reason in problems]
        order_policy = Judge.OrderPolicy.NONE
    else:
        template = prompt_template or DEFAULT_TEMPLATE
        errors = [RowError(None, "prompt_template", p) for p in template_problems(template)]
        if order_policy == Judge.OrderPolicy.NONE:
            errors.append(RowError(None, "order_policy", 'a pairwise study is judged in "both" or "random_one" order'))
        if study.per_turn:  # a judge's one verdict per pair would mix into the per-turn outcomes
            errors.append(
                RowError(None, "per_turn", "a per-turn study has no LLM judge: judges compare whole responses")
            )
        order_policy = order_policy or Judge.OrderPolicy.BOTH
    errors += endpoint_problems(base_url=base_url, api_key_env=api_key_env)
    if errors:
        raise InvalidInput(f"{errors[0].field}: {errors[0].reason}", errors)
    external_id = f"judge:{name}"
    try:
        with transaction.atomic():
            if (
                Judge.objects.filter(study=study, name=name).exists()
                or Rater.objects.filter(study=study, external_id=external_id).exists()
            ):
                raise IntegrityError
            rater = Rater.objects.create(study=study, external_id=external_id, source=Rater.Source.JUDGE, group="judge")
            return Judge.objects.create(
                study=study,
                name=name,
                rater=rater,
                base_url=base_url,
                model=model,
                api_key_env=api_key_env,
                prompt_template=template,
                order_policy=order_policy,
                **options,
            )
    except IntegrityError:
        raise InvalidInput(
            f"name: a judge or rater {name!r} already exists in this study",
            [RowError(None, "name", f"{name!r} is already taken in this study")],
        ) from None


def orders_for(judge: Judge, comparison_id: int) -> list[str]:
    """Both orders, or one drawn from the study's seed, the judge and the comparison (so a
    re-run draws the same order). A grader (order policy "none") makes one call, "ab"."""
    if judge.order_policy == Judge.OrderPolicy.NONE:
        return [JudgeCall.Order.AB]
    if judge.order_policy == Judge.OrderPolicy.BOTH:
        return [JudgeCall.Order.AB, JudgeCall.Order.BA]
    digest = hashlib.blake2b(f"{judge.study.seed}\x1f{judge.name}\x1f{comparison_id}".encode(), digest_size=8).digest()
    return [JudgeCall.Order.AB if digest[0] & 1 == 0 else JudgeCall.Order.BA]


def judge_queue(
    *, judge: Judge, retry_failed: bool = True, retry_lost: bool = False, dispatch: bool = True
) -> list[int]:
    """Create the calls the judge still lacks (one per comparison and order), put retryable
    failures (and, if asked, lost calls) back to pending, and queue a task per pending call
    after the commit (unless `dispatch` is false). Returns the pending calls' ids."""
    study = judge.study
    if study.status == Study.Status.DRAFT:
        raise Conflict(f"study {study.slug!r} is a draft: open it first (its comparisons are built then)")
    comparisons_build(study_id=study.pk)
    with transaction.atomic():
        # Gold pairs and attention checks test people; a judge is not paid to answer them.
        ids = Comparison.objects.filter(study=study, gold__isnull=True).values_list("id", flat=True)
        JudgeCall.objects.bulk_create(
            [JudgeCall(judge=judge, comparison_id=c, order=o) for c in ids.iterator() for o in orders_for(judge, c)],
            batch_size=2000,
            ignore_conflicts=True,
        )
        return requeue(
            JudgeCall.objects.filter(judge=judge),
            lost_after=lost_after(judge),
            task="run_judge_call",
            retry_failed=retry_failed,
            retry_lost=retry_lost,
            dispatch=dispatch,
        )


def requeue(
    work, *, lost_after: timedelta, task: str, retry_failed: bool, retry_lost: bool, dispatch: bool
) -> list[int]:
    """Shared by judge calls and generations (in the caller's transaction): retryable
    failures, and if asked lost ones (running for longer than `lost_after`), back to
    pending; a `judges.tasks.<task>` per pending item after commit. Returns their ids."""
    if retry_failed:
        work.filter(state="failed", retryable=True).update(state="pending")
    if retry_lost:
        work.filter(state="running", claimed_at__lt=timezone.now() - lost_after).update(state="pending")
    pending = list(work.filter(state="pending").values_list("id", flat=True))

    def send() -> None:
        for item_id in pending:
            getattr(tasks, task).delay(item_id)

    if dispatch:
        transaction.on_commit(send)
    return pending


def judge_call_run(*, call_id: int) -> str:
    """Run one call if it is still pending; returns its final state, or "skipped" when
    another run claimed it first."""
    now = timezone.now()
    claimed = JudgeCall.objects.filter(pk=call_id, state=JudgeCall.State.PENDING).update(
        state=JudgeCall.State.RUNNING, claimed_at=now, finished_at=None, runs=F("runs") + 1
    )
    if not claimed:
        return "skipped"
    call = JudgeCall.objects.select_related(
        "judge__study", "comparison__prompt", "comparison__left_response", "comparison__right_response"
    ).get(pk=call_id)
    judge, study = call.judge, call.judge.study
    done = JudgeCall.objects.filter(pk=call_id)
    try:
        completion = llm_client.chat(
            endpoint_for(judge),
            grading.grade_messages(call) if study.is_rating else call_messages(call),
            temperature=judge.temperature,
            max_tokens=judge.max_tokens,
            slots=llm_slots(),
        )
    except llm_client.LLMError as exc:
        done.update(
            state=JudgeCall.State.FAILED,
            retryable=exc.retryable,
            error=exc.message[:2000],
            http_status=exc.status,
            attempts=F("attempts") + exc.attempts,
            finished_at=timezone.now(),
        )
        return JudgeCall.State.FAILED
    grades, reason = None, ""
    if study.is_rating:
        try:
            grades = grading.read_answer(call, completion.text)
        except Unreadable as exc:
            reason = f"unparseable: {exc.reason}"
        verdict = None
    else:
        verdict = parse_verdict(completion.text, choices_of(study))
    state = JudgeCall.State.DONE if verdict or grades else JudgeCall.State.UNPARSEABLE
    done.update(
        state=state,
        verdict=verdict or "",
        grades=grades,
        raw_answer=completion.text,
        error=reason[:2000],
        http_status=200,
        prompt_tokens=F("prompt_tokens") + completion.prompt_tokens,
        completion_tokens=F("completion_tokens") + completion.completion_tokens,
        cost=F("cost") + completion.cost,
        seconds=completion.seconds,
        attempts=F("attempts") + completion.attempts,
        finished_at=timezone.now(),
    )
    if verdict:
        judge_vote_write(judge=judge, comparison=call.comparison)
    if grades:
        grading.grade_vote_write(
            judge=judge, comparison=call.comparison, grades=grades, seconds=completion.seconds, answer=completion.text
        )
    return state


def choices_of(study: Study) -> dict[str, str]:
    """The study's choice labels; "both_bad" only when the study offers it."""
    choices = {"a": study.choice_a, "b": study.choice_b, "tie": study.choice_tie}
    if study.offer_both_bad:
        choices["both_bad"] = study.choice_both_bad
    return choices


def call_messages(call: JudgeCall) -> list[dict]:
    comparison, study = call.comparison, call.judge.study
    first, second = comparison.left_response, comparison.right_response
    assert second is not None, "a judge compares a pair (rating items have one response)"
    if call.order == JudgeCall.Order.BA:
        first, second = second, first
    template = call.judge.prompt_template
    if study.offer_both_bad and template == DEFAULT_TEMPLATE:
        template = DEFAULT_TEMPLATE_BOTH_BAD
    text = render(
        template,
        question=study.question,
        prompt=render_prompt(comparison.prompt.text, comparison.prompt.turns),
        response_a=first.text,
        response_b=second.text,
        choices=choices_of(study),
    )
    return [{"role": "user", "content": text}]


def judge_vote_write(*, judge: Judge, comparison: Comparison) -> bool:
    """Write the judge's vote on `comparison` once every order it needs is done. Both orders
    that disagree make a tie (MT-Bench); "both are bad" only when every order says so. The
    vote's sides are those of the first order (for `both`, the comparison's stored sides).
    Returns True when a vote was written now."""

    needed = orders_for(judge, comparison.pk)
    calls = {
        c.order: c for c in JudgeCall.objects.filter(judge=judge, comparison=comparison, state=JudgeCall.State.DONE)
    }
    if any(order not in calls for order in needed):
        return False
    right = comparison.right_response
    assert right is not None, "a judge compares a pair (rating items have one response)"
    shown: dict[str, tuple[Response, Response]] = {
        JudgeCall.Order.AB: (comparison.left_response, right),
        JudgeCall.Order.BA: (right, comparison.left_response),
    }
    winners: set[int | None] = set()
    verdicts = {calls[order].verdict for order in needed}
    for order in needed:
        a, b = shown[order]
        winners.add({"A": a.system_id, "B": b.system_id}.get(calls[order].verdict))
    winner = winners.pop() if len(winners) == 1 else None
    both_bad = verdicts == {JudgeCall.Verdict.BOTH_BAD}
    left, right = shown[needed[0]]
    rationale = "\n---\n".join(f"{order}: {calls[order].raw_answer}" for order in needed)[:4000]
    vote = vote_build(
        rater_id=judge.rater_id,
        comparison_id=comparison.pk,
        left=(left.pk, left.system_id),
        right=(right.pk, right.system_id),
        choice=choice_for(
            winner_system_id=winner, left_system_id=left.system_id, right_system_id=right.system_id, both_bad=both_bad
        ),
        seconds=sum(calls[o].seconds for o in needed),
        rationale=rationale,
        is_gold=bool(gold_comparison_ids([comparison.pk])),
        provenance=Provenance.COLLECTED,
    )
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError:  # written already (by the other order's run, or an earlier one)
        return False
    results_schedule_refresh(study_id=judge.study_id)
    return True
