"""A rater's request that meets a database connection the server dropped (a restart,
pg_terminate_backend, a failover) is run once more on a fresh connection, so the vote is
neither lost nor a 500 (issue 11). CONN_HEALTH_CHECKS catches most such connections before a
request starts; this catches the one that dies between the check and the query.

Safe to repeat: nothing was committed by the failed attempt (it failed on the connection),
and a vote is idempotent per assignment token (raters.services.voting)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse

log = logging.getLogger(__name__)


def retry_on_dropped_connection(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or connection.is_usable():
                raise
            log.warning("rater request met a dropped database connection; retrying once: %s", exc)
            connection.close()
            return view(request, *args, **kwargs)

    return wrapped
