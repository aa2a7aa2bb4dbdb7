"""Celery tasks: thin, safe to run twice (expiring a lapsed lease twice changes nothing)."""

from __future__ import annotations

from celery import shared_task

from raters import services


@shared_task(name="raters.expire_leases")
def expire_leases() -> int:
    from raters.services.ratelimit import entry_counts_purge

    entry_counts_purge()
    return services.assignments_expire()


@shared_task(name="raters.render_ahead")
def render_ahead() -> int:
    return services.render_ahead()
