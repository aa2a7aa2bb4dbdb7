"""Collecting a system's responses to a study's prompts from an OpenAI-compatible endpoint,
with the judges' client (timeouts, retries, the endpoint's concurrency slots, cost).

Each Generation is claimed with a conditional update before any HTTP (as a JudgeCall is), and
its answer is kept on it before the response is written, so a prompt is never paid for twice:
a write that fails keeps the text and is not retried by a run; a generation in flight when its
worker died is left alone unless `retry_lost` asks, and then an answer already kept is written
without a new request."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from comparisons.errors import Conflict, InvalidInput, RowError, ServiceError
from comparisons.ingest.rows import validate_rows
from comparisons.models import Prompt, Study
from comparisons.services.outputs import outputs_upload
from judges import llm_client
from judges.endpoints import endpoint_for, endpoint_problems, llm_slots, lost_after
from judges.models import Collection, Generation
from judges.services import requeue


def collection_create(
    *, study: Study, system: str, base_url: str, model: str, api_key_env: str = "", **options
) -> Collection:
    """A collection of `system`'s responses. An open study takes no new system (as uploads)."""
    if errors := endpoint_problems(base_url=base_url, api_key_env=api_key_env):
        raise InvalidInput(f"{errors[0].field}: {errors[0].reason}", errors)
    if study.status == Study.Status.CLOSED:
        raise Conflict(f"study {study.slug!r} is closed: no outputs can be added")
    if study.status == Study.Status.OPEN and not study.systems.filter(name=system).exists():
        raise InvalidInput(
            "the study is open, so no new systems can be added",
            [RowError(None, "system", f"unknown system {system!r}: the study is open, so no new systems can be added")],
        )
    try:
        with transaction.atomic():
            return Collection.objects.create(
                study=study, system=system, base_url=base_url, model=model, api_key_env=api_key_env, **options
            )
    except IntegrityError:
        raise InvalidInput(
            f"system: {system!r} already has a collection in this study; run it again instead",
            [RowError(None, "system", f"{system!r} already has a collection in this study")],
        ) from None


def collection_queue(
    *, collection: Collection, retry_failed: bool = True, retry_lost: bool = False, dispatch: bool = True
) -> list[int]:
    """A generation per prompt still without a response of the system; retryable failures
    (and, if asked, lost ones) back to pending; a task per pending one after commit."""
    with transaction.atomic():
        missing = Prompt.objects.filter(study_id=collection.study_id).exclude(responses__system__name=collection.system)
        Generation.objects.bulk_create(
            [Generation(collection=collection, prompt_id=p) for p in missing.values_list("id", flat=True)],
            batch_size=2000,
            ignore_conflicts=True,
        )
        return requeue(
            Generation.objects.filter(collection=collection),
            lost_after=lost_after(collection),
            task="run_generation",
            retry_failed=retry_failed,
            retry_lost=retry_lost,
            dispatch=dispatch,
        )


def generation_run(*, generation_id: int) -> str:
    claimed = Generation.objects.filter(pk=generation_id, state=Generation.State.PENDING).update(
        state=Generation.State.RUNNING, claimed_at=timezone.now(), finished_at=None, runs=F("runs") + 1
    )
    if not claimed:
        return "skipped"
    generation = Generation.objects.select_related("collection__study", "prompt").get(pk=generation_id)
    collection, row = generation.collection, Generation.objects.filter(pk=generation_id)
    if not generation.answered:
        prompt = generation.prompt
        messages = prompt.turns or [{"role": "user", "content": prompt.text}]
        try:
            done = llm_client.chat(
                endpoint_for(collection),
                messages,
                temperature=collection.temperature,
                max_tokens=collection.max_tokens,
                slots=llm_slots(),
            )
        except llm_client.LLMError as exc:
            row.update(
                state=Generation.State.FAILED,
                retryable=exc.retryable,
                error=exc.message[:2000],
                http_status=exc.status,
                attempts=F("attempts") + exc.attempts,
                finished_at=timezone.now(),
            )
            return Generation.State.FAILED
        row.update(
            answered=True,
            text=done.text,
            finish_reason=done.finish_reason or "",
            http_status=200,
            prompt_tokens=done.prompt_tokens,
            completion_tokens=done.completion_tokens,
            cost=done.cost,
            seconds=done.seconds,
            attempts=F("attempts") + done.attempts,
        )
        generation.refresh_from_db()
    try:
        _write(collection, generation)
    except ServiceError as exc:
        reasons = "; ".join(e.reason for e in exc.errors[:3])
        row.update(
            state=Generation.State.FAILED,
            retryable=False,
            error=f"{exc.detail}: {reasons}"[:2000],
            finished_at=timezone.now(),
        )
        return Generation.State.FAILED
    row.update(state=Generation.State.DONE, error="", finished_at=timezone.now())
    return Generation.State.DONE


def _write(collection: Collection, generation: Generation) -> None:
    metadata = {
        "collected_from": collection.base_url,
        "model": collection.model,
        "temperature": collection.temperature,
        "max_tokens": collection.max_tokens,
        "prompt_tokens": generation.prompt_tokens,
        "completion_tokens": generation.completion_tokens,
        "finish_reason": generation.finish_reason,
    }
    raw = {
        "prompt_id": generation.prompt.external_id,
        "system": collection.system,
        "response": generation.text,
        "metadata": metadata,
    }
    rows, errors = validate_rows([(1, raw)], max_text_chars=settings.LIMA_MAX_TEXT_CHARS)
    if errors:
        raise InvalidInput("the answer cannot be stored as a response", errors)
    outputs_upload(study=collection.study, rows=rows)
