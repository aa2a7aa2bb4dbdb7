"""A study's columns kept in the process between refreshes (results.loading.study_columns reads
only the votes newer than the kept ones when nothing but inserts happened), in buffers with room
after them, so that a refresh appends its new votes instead of copying every vote before them."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

if TYPE_CHECKING:
    from comparisons.models import Study
    from results.study_columns import StudyColumns


@dataclass(frozen=True)
class Kept:
    """A study's columns kept between refreshes, and what they were read at: the newest vote id
    read, the vote counters' totals (votes, changes) in the same statement, and the version's
    parts that change the comparisons (gold pairs, the last build)."""

    study: tuple[int, str]
    last_id: int
    votes: int
    changes: int
    shape: str
    columns: StudyColumns
    # the buffers the kept columns are the first entries of, with room after them (`appended`)
    room: dict[str, np.ndarray]


kept_studies: OrderedDict[int, Kept] = OrderedDict()  # per process, newest last


def appended(room: dict[str, np.ndarray], name: str, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``np.concatenate([old, new])``, as the first entries of a buffer kept in ``room`` under
    ``name`` with room after them (a quarter more than needed when it is made): a refresh after
    a few new votes copies those, not every vote before them again (16 ms of each refresh at 1M
    votes). ``old`` must be a view of the buffer's first entries, as this function returns
    them; anything else (a column computed afresh) gets a new buffer. Only the kept columns'
    own entry holds the room, and they are its longest view, so writing past ``old`` changes no
    view handed out before."""
    n, k = old.size, new.size
    buffer = room.get(name)
    if (
        buffer is None
        or old.base is not buffer
        or old.ctypes.data != buffer.ctypes.data
        or buffer.size < n + k
        or buffer.dtype != np.result_type(old, new)
    ):
        buffer = np.empty(n + k + (n + k) // 4 + 1024, dtype=np.result_type(old, new))
        buffer[:n] = old
        room[name] = buffer
    buffer[n : n + k] = new
    return buffer[: n + k]


def keep(
    study: Study,
    columns: StudyColumns,
    votes: int,
    changes: int,
    shape: str,
    room: dict[str, np.ndarray],
) -> None:
    """Keep ``columns`` for the study's next refresh, with the counters' totals they were read at,
    the version's shape and their buffers' ``room``; the oldest kept study beyond
    LIMA_RESULTS_COLUMN_CACHE_STUDIES is dropped (each 1M-vote study holds about 175 MB)."""
    last = int(columns.votes["id"][-1]) if columns.votes["id"].size else 0
    kept_studies.pop(study.pk, None)
    kept_studies[study.pk] = Kept((study.pk, study.slug), last, votes, changes, shape, columns, room)
    while len(kept_studies) > max(settings.LIMA_RESULTS_COLUMN_CACHE_STUDIES, 0):
        kept_studies.popitem(last=False)
