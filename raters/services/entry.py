"""How a rater enters a study: Prolific parameters, a signed invite link, or an anonymous
link when the study allows it. Entering twice resumes the same rater."""

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


def _get_or_create(study: Study, external_id: str, **defaults: Any) -> Rater:
    try:
        with transaction.atomic():
            return Rater.objects.get_or_create(study=study, external_id=external_id, defaults=defaults)[0]
    except IntegrityError:  # the same rater arrived twice at once
        return Rater.objects.get(study=study, external_id=external_id)


def rater_enter_prolific(*, study: Study, pid: str, prolific_study_id: str = "", session_id: str = "") -> Rater:
    """Create or resume the rater with Prolific id `pid` (PROLIFIC_PID)."""
    pid = (pid or "").strip()
    if not EXTERNAL_ID.match(pid):
        raise invalid("PROLIFIC_PID", "must be 1 to 200 letters, digits or _ . @ : -")
    for field, value in (("STUDY_ID", prolific_study_id), ("SESSION_ID", session_id)):
        if not PROLIFIC_PARAM.match(value or ""):
            raise invalid(field, "must be at most 100 letters, digits, _ or -")
    rater = _get_or_create(
        study,
        pid,
        source=Rater.Source.PROLIFIC,
        prolific_study_id=prolific_study_id or "",
        prolific_session_id=session_id or "",
    )
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
    return rater, signing.dumps({"s": study.pk, "n": name}, salt=INVITE_SALT)


def rater_enter_invite(*, study: Study, token: str) -> Rater:
    try:
        data = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature:
        raise Refused("This invite link is not valid. Please use the exact link you were sent.") from None
    if not isinstance(data, dict) or data.get("s") != study.pk or not isinstance(data.get("n"), str):
        raise Refused("This invite link is for another study.")
    return _get_or_create(study, data["n"], source=Rater.Source.INVITE, group="expert")


def rater_enter_anonymous(*, study: Study) -> Rater:
    if not rater_settings_get(study=study).allow_anonymous:
        raise Refused("This study is by invitation only. Please use the link you were given.")
    return _get_or_create(study, f"anon-{secrets.token_hex(8)}", source=Rater.Source.ANONYMOUS)


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
}


def rater_settings_update(*, study: Study, **fields: Any) -> StudyRaterSettings:
    """Change some of the study's rater settings (the caller validated each value)."""
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise invalid(sorted(unknown)[0], "is not a rater setting")
    with transaction.atomic():
        settings = rater_settings_get(study=study)
        settings = StudyRaterSettings.objects.select_for_update().get(pk=settings.pk)
        for name, value in fields.items():
            setattr(settings, name, value)
        settings.save()
    return settings
