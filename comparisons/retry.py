"""Retry timing shared by every outside-HTTP client (LLM endpoints in judges/llm_client.py,
Prolific in prolific/client.py): Retry-After parsing and full-jitter exponential backoff.
Pure; it lives in the base app because both clients may import it and not each other."""

from __future__ import annotations

import email.utils
import random
import time

MAX_RETRY_AFTER = 300.0  # seconds: a Retry-After longer than this is capped


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date, RFC 9110 10.2.3), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(*, base: float, cap: float, attempt: int, retry_after: float | None) -> float:
    """Full-jitter exponential backoff after failed attempt `attempt` (1-based), never less
    than what Retry-After asks (capped at MAX_RETRY_AFTER)."""
    delay = random.uniform(0.5, 1.0) * min(cap, base * 2.0 ** (attempt - 1))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay
