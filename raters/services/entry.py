"""How a rater enters a study: Prolific parameters, a signed invite link, or an anonymous
link, each only when the study allows that path (StudyRaterSettings.allow_prolific,
allow_invite, allow_anonymous). Entering twice resumes the same rater.

A URL parameter never reaches a rater of another source: a Prolific id resolves only to a
rater of source Prolific (never an invited expert, an imported rater or an LLM judge), and
an invite link names its rater by an opaque key, not by name or database id. A new rater
from a client address counts against LIMA_RATER_ENTRIES_PER_ADDRESS (ratelimit.py)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from comparisons.models import Study
from raters.errors import Refused, invalid
from raters.models import Rater, StudyRaterSettings
from raters.services.coverage import coverage_hold_apply
from raters.services.ratelimit import entry_take

INVITE_SALT = "raters.invite"
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_.@:-]{1,200}$")
PROLIFIC_PARAM = re.compile(r"^[A-Za-z0-9_-]{0,100}$")


def rater_settings_get(*, study: Study) -> StudyRaterSettings:
    """The study's rater settings, created with defaults the first time."""
    try:
        return study.rater_settings
    except StudyRaterSettings.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return StudyRaterSettings.objects.get_or_create(study=study)[0]
    except IntegrityError:  # created by a concurrent request
        return StudyRaterSettings.objects.get(study=study)


NO_PATH = "This link cannot be used to join this study. Please use the link you were given."


def _get_or_create(study: Study, external_id: str, *, address: str | None = None, **defaults: Any) -> Rater:
    """The study's rater `external_id`, created (and counted against `address`) when new."""
    found = Rater.objects.filter(study=study, external_id=external_id).first()
    if found is not None:
        return found
    entry_take(address=address)
    try:
        with transaction.atomic():
            return Rater.objects.get_or_create(study=study, external_id=external_id, defaults=defaults)[0]
    except IntegrityError:  # the same rater arrived twice at once
        return Rater.objects.get(study=study, external_id=external_id)


def rater_enter_prolific(
    *, study: Study, pid: str, prolific_study_id: str = "", session_id: str = "", address: str | None = None
) -> Rater:
    """Create or resume the Prolific rater with id `pid` (PROLIFIC_PID), if the study takes
    Prolific entries; a rater of any other source with that id is never returned."""
    pid = (pid or "").strip()
    if not PROLIFIC_PARAM.match(pid) or not pid:
        raise invalid("PROLIFIC_PID", "must be 1 to 100 letters, digits, _ or -")
    for field, value in (("STUDY_ID", prolific_study_id), ("SESSION_ID", session_id)):
        if not PROLIFIC_PARAM.match(value or ""):
            raise invalid(field, "must be at most 100 letters, digits, _ or -")
    if not rater_settings_get(study=study).allow_prolific:
        raise Refused(NO_PATH)
    rater = _get_or_create(
        study,
        pid,
        address=address,
        source=Rater.Source.PROLIFIC,
        prolific_study_id=prolific_study_id or "",
        prolific_session_id=session_id or "",
    )
    if rater.source != Rater.Source.PROLIFIC:
        raise Refused(NO_PATH)
    if session_id and rater.prolific_session_id != session_id:
        Rater.objects.filter(pk=rater.pk).update(prolific_session_id=session_id)
        rater.prolific_session_id = session_id
    return rater


def invite_create(*, study: Study, name: str, group: str = "expert") -> tuple[Rater, str]:
    """A named rater and the signed token of their invite link (/r/{slug}/i/{token}/)."""
    name = (name or "").strip()
    if not EXTERNAL_ID.match(name):
        raise invalid("name", "must be 1 to 200 letters, digits or _ . @ : -")
    rater = _get_or_create(study, name, source=Rater.Source.INVITE, group=group)
    if rater.source != Rater.Source.INVITE:
        raise invalid("name", f"{name!r} is already a rater of another kind in this study")
    return rater, invite_token(rater)


def invite_token(rater: Rater) -> str:
    """The signed token of a rater's invite link: their opaque key, no id or name."""
    return signing.dumps({"k": rater.key}, salt=INVITE_SALT)


def rater_enter_invite(*, study: Study, token: str) -> Rater:
    """The invited rater of `token`, if the study takes invite links. Links made before keys
    (signed {"s": study id, "n": name}) still open their rater."""
    try:
        data = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature:
        raise Refused("This invite link is not valid. Please use the exact link you were sent.") from None
    if not rater_settings_get(study=study).allow_invite:
        raise Refused(NO_PATH)
    rater = None
    if isinstance(data, dict) and isinstance(data.get("k"), str):
        rater = Rater.objects.filter(study=study, key=data["k"], source=Rater.Source.INVITE).first()
    elif isinstance(data, dict) and data.get("s") == study.pk and isinstance(data.get("n"), str):
        rater = Rater.objects.filter(study=study, external_id=data["n"], source=Rater.Source.INVITE).first()
    if rater is None:
        raise Refused("This invite link is for another study.")
    return rater


def rater_enter_anonymous(*, study: Study, address: str | None = None) -> Rater:
    if not rater_settings_get(study=study).allow_anonymous:
        raise Refused("This study is by invitation only. Please use the link you were given.")
    return _get_or_create(study, f"anon-{secrets.token_hex(8)}", address=address, source=Rater.Source.ANONYMOUS)


def rater_consent(*, rater: Rater) -> Rater:
    if rater.consented_at is None:
        now = timezone.now()
        Rater.objects.filter(pk=rater.pk, consented_at=None).update(consented_at=now)
        rater.refresh_from_db(fields=["consented_at"])
    return rater


SETTINGS_FIELDS = {
    "guidelines",
    "quota",
    "completion_code",
    "prolific_completion_url",
    "allow_anonymous",
    "lease_minutes",
    "gold_rate",
    "min_median_seconds",
    "min_gold_accuracy",
    "allow_prolific",
    "allow_invite",
    "reveal_policy",
}


def rater_settings_update(*, study: Study, **fields: Any) -> StudyRaterSettings:
    """Change some of the study's rater settings (the caller validated each value)."""
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise invalid(sorted(unknown)[0], "is not a rater setting")
    with transaction.atomic():
        settings = rater_settings_get(study=study)
        settings = StudyRaterSettings.objects.select_for_update().get(pk=settings.pk)
        policy = settings.reveal_policy
        for name, value in fields.items():
            setattr(settings, name, value)
        settings.save()
        if settings.reveal_policy != policy:
            coverage_hold_apply(study_id=study.pk)
    return settings
