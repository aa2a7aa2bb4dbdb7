"""How many new raters one client address may create: LIMA_RATER_ENTRIES_PER_ADDRESS per
10-minute window (0: unlimited), so a few clients cannot hold a study's slots with invented
participants.

Counted in PostgreSQL (raters.models.EntryCount), in one upsert per new rater: the rater's
path keeps PostgreSQL as its only server (no Redis to fail open or closed), and only a new
rater is counted: a rater coming back is resumed without a count. Fixed windows: a burst
across a window's edge may get twice the limit, which is still a bound. Old windows are
deleted by the beat task `raters.expire_leases`.

The client address is REMOTE_ADDR, or with LIMA_TRUSTED_PROXY_COUNT = n > 0 the n-th
address from the right of X-Forwarded-For (the one the outermost trusted proxy saw; the
client may write anything to the left of it)."""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from raters.errors import Refused
from raters.models import EntryCount

WINDOW_SECONDS = 600
TOO_MANY = (
    "Too many people have joined this study from your network in the last few minutes. Please try again in ten minutes."
)


class TooManyEntries(Refused):
    status = 429


def client_address(request: HttpRequest) -> str:
    """The client's address as the trusted proxies saw it (see the module docstring)."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    hops = settings.LIMA_TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):  # one client usually holds a whole /64
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def entry_take(*, address: str | None, now: float | None = None) -> int:
    """Count one new rater from `address` in the current window and return the count;
    TooManyEntries when it is over the limit. No address (a service call) is not counted."""
    limit = settings.LIMA_RATER_ENTRIES_PER_ADDRESS
    if not address or limit <= 0:
        return 0
    window = int((now if now is not None else time.time()) // WINDOW_SECONDS * WINDOW_SECONDS)
    table = EntryCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (address, window_start, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (address, window_start) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [address[:64], window],
        )
        count = int(cursor.fetchone()[0])
    if count > limit:
        raise TooManyEntries(TOO_MANY)
    return count


def entry_counts_purge(*, now: float | None = None) -> int:
    """Delete the windows that ended; returns how many rows went."""
    start = int((now if now is not None else time.time()) // WINDOW_SECONDS * WINDOW_SECONDS)
    return EntryCount.objects.filter(window_start__lt=start).delete()[0]
