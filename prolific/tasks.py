"""Celery tasks of the Prolific app: ids in, a service call (imported in the task body, the
services import this module). Safe to run twice: a sync is claimed per link and every action
on Prolific is recorded before it is sent."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="prolific.sync")
def sync(link_id: int, by: str = "sync") -> dict[str, Any]:
    from prolific.services.sync import prolific_sync

    return prolific_sync(link_id=link_id, by=by)


@shared_task(name="prolific.sync_open")
def sync_open() -> int:
    from prolific.services.sync import prolific_sync_open

    return prolific_sync_open()
