"""Linking a study to a Prolific study: the Prolific study must open our rater URL with
Prolific's placeholders and know our completion code, or completions break (Potato's issue
150: a wrong completion URL failed every participant). The link checks both, fixes them on
Prolific when allowed (`fix`), and refuses with a message naming what differs otherwise."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db import transaction

from comparisons.errors import Conflict
from comparisons.models import Study
from prolific.client import Prolific, ProlificError
from prolific.models import Action, ProlificLink
from raters.errors import invalid
from raters.services import rater_settings_get, rater_settings_update

PLACEHOLDERS = {"PROLIFIC_PID": "{{%PROLIFIC_PID%}}", "STUDY_ID": "{{%STUDY_ID%}}", "SESSION_ID": "{{%SESSION_ID%}}"}
COMPLETION_URL = "https://app.prolific.com/submissions/complete"
POLICIES = {
    "count_returned_votes",
    "auto_approve",
    "auto_reject",
    "manage_places",
    "bonus_per_vote",
    "bonus_per_gold_correct",
}


def study_url(rater_url: str) -> str:
    """The URL to paste into Prolific: our rater URL with Prolific's three placeholders."""
    return rater_url + "?" + "&".join(f"{k}={v}" for k, v in PLACEHOLDERS.items())


def url_matches(external_url: str, rater_url: str) -> bool:
    got, want = urlsplit(external_url or ""), urlsplit(rater_url)
    if (got.scheme, got.netloc, got.path.rstrip("/")) != (want.scheme, want.netloc, want.path.rstrip("/")):
        return False
    query = parse_qs(got.query, keep_blank_values=True)
    return all(query.get(k) == [v] for k, v in PLACEHOLDERS.items())


def codes_of(data: dict) -> list[dict]:
    codes = data.get("completion_codes")
    if isinstance(codes, list):
        return [c for c in codes if isinstance(c, dict)]
    return [{"code": data["completion_code"], "code_type": "COMPLETED"}] if data.get("completion_code") else []


def code_matches(data: dict, code: str) -> bool:
    return any(c.get("code") == code and c.get("code_type", "COMPLETED") == "COMPLETED" for c in codes_of(data))


def _problems(data: dict, rater_url: str, code: str) -> list[str]:
    problems = []
    if not url_matches(str(data.get("external_study_url") or ""), rater_url):
        problems.append(f"its study URL is {data.get('external_study_url')!r}, ours is {study_url(rater_url)!r}")
    if not code_matches(data, code):
        problems.append(f"it has no completion code {code!r} of type COMPLETED (ours)")
    return problems


def _fix(client: Prolific, study_id: str, data: dict, rater_url: str, code: str) -> dict:
    changes: dict = {}
    if not url_matches(str(data.get("external_study_url") or ""), rater_url):
        changes["external_study_url"] = study_url(rater_url)
    if not code_matches(data, code):
        others = [c for c in codes_of(data) if c.get("code_type") != "COMPLETED"]
        changes["completion_codes"] = [
            *others,
            {"code": code, "code_type": "COMPLETED", "actions": [{"action": "MANUALLY_REVIEW"}]},
        ]
    client.study_update(study_id, **changes)
    return client.study(study_id)


def _check_policies(policies: dict[str, object]) -> None:
    unknown = set(policies) - POLICIES
    if unknown:
        raise invalid(min(unknown), "is not a Prolific policy")
    for name in ("bonus_per_vote", "bonus_per_gold_correct"):
        if name in policies and Decimal(str(policies[name])) < 0:
            raise invalid(name, "must not be negative")


def _read(client: Prolific, prolific_study_id: str) -> dict[str, Any]:
    try:
        return client.study(prolific_study_id)
    except ProlificError as exc:
        if exc.status in (403, 404):
            raise invalid(
                "study_id", f"Prolific has no study {prolific_study_id!r} this token may read ({exc.message})"
            ) from None
        raise Conflict(f"Could not read the Prolific study: {exc.message}") from None


def _fix_or_refuse(
    client: Prolific, study_id: str, data: dict[str, Any], rater_url: str, code: str, problems: list[str], *, fix: bool
) -> dict[str, Any]:
    """The study as fixed on Prolific, or a Conflict naming what differs (and Prolific's refusal)."""
    broken = "The Prolific study would break completions: " + "; ".join(problems)
    if not fix:
        raise Conflict(broken + ". Fix it in Prolific, or link with fix=true.")
    try:
        data = _fix(client, study_id, data, rater_url, code)
    except ProlificError as exc:
        raise Conflict(
            broken + f". Prolific refused the fix ({exc.message}); set them by hand in Prolific and link again."
        ) from None
    left = _problems(data, rater_url, code)
    if left:
        raise Conflict("Prolific accepted the fix but the study still differs: " + "; ".join(left))
    return data


def link_set(
    *,
    study: Study,
    prolific_study_id: str,
    rater_url: str,
    fix: bool = True,
    by: str = "",
    client: Prolific | None = None,
    **policies: object,
) -> ProlificLink:
    """Link (or relink) `study` to Prolific's study `prolific_study_id` with `policies`.
    Reads the Prolific study; a wrong URL or completion code is fixed on Prolific (`fix`) or
    refused with a Conflict naming both values. Nothing is stored unless the check passes."""
    _check_policies(policies)
    client = client or Prolific()
    code = rater_settings_get(study=study).completion_code
    data = _read(client, prolific_study_id)
    problems = _problems(data, rater_url, code)
    check = ProlificLink.Check.OK
    if problems:
        data = _fix_or_refuse(client, prolific_study_id, data, rater_url, code, problems, fix=fix)
        check = ProlificLink.Check.FIXED
    with transaction.atomic():
        if ProlificLink.objects.filter(prolific_study_id=prolific_study_id).exclude(study=study).exists():
            raise Conflict(f"Prolific study {prolific_study_id!r} is linked to another study.")
        link, _ = ProlificLink.objects.update_or_create(
            study=study,
            defaults={
                "prolific_study_id": prolific_study_id,
                "rater_url": rater_url,
                "url_check": check,
                "prolific_status": str(data.get("status") or ""),
                **policies,
                **({"created_by": by} if by else {}),
            },
        )
        if check == ProlificLink.Check.FIXED:
            Action.objects.create(
                link=link,
                key=f"fix:{link.actions.count() + 1}",
                kind=Action.Kind.FIX,
                state=Action.State.DONE,
                detail={"problems": problems},
                by=by or "link",
            )
        if not rater_settings_get(study=study).prolific_completion_url:
            rater_settings_update(study=study, prolific_completion_url=COMPLETION_URL)
    return link
