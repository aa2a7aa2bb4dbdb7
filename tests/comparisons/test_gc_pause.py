"""An upload pauses the cyclic garbage collector and resumes it after, even when it fails; a
pause inside another leaves the resuming to the outer one."""

from __future__ import annotations

import gc

import pytest

from comparisons.ingest.gc_pause import gc_paused


def test_the_collector_is_paused_inside_and_resumed_after_even_on_failure():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_a_pause_inside_another_does_not_resume_the_collector():
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
