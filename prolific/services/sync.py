"""One sync of a linked study: read the Prolific study and its submissions, act on the
submissions, pay bonuses, then set places and pause or restart the study. Claimed with a
conditional update (one sync per link at a time); every step compares with what Prolific shows
or with the actions recorded, so running it twice sends nothing the second time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from comparisons.models import Study
from prolific import selectors, tasks
from prolific.client import Prolific, ProlificError
from prolific.models import Action, ProlificLink
from prolific.services.actions import action_claim, action_take
from prolific.services.bonuses import bonuses_run
from prolific.services.submissions import submissions_decide, submissions_store
from raters.services import rater_settings_get

CLAIM = timedelta(minutes=16)  # past the task's hard time limit (15 min): a killed sync's claim lapses
ACTIVE, PAUSED = "ACTIVE", "PAUSED"


def _places(link: ProlificLink, client: Prolific, need: selectors.Need, status: str, by: str) -> dict[str, Any]:
    """PATCH total_available_places when it differs from the need; PAUSE when nothing is
    needed; START again a study we paused when more is needed."""
    out: dict[str, Any] = {}
    done = need.votes_needed == 0 or link.study.status != Study.Status.OPEN
    refused = Action.objects.filter(
        link=link,
        kind=Action.Kind.PLACES,
        state=Action.State.FAILED,
        detail__to=need.target_places,
        detail__retryable=False,
    ).exists()
    if (
        link.manage_places
        and not done
        and link.places is not None
        and link.places != need.target_places
        and not refused
    ):
        stamp = timezone.now().isoformat()
        action = action_claim(
            link=link,
            key=f"places:{need.target_places}:{stamp}",
            kind=Action.Kind.PLACES,
            by=by,
            detail={"from": link.places, "to": need.target_places, "votes_needed": need.votes_needed},
        )
        if action and action_take(
            action, lambda: client.study_update(link.prolific_study_id, total_available_places=need.target_places)
        ):
            ProlificLink.objects.filter(pk=link.pk).update(places=need.target_places)
            out["places"] = need.target_places
    ours = Action.objects.filter(link=link, kind__in=[Action.Kind.PAUSE, Action.Kind.START], state=Action.State.DONE)
    last = ours.order_by("-id").first()
    if done and status == ACTIVE:
        action = action_claim(
            link=link,
            key=f"pause:{ours.count() + 1}",
            kind=Action.Kind.PAUSE,
            by=by,
            detail={"votes_needed": need.votes_needed},
            resend=True,
        )
        if action and action_take(action, lambda: client.study_transition(link.prolific_study_id, "PAUSE")):
            out["paused"] = True
    elif not done and status == PAUSED and last is not None and last.kind == Action.Kind.PAUSE:
        action = action_claim(
            link=link,
            key=f"start:{ours.count() + 1}",
            kind=Action.Kind.START,
            by=by,
            detail={"votes_needed": need.votes_needed},
            resend=True,
        )
        if action and action_take(action, lambda: client.study_transition(link.prolific_study_id, "START")):
            out["started"] = True
    return out


def prolific_sync(*, link_id: int, by: str = "sync", client: Prolific | None = None) -> dict[str, Any]:
    """Sync one link; returns what was done. Prolific's errors are recorded on the link (and
    shown), never raised: the next sync tries again."""
    now = timezone.now()
    if not ProlificLink.objects.filter(pk=link_id).exists():
        return {"gone": "no such link (unlinked or deleted)"}
    claimed = ProlificLink.objects.filter(Q(sync_until__isnull=True) | Q(sync_until__lt=now), pk=link_id).update(
        sync_until=now + CLAIM
    )
    if not claimed:
        return {"skipped": "another sync of this study is running"}
    link = ProlificLink.objects.select_related("study").get(pk=link_id)
    summary: dict[str, Any] = {}
    error = ""
    try:
        client = client or Prolific()
        settings = rater_settings_get(study=link.study)
        data = client.study(link.prolific_study_id)
        status = str(data.get("status") or "")
        places = data.get("total_available_places")
        taken = data.get("places_taken")
        ProlificLink.objects.filter(pk=link.pk).update(
            prolific_status=status,
            places=places if isinstance(places, int) else None,
            places_taken=taken if isinstance(taken, int) else None,
        )
        link.refresh_from_db()
        summary["submissions"] = len(
            submissions_store(link=link, rows=list(client.submissions(link.prolific_study_id)))
        )
        summary.update(submissions_decide(link=link, client=client, settings=settings, by=by))
        summary["bonuses"] = bonuses_run(link=link, client=client, settings=settings)
        need = selectors.places_need(link, settings)
        summary["votes_needed"], summary["target_places"] = need.votes_needed, need.target_places
        summary.update(_places(link, client, need, status, by))
        failed = Action.objects.filter(link=link, state=Action.State.FAILED, finished_at__gte=now)
        if failed.exists():
            error = "; ".join(f"{a.kind} {a.key.split(':')[1] if ':' in a.key else ''}: {a.error}" for a in failed[:5])
    except ProlificError as exc:
        error = exc.message
    finally:
        fields: dict[str, Any] = {"sync_until": None, "last_synced_at": timezone.now(), "last_error": error[:4000]}
        if error:
            fields["last_error_at"] = timezone.now()
        ProlificLink.objects.filter(pk=link_id).update(**fields)
    if error:
        summary["error"] = error
    return summary


def prolific_sync_queue(*, link_id: int, by: str = "sync") -> None:
    """Queue a sync of the link after the current transaction commits; `by` is recorded on its actions."""
    transaction.on_commit(lambda: tasks.sync.delay(link_id, by))


def prolific_sync_open() -> int:
    """Queue a sync for every link whose study is open (Celery beat, every minute)."""
    ids = list(selectors.open_links().values_list("pk", flat=True))
    for link_id in ids:
        tasks.sync.delay(link_id)
    return len(ids)
