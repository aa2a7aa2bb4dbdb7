"""The cyclic garbage collector paused while an upload holds hundreds of thousands of small
objects (parsed rows, validated rows, values to write).

Each collection walks every tracked object, and as an upload's objects accumulate, full
collections come again and again (CPython runs one whenever the objects that survived grow by
a quarter), walking all of them each time: about a quarter of an upload's CPU at 100,000 rows
(docs/benchmarks.md, "Ingest"). Those objects form no cycles and reference counting frees
them; the collector resumes when the block ends. The pause is process-wide: concurrent
requests in other threads run without cyclic collection meanwhile, and the first block to
end resumes it (never a block that found it already paused)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
