"""Prolific submissions: stored as read, then decided.

- RETURNED or TIMED-OUT: the rater's pending leases are released at once (their pairs go back
  to the queue); their votes stop counting unless the link's `count_returned_votes` says so
  (the rater is then excluded with a reason, which the researcher can undo).
- AWAITING REVIEW (finished on Prolific):
  * two or more failed attention checks (fair, instructed-response items): rejected with
    Prolific's category FAILED_CHECK and a message saying why (`auto_reject`). Prolific's
    attention-check policy allows a rejection for failed checks only from two failed checks on;
  * one failed check, any other quality flag, an excluded rater, no votes with us, or a
    completion code that is not ours: flagged for the researcher, nothing sent;
  * finished our quota (or nothing was left) with no flag: approved (`auto_approve`).
- Anything else waits. Each transition is an Action taken at most once."""

from __future__ import annotations

from django.db import transaction

from prolific import selectors
from prolific.client import Prolific
from prolific.models import Action, ProlificLink, Submission
from prolific.services.actions import action_claim, action_take
from raters.models import Rater, StudyRaterSettings
from raters.services import rater_exclude, rater_leases_release

FAILED_CHECK = "FAILED_CHECK"
RETURNED_REASON = "returned or timed out on Prolific"


def rejection_message(failed: int, checks: int) -> str:
    """Prolific asks for a message of at least 100 characters that the participant understands."""
    return (
        f"You chose the wrong answer in {failed} of {checks} attention checks. Each check was an answer that "
        "said, in plain words, that it was an attention check and asked you to choose the other answer. "
        "Under Prolific's attention-check policy this submission is rejected."
    )


def submissions_store(*, link: ProlificLink, rows: list[dict]) -> list[Submission]:
    """Create or update our copy of each submission Prolific listed."""
    raters = dict(Rater.objects.filter(study=link.study).values_list("external_id", "pk"))
    out = []
    with transaction.atomic():
        for row in rows:
            sid = str(row.get("id") or "")
            if not sid:
                continue
            pid = str(row.get("participant_id") or row.get("participant") or "")
            sub, _ = Submission.objects.update_or_create(
                submission_id=sid,
                defaults={
                    "link": link,
                    "participant_id": pid,
                    "rater_id": raters.get(pid),
                    "status": str(row.get("status") or ""),
                    "started_at": str(row.get("started_at") or ""),
                    "completed_at": str(row.get("completed_at") or ""),
                    "entered_code": str(row.get("entered_code") or row.get("study_code") or ""),
                },
            )
            out.append(sub)
    return out


def _decide(link: ProlificLink, sub: Submission, record: selectors.Record | None, code: str) -> tuple[str, str]:
    if sub.status in selectors.GONE:
        return Submission.Decision.RELEASED, f"{sub.status.lower()}: leases released"
    if sub.status != selectors.AWAITING_REVIEW:
        return sub.decision, sub.reason
    if record is None or record.rater is None:
        return Submission.Decision.FLAGGED, "no votes recorded with us"
    if record.attention_failed >= selectors.MIN_FAILED_FAIR_CHECKS:
        return (
            Submission.Decision.REJECT,
            f"failed {record.attention_failed} of {record.attention_checks} attention checks",
        )
    if record.attention_failed:
        return Submission.Decision.FLAGGED, "failed 1 attention check (Prolific allows a rejection from 2 on)"
    if record.rater.excluded:
        return Submission.Decision.FLAGGED, f"excluded by the researcher: {record.rater.excluded_reason}"
    if sub.entered_code and sub.entered_code != code:
        return Submission.Decision.FLAGGED, f"entered the code {sub.entered_code!r}, not ours"
    if record.flags:
        return Submission.Decision.FLAGGED, "quality flags: " + ", ".join(record.flags)
    if not record.finished:
        return Submission.Decision.FLAGGED, "submitted before finishing the quota"
    return Submission.Decision.APPROVE, "finished and passed the checks"


