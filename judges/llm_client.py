"""The one module that talks HTTP to LLM endpoints (OpenAI-compatible chat completions).

Explicit timeouts; retries with exponential backoff on 429, 5xx, timeouts and connection
errors, waiting what a Retry-After header asks when it is given; a concurrency slot per
endpoint held only while a request is in flight (see judges/limiter.py); token and cost
accounting from the answer's `usage`. The API key is sent as a bearer token and scrubbed
from every error message.

The request URL is the base URL's path joined with /chat/completions (judges/outbound.py),
redirects are never followed, and a failure is described by its status, the status's
standard phrase and the OpenAI-style error `type`/`code` when they are short identifiers:
never the body, which may be an internal page (OWASP, SSRF)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import httpx

from comparisons.retry import backoff_delay, retry_after_seconds
from judges import outbound
from judges.limiter import LOCAL, LocalSlots, RedisSlots, SlotTimeout

RETRY_STATUSES = {429, 500, 502, 503, 504}
NOT_RETRYABLE_LATER = {400, 404, 413, 422}  # the same request would fail the same way
IDENTIFIER = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    max_attempts: int = 4
    max_concurrency: int = 4
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    price_prompt_per_1k: Decimal = Decimal(0)
    price_completion_per_1k: Decimal = Decimal(0)

    @property
    def url(self) -> str:
        return outbound.join(self.base_url, "chat/completions")

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        return (
            Decimal(prompt_tokens) * self.price_prompt_per_1k
            + Decimal(completion_tokens) * self.price_completion_per_1k
        ) / 1000


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cost: Decimal
    attempts: int
    seconds: float
    finish_reason: str | None = None


class LLMError(Exception):
    """A call that produced no answer. `retryable`: a later run may try again; `attempts`:
    requests sent; `billed`: the endpoint answered 200, so the call may have been paid for."""

    def __init__(
        self, message: str, *, status: int | None = None, retryable: bool, attempts: int, billed: bool = False
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.retryable, self.attempts, self.billed = (
            message,
            status,
            retryable,
            attempts,
            billed,
        )


def backoff_seconds(endpoint: Endpoint, attempt: int, retry_after: float | None) -> float:
    """comparisons.retry.backoff_delay with this client's base and cap."""
    return backoff_delay(base=endpoint.backoff_base, cap=endpoint.backoff_cap, attempt=attempt, retry_after=retry_after)


def chat(
    endpoint: Endpoint,
    messages: list[dict],
    *,
    temperature: float = 0.0,
    max_tokens: int = 256,
    slots: LocalSlots | RedisSlots = LOCAL,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> Completion:
    body = {"model": endpoint.model, "messages": messages, "temperature": temperature, "max_tokens": max_tokens}
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    timeout = httpx.Timeout(endpoint.timeout, connect=min(10.0, endpoint.timeout))
    started = time.monotonic()
    last: LLMError | None = None
    with httpx.Client(timeout=timeout, headers=headers, transport=transport, follow_redirects=False) as client:
        for attempt in range(1, endpoint.max_attempts + 1):
            retry_after = None
            try:
                with slots.slot(
                    endpoint.base_url,
                    endpoint.max_concurrency,
                    lease_seconds=endpoint.timeout + 30,
                    wait_seconds=max(60.0, endpoint.timeout * 2),
                ):
                    response = client.post(endpoint.url, json=body)
            except SlotTimeout as exc:
                last = LLMError(str(exc), retryable=True, attempts=attempt - 1)
            except httpx.TimeoutException as exc:
                last = LLMError(
                    f"timed out after {endpoint.timeout:g}s ({type(exc).__name__})", retryable=True, attempts=attempt
                )
            except httpx.TransportError as exc:
                last = LLMError(f"connection failed ({type(exc).__name__})", retryable=True, attempts=attempt)
            else:
                if response.status_code == 200:
                    return _completion(endpoint, response, attempt, time.monotonic() - started)
                status = response.status_code
                retry = status in RETRY_STATUSES
                last = LLMError(
                    _scrub(reason_of(response), endpoint),
                    status=status,
                    attempts=attempt,
                    retryable=retry or status not in NOT_RETRYABLE_LATER,
                )
                if not retry:
                    raise last
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if attempt < endpoint.max_attempts:
                sleep(backoff_seconds(endpoint, attempt, retry_after))
    assert last is not None
    raise LLMError(
        f"gave up after {last.attempts} attempts: {last.message}",
        status=last.status,
        retryable=True,
        attempts=last.attempts,
    )


def _completion(endpoint: Endpoint, response: httpx.Response, attempts: int, seconds: float) -> Completion:
    try:
        data = response.json()
        choice = data["choices"][0]
        text = choice["message"]["content"]
        if not isinstance(text, str):
            raise TypeError("content is not a string")
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError(
            f"HTTP 200 with an unreadable body ({type(exc).__name__})",
            status=200,
            retryable=False,
            attempts=attempts,
            billed=True,
        ) from None
    usage = data.get("usage") or {}
    prompt_tokens = _count(usage.get("prompt_tokens"))
    completion_tokens = _count(usage.get("completion_tokens"))
    return Completion(
        text=text,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost=endpoint.cost(prompt_tokens, completion_tokens),
        attempts=attempts,
        seconds=seconds,
        finish_reason=choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None,
    )


def reason_of(response: httpx.Response) -> str:
    """`HTTP <status> <phrase>`, with the OpenAI-style error's type and code when they are
    short identifiers: a sanitized reason that never carries the body."""
    phrase = response.reason_phrase or ""
    details = []
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        details = [f"{k}={v}" for k in ("type", "code") if isinstance(v := error.get(k), str) and IDENTIFIER.match(v)]
    if response.is_redirect:
        details.append("redirects are not followed")
    return " ".join(
        [f"HTTP {response.status_code}", phrase, *(["(" + ", ".join(details) + ")"] if details else [])]
    ).strip()


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _scrub(text: str, endpoint: Endpoint) -> str:
    return text.replace(endpoint.api_key, "[api key]") if endpoint.api_key else text
