"""Concurrency slots per endpoint, shared by every worker process.

`RedisSlots` keeps the holders of an endpoint's slots in a Redis sorted set scored by when
their lease ends; taking a slot is one Lua script (drop lapsed holders, count, add), so it is
atomic across processes and machines, and a holder that died frees its slot when its lease
ends. `LocalSlots` is the same for one process (the embedded default, no Redis)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
  return 1
end
return 0
"""


class SlotTimeout(Exception):
    """No slot became free in time."""


class RedisSlots:
    def __init__(self, redis_url: str, *, poll_seconds: float = 0.02) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url)
        self._acquire = self._redis.register_script(ACQUIRE)
        self._poll = poll_seconds

    @contextmanager
    def slot(self, key: str, limit: int, *, lease_seconds: float, wait_seconds: float) -> Iterator[None]:
        token = uuid.uuid4().hex
        name = f"lima-eval:llm-slots:{key}"
        deadline = time.monotonic() + wait_seconds
        while not self._acquire(keys=[name], args=[limit, lease_seconds, token]):
            if time.monotonic() > deadline:
                raise SlotTimeout(f"no free slot of {limit} for {key} within {wait_seconds:.0f}s")
            time.sleep(self._poll)
        try:
            yield
        finally:
            self._redis.zrem(name, token)


class LocalSlots:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._semaphores: dict[tuple[str, int], threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, key: str, limit: int, *, lease_seconds: float, wait_seconds: float) -> Iterator[None]:
        with self._lock:
            semaphore = self._semaphores.setdefault((key, limit), threading.BoundedSemaphore(limit))
        if not semaphore.acquire(timeout=wait_seconds):
            raise SlotTimeout(f"no free slot of {limit} for {key} within {wait_seconds:.0f}s")
        try:
            yield
        finally:
            semaphore.release()


LOCAL = LocalSlots()