def submissions_decide(
    *, link: ProlificLink, client: Prolific, settings: StudyRaterSettings, by: str = "sync"
) -> dict[str, int]:
    """Decide and act on every stored submission of the link; returns counts of actions sent."""
    records = selectors.records(link, settings)
    done = {"approved": 0, "rejected": 0, "released": 0, "flagged": 0, "failed": 0}
    for sub in Submission.objects.filter(link=link).select_related("rater"):
        decision, reason = _decide(link, sub, records.get(sub.participant_id), settings.completion_code)
        if (decision, reason) != (sub.decision, sub.reason):
            Submission.objects.filter(pk=sub.pk).update(decision=decision, reason=reason[:500])
            sub.decision, sub.reason = decision, reason
        if decision == Submission.Decision.RELEASED:
            done["released"] += _release(link, sub, by)
        elif decision == Submission.Decision.FLAGGED:
            done["flagged"] += 1
        elif decision == Submission.Decision.APPROVE and link.auto_approve:
            ok = transition(link=link, sub=sub, client=client, kind=Action.Kind.APPROVE, by=by)
            done["approved" if ok else "failed"] += ok is not None
        elif decision == Submission.Decision.REJECT and link.auto_reject:
            record = records[sub.participant_id]
            ok = transition(
                link=link,
                sub=sub,
                client=client,
                kind=Action.Kind.REJECT,
                by=by,
                message=rejection_message(record.attention_failed, record.attention_checks),
            )
            done["rejected" if ok else "failed"] += ok is not None
    return done


def transition(
    *, link: ProlificLink, sub: Submission, client: Prolific, kind: str, message: str = "", by: str = "sync"
) -> bool | None:
    """Approve or reject `sub` once. None: nothing sent (taken before, or Prolific already shows it)."""
    target = selectors.APPROVED if kind == Action.Kind.APPROVE else selectors.REJECTED
    other = f"{Action.Kind.REJECT if kind == Action.Kind.APPROVE else Action.Kind.APPROVE}:{sub.submission_id}"
    if Action.objects.filter(link=link, key=other, state__in=[Action.State.SENT, Action.State.DONE]).exists():
        return None
    action = action_claim(
        link=link,
        key=f"{kind}:{sub.submission_id}",
        kind=kind,
        submission=sub,
        by=by,
        detail={"message": message} if message else {},
        resend=True,
    )
    if action is None:
        return None
    if sub.status == target:  # a dead worker's call went through: record it, send nothing
        action_take(action, lambda: None)
        return None
    if kind == Action.Kind.APPROVE:
        approved = action_take(action, lambda: client.submission_transition(sub.submission_id, "APPROVE"))
        if approved:
            Submission.objects.filter(pk=sub.pk).update(status=target)
        return approved
    rejected = action_take(
        action,
        lambda: client.submission_transition(
            sub.submission_id, "REJECT", message=message, rejection_category=FAILED_CHECK
        ),
    )
    if rejected:
        Submission.objects.filter(pk=sub.pk).update(status=target)
    if rejected and sub.rater_id:  # a rejected participant's votes leave the results (the researcher may include them)
        rater = Rater.objects.get(pk=sub.rater_id)
        if not rater.excluded:
            rater_exclude(rater=rater, reason=f"rejected on Prolific: {sub.reason}"[:500])
    return rejected


def _release(link: ProlificLink, sub: Submission, by: str) -> int:
    action = action_claim(
        link=link, key=f"release:{sub.submission_id}", kind=Action.Kind.RELEASE, submission=sub, by=by, resend=True
    )
    if action is None:
        return 0
    released = 0
    if sub.rater_id:
        rater = Rater.objects.get(pk=sub.rater_id)
        released = rater_leases_release(rater=rater)
        if not link.count_returned_votes and not rater.excluded:
            rater_exclude(rater=rater, reason=f"{RETURNED_REASON} ({sub.status})")
    action_take(action, lambda: None)
    Action.objects.filter(pk=action.pk).update(
        detail={"leases_released": released, "votes_count": link.count_returned_votes}
    )
    return 1
