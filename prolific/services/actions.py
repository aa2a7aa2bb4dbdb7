"""Taking an action on Prolific at most once: the action row is claimed (unique per link and
key, committed) before the call, and finished after it with Prolific's answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from prolific.client import ProlificError
from prolific.models import Action, ProlificLink, Submission


def action_claim(
    *,
    link: ProlificLink,
    key: str,
    kind: str,
    submission: Submission | None = None,
    by: str = "sync",
    detail: dict | None = None,
    resend: bool = False,
) -> Action | None:
    """The action to send now, or None when it was taken (done), refused (failed with a 4xx),
    or is being sent. `resend`: an action left `sent` by a dead worker, or failed for a
    reason worth retrying, is sent again (only for calls Prolific's state machine makes safe
    to repeat, such as a submission's transition)."""
    try:
        with transaction.atomic():
            return Action.objects.create(
                link=link, key=key, kind=kind, submission=submission, by=by, detail=detail or {}
            )
    except IntegrityError:
        pass
    action = Action.objects.get(link=link, key=key)
    if action.state == Action.State.DONE:
        return None
    if resend and (action.state == Action.State.SENT or action.detail.get("retryable")):
        return action
    return None


def action_finish(*, action: Action, error: ProlificError | None = None, detail: dict | None = None) -> Action:
    now = timezone.now()
    fields: dict[str, Any] = {"finished_at": now, "detail": {**action.detail, **(detail or {})}}
    if error is None:
        fields.update(state=Action.State.DONE, error="")
    else:
        fields.update(state=Action.State.FAILED, error=error.message[:2000])
        fields["detail"]["retryable"] = error.retryable and not error.uncertain
        fields["detail"]["status"] = error.status
    Action.objects.filter(pk=action.pk).update(**fields)
    for name, value in fields.items():
        setattr(action, name, value)
    return action


def action_take(action: Action, call: Callable[[], Any]) -> bool:
    """Send `call` for the claimed `action`; True when Prolific accepted it."""
    try:
        call()
    except ProlificError as exc:
        action_finish(action=action, error=exc)
        return False
    action_finish(action=action)
    return True
