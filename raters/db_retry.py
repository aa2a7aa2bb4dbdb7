"""A rater's request that meets a database connection the server dropped (a restart,
pg_terminate_backend, a failover) is run once more on a fresh connection, so the vote is
neither lost nor a 500 (issue 11). CONN_HEALTH_CHECKS catches most such connections before a
request starts; this catches the one that dies between the check and the query.

Safe to repeat: nothing was committed by the failed attempt (it failed on the connection),
and a vote is idempotent per assignment token (raters.services.voting).

The error itself says whether the connection was lost (SQLSTATE class 08, admin or crash
shutdown, or a psycopg error without a SQLSTATE; never an error of the embedded SQLite):
looking at the connection afterwards is not enough, since leaving the vote's `atomic` block
after a failed ROLLBACK already opened a fresh, usable connection (found by the drill,
bench/drill.py)."""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse

log = logging.getLogger(__name__)

LOST = ("57P01", "57P02", "57P03")  # admin_shutdown, crash_shutdown, cannot_connect_now


def connection_lost(exc: BaseException) -> bool:
    """Whether a database error means the connection went away (not a query's own failure)."""
    cause = exc.__cause__ or exc
    if isinstance(cause, sqlite3.Error):  # the embedded default has no connection to lose
        return False
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None:  # the client lost the server: "server closed the connection", "connection is closed"
        return True
    return sqlstate.startswith("08") or sqlstate in LOST


def retry_on_dropped_connection(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or (not connection_lost(exc) and connection.is_usable()):
                raise
            log.warning("rater request met a dropped database connection; retrying once: %s", exc)
            connection.close()
            return view(request, *args, **kwargs)

    return wrapped
