"""An endpoint's settings as the LLM client needs them, shared by judges and collections:
the outbound policy's checks (judges/outbound.py) at creation and at call time, the key read
from this worker's environment, the slot limiter, and how long a call may be in flight
before it counts as lost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from comparisons.errors import RowError
from comparisons.retry import MAX_RETRY_AFTER
from judges import llm_client, outbound
from judges.limiter import LOCAL, LocalSlots, RedisSlots
from judges.models import Endpoint as EndpointModel

ENV_NAME = outbound.ENV_NAME
_redis_slots: dict[str, RedisSlots] = {}


def lost_after(judge: EndpointModel) -> timedelta:
    """How long a call (of a Judge or a Collection) may stay in flight before it counts as
    lost: its worker died."""
    return timedelta(seconds=judge.timeout_seconds * judge.max_attempts + MAX_RETRY_AFTER + 120)


def endpoint_problems(*, base_url: str, api_key_env: str) -> list[RowError]:
    """The policy's objections to a new judge's or collection's endpoint (judges/outbound.py)."""
    errors = []
    try:
        outbound.url_check(base_url)
    except outbound.PolicyError as exc:
        errors.append(RowError(None, exc.field, exc.reason))
    if api_key_env:
        try:
            outbound.key_env_check(api_key_env)
        except outbound.PolicyError as exc:
            errors.append(RowError(None, exc.field, exc.reason))
    return errors


def endpoint_for(judge: EndpointModel) -> llm_client.Endpoint:
    """The endpoint of a Judge or a Collection, with the key read from this process's environment,
    after the outbound policy's checks (again at call time: the operator's allowlists may have
    changed, and a host name its address). A refusal sends nothing; it is retryable, as the
    operator may allow it later."""
    key = None
    try:
        outbound.url_check(judge.base_url)
        if judge.api_key_env:
            key = outbound.key_value(judge.api_key_env)
    except outbound.PolicyError as exc:
        raise llm_client.LLMError(f"refused by the outbound policy: {exc.reason}", retryable=True, attempts=0) from None
    if judge.api_key_env and not key:
        raise llm_client.LLMError(
            f"environment variable {judge.api_key_env} is not set in this worker", retryable=True, attempts=0
        )
    return llm_client.Endpoint(
        base_url=judge.base_url,
        model=judge.model,
        api_key=key,
        timeout=judge.timeout_seconds,
        max_attempts=judge.max_attempts,
        max_concurrency=judge.max_concurrency,
        backoff_base=settings.JUDGE_BACKOFF_BASE_SECONDS,
        backoff_cap=settings.JUDGE_BACKOFF_CAP_SECONDS,
        price_prompt_per_1k=Decimal(judge.price_prompt_per_1k),
        price_completion_per_1k=Decimal(judge.price_completion_per_1k),
    )


def llm_slots() -> LocalSlots | RedisSlots:
    """The concurrency limiter: per process without Redis, across processes with it."""
    if not settings.REDIS_URL:
        return LOCAL
    return _redis_slots.setdefault(settings.REDIS_URL, RedisSlots(settings.REDIS_URL))
