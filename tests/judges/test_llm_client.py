"""The httpx client against a real chat-completions server on loopback."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings

from comparisons.retry import MAX_RETRY_AFTER, retry_after_seconds
from judges.limiter import LocalSlots, RedisSlots
from judges.llm_client import Endpoint, LLMError, backoff_seconds, chat
from tests.judges.fake_llm import Reply

MESSAGES = [{"role": "user", "content": "Which is better?"}]


def endpoint(fake, **fields) -> Endpoint:
    return Endpoint(
        **{
            "base_url": fake.url,
            "model": "judge-1",
            "timeout": 5.0,
            "max_attempts": 4,
            "backoff_base": 0.01,
            "backoff_cap": 0.05,
            **fields,
        }
    )


def test_an_answer_carries_its_text_tokens_and_cost(fake_llm):
    fake_llm.push(Reply(content='{"verdict": "A"}', usage=(1234, 56)))
    prices = {"price_prompt_per_1k": Decimal("0.03"), "price_completion_per_1k": Decimal("0.06")}
    done = chat(endpoint(fake_llm, api_key="sk-abc", **prices), MESSAGES, max_tokens=7)
    assert done.text == '{"verdict": "A"}' and (done.prompt_tokens, done.completion_tokens) == (1234, 56)
    assert done.cost == Decimal("0.03702") + Decimal("0.00336") and done.attempts == 1
    sent = fake_llm.requests[0]
    assert sent.body == {"model": "judge-1", "messages": MESSAGES, "temperature": 0.0, "max_tokens": 7}
    assert sent.headers["Authorization"] == "Bearer sk-abc"


def test_without_a_key_no_authorization_header_is_sent(fake_llm):
    chat(endpoint(fake_llm), MESSAGES)
    assert "Authorization" not in fake_llm.requests[0].headers


def test_a_429_is_retried_after_the_seconds_retry_after_asks(fake_llm):
    fake_llm.push(Reply(status=429, headers={"Retry-After": "1"}), Reply(content='{"verdict": "B"}'))
    done = chat(endpoint(fake_llm), MESSAGES)
    assert done.text == '{"verdict": "B"}' and done.attempts == 2
    first, second = fake_llm.requests
    assert 0.95 <= second.at - first.at < 1.8  # the backoff alone is at most 0.05 s


def test_5xx_are_retried_with_exponential_backoff_then_succeed(fake_llm):
    fake_llm.push(Reply(status=500), Reply(status=502), Reply(status=503), Reply(content='{"verdict": "A"}'))
    waits = []
    done = chat(
        endpoint(fake_llm, backoff_base=0.1, backoff_cap=10), MESSAGES, sleep=lambda s: (waits.append(s), time.sleep(s))
    )
    assert done.attempts == 4 and len(fake_llm.requests) == 4
    assert 0.05 <= waits[0] <= 0.1 and 0.1 <= waits[1] <= 0.2 and 0.2 <= waits[2] <= 0.4


def test_backoff_is_capped_and_never_shorter_than_retry_after():
    e = Endpoint(base_url="http://x", model="m", backoff_base=1, backoff_cap=8)
    assert all(4 <= backoff_seconds(e, 6, None) <= 8 for _ in range(50))
    assert backoff_seconds(e, 1, 30.0) == 30.0
    assert backoff_seconds(e, 1, 10_000.0) == MAX_RETRY_AFTER
    assert retry_after_seconds("2.5") == 2.5 and retry_after_seconds("soon") is None
    assert 55 < retry_after_seconds(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))) <= 60


def test_it_gives_up_after_max_attempts_with_a_retryable_failure(fake_llm):
    fake_llm.respond = lambda seen: Reply(status=503, content="overloaded")
    with pytest.raises(LLMError) as failure:
        chat(endpoint(fake_llm, max_attempts=3), MESSAGES)
    assert len(fake_llm.requests) == 3
    assert failure.value.retryable and failure.value.attempts == 3 and failure.value.status == 503
    assert "gave up after 3 attempts: HTTP 503 Service Unavailable" in failure.value.message
    assert "overloaded" not in failure.value.message  # the body is never kept (it may be an internal page)


def test_a_slow_answer_past_the_timeout_is_abandoned_and_retried(fake_llm):
    fake_llm.respond = lambda seen: Reply(delay=3.0)
    started = time.monotonic()
    with pytest.raises(LLMError) as failure:
        chat(endpoint(fake_llm, timeout=0.3, max_attempts=2), MESSAGES)
    assert time.monotonic() - started < 1.5
    assert len(fake_llm.requests) == 2 and failure.value.retryable and "timed out after 0.3s" in failure.value.message


def test_a_client_error_is_not_retried(fake_llm):
    fake_llm.push(Reply(status=400, content="max_tokens is too large"))
    with pytest.raises(LLMError) as failure:
        chat(endpoint(fake_llm), MESSAGES)
    assert len(fake_llm.requests) == 1 and failure.value.status == 400 and not failure.value.retryable


def test_the_key_never_appears_in_an_error(fake_llm):
    fake_llm.push(Reply(status=401, content="Incorrect API key provided: sk-live-123456"))
    with pytest.raises(LLMError) as failure:
        chat(endpoint(fake_llm, api_key="sk-live-123456"), MESSAGES)
    assert "sk-live-123456" not in failure.value.message and failure.value.message == "HTTP 401 Unauthorized"
    assert failure.value.retryable  # a fixed key makes a later run succeed


@pytest.mark.parametrize("raw", [b"not json{", b'{"choices": []}', b'{"choices": [{"message": {"content": null}}]}'])
def test_a_200_with_a_malformed_body_fails_without_retrying_as_it_may_be_billed(fake_llm, raw):
    fake_llm.push(Reply(raw=raw))
    with pytest.raises(LLMError) as failure:
        chat(endpoint(fake_llm), MESSAGES)
    assert len(fake_llm.requests) == 1 and failure.value.billed and not failure.value.retryable


def test_a_connection_refused_is_retried_then_reported():
    with pytest.raises(LLMError) as failure:
        chat(Endpoint(base_url="http://127.0.0.1:9/v1", model="m", max_attempts=2, backoff_base=0.01), MESSAGES)
    assert failure.value.attempts == 2 and "connection failed" in failure.value.message


@pytest.mark.parametrize("slots", ["redis", "local"])
def test_no_more_requests_are_in_flight_than_the_endpoint_allows(fake_llm, slots):
    fake_llm.respond = lambda seen: Reply(delay=0.2)
    # Each thread has its own RedisSlots (its own connection): only Redis is shared, as between processes.
    shared = LocalSlots()
    make = (lambda: RedisSlots(settings.REDIS_URL)) if slots == "redis" else (lambda: shared)
    e = endpoint(fake_llm, max_concurrency=3)
    threads = [threading.Thread(target=chat, args=(e, MESSAGES), kwargs={"slots": make()}) for _ in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_llm.requests) == 9 and fake_llm.max_in_flight == 3


def test_a_slot_held_by_a_dead_holder_frees_itself_when_its_lease_ends():
    slots = RedisSlots(settings.REDIS_URL)
    key = f"test-lease-{time.monotonic_ns()}"
    held = slots.slot(key, 1, lease_seconds=0.5, wait_seconds=1)
    held.__enter__()  # never released: its process "died"
    started = time.monotonic()
    with slots.slot(key, 1, lease_seconds=5, wait_seconds=3):
        assert 0.4 <= time.monotonic() - started < 2
