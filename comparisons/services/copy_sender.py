"""COPY sent by a thread while the caller makes the rows, in several statements whose foreign
keys PostgreSQL checks as each one ends.

A table's foreign keys are DEFERRABLE INITIALLY DEFERRED (Django makes them so): PostgreSQL
checks the rows of a COPY at COMMIT, one lookup per row and key (0.7 s for 100,000 responses),
while this process waits. Here those keys are checked at the end of each COPY statement instead
(`SET CONSTRAINTS ... IMMEDIATE` for the table's deferred foreign keys, DEFERRED again after),
and the statements are sent by a thread (`CopySender`), so that PostgreSQL checks one
statement's rows while the caller makes the next statement's: the two processes work on both
cores. The same checks run, in the same transaction, so a row that breaks a key still fails
the write, only earlier (at its statement's end, not at COMMIT); any failure, on either side,
ends the COPY with an error and leaves the transaction to be rolled back (all or nothing).

The thread alone uses the connection while the block runs (psycopg's connection lock is its,
from one statement's start to its end); the caller only makes text."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

_NEXT, _DONE, _ABORT = object(), object(), object()  # end this statement and start another; end; fail


class _Aborted(Exception):
    """The caller failed: the thread ends its COPY with an error (psycopg sends CopyFail)."""


@contextmanager
def foreign_keys_checked_per_statement(cursor: Any, table: str) -> Iterator[None]:
    """Within the block, `table`'s deferred foreign keys are checked at the end of each
    statement, not at COMMIT (`cursor`: psycopg's, in a transaction the caller opened).
    Afterwards they are deferred again. When the block fails the caller's transaction (or
    savepoint: copy_rows.insert_values opens one) is rolled back, which restores the mode too
    (SET CONSTRAINTS lasts for the transaction and is undone by ROLLBACK TO SAVEPOINT)."""
    cursor.execute(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) FROM pg_constraint c"
        " JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND c.condeferrable AND c.condeferred"
        " ORDER BY 1",
        [table],
    )
    names = ", ".join(row[0] for row in cursor.fetchall())
    if names:
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    yield
    if names:
        cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


class CopySender:
    """`statement` (a COPY ... FROM STDIN) run by a thread on `cursor` (psycopg's), fed with
    `write`; `next_statement` ends the statement and starts it again for the data that follows.
    On leaving the block the last statement ends and the thread is joined; the thread's error
    (a row PostgreSQL refuses, a foreign key broken) is raised in the caller, at the next
    `write` or on leaving. Up to `queued` writes wait for the thread, no more."""

    def __init__(self, cursor: Any, statement: str, *, queued: int = 8) -> None:
        self.cursor, self.statement = cursor, statement
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=queued)
        self.error: BaseException | None = None
        self.closed = False
        self.thread = threading.Thread(target=self._send, name="copy-sender", daemon=True)

    def __enter__(self) -> CopySender:
        self.thread.start()
        return self

    def write(self, data: str | bytes) -> None:
        self._raise()
        self.queue.put(data)

    def next_statement(self) -> None:
        self._raise()
        self.queue.put(_NEXT)

    def close(self) -> None:
        """No more writes: the thread ends the last statement (and the block waits for it on leaving)."""
        self._raise()
        self.queue.put(_DONE)
        self.closed = True

    def sending(self) -> bool:
        """Whether the thread is still at work (or waiting for writes)."""
        return self.thread.is_alive()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.closed:  # (once closed, a failure of the caller's is the caller's to roll back)
            self.queue.put(_ABORT if exc is not None else _DONE)
        self.thread.join()
        if exc is None:
            self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _send(self) -> None:
        ended = False  # the caller's last item (_DONE or _ABORT) was taken
        try:
            while not ended:
                with self.cursor.copy(self.statement) as copy:
                    while (data := self.queue.get()) is not _NEXT:
                        if data is _DONE or data is _ABORT:
                            ended = True
                            if data is _ABORT:
                                raise _Aborted("the rows to write could not be made")
                            break
                        copy.write(data)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            self.error = exc
            while not ended:  # take what the caller still puts, so that its puts never block
                ended = self.queue.get() in (_DONE, _ABORT)
