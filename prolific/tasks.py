"""Celery tasks of the Prolific app: ids in, a service call (imported in the task body, the
services import this module). Safe to run twice: a sync is claimed per link and every action
on Prolific is recorded before it is sent."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task


@shared_task(name="prolific.sync", bind=True, max_retries=6)
def sync(self: Task, link_id: int, by: str = "sync") -> dict[str, Any]:
    """A sync asked for while another runs is tried again shortly (a researcher's or a webhook's
    request is never dropped); beat's own syncs are not: the next minute brings one."""
    from prolific.services.sync import prolific_sync

    result = prolific_sync(link_id=link_id, by=by)
    if "skipped" in result and by != "sync":
        raise self.retry(countdown=10)
    return result


@shared_task(name="prolific.sync_open")
def sync_open() -> int:
    from prolific.services.sync import prolific_sync_open

    return prolific_sync_open()
