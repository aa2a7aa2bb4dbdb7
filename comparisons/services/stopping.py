"""A study's stopping rules (comparisons.stats.stopping): validated here, stored canonical."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from comparisons.errors import InvalidInput, RowError
from comparisons.models import Study


def stopping_setting(value: Any) -> list[dict[str, Any]] | None:
    """The canonical stored form of a ``stopping`` setting (a list of rules, or None for no
    rules); a bad setting raises InvalidInput naming the field (e.g. ``stopping.half_width``)."""
    # The statistics package loads numpy: imported here, not with the URLs (manage.py start-up).
    from comparisons.stats.stopping import StoppingError, parse_stopping  # noqa: PLC0415

    try:
        rules = parse_stopping(value)
    except StoppingError as error:
        raise InvalidInput(f"{error.field}: {error.reason}", [RowError(None, error.field, error.reason)]) from None
    return rules.as_setting() or None


def study_set_stopping(*, study: Study, stopping: Any) -> Study:
    """Set (or with None, remove) a study's stopping rules. Pairs already settled stay settled:
    their verdicts are final under the rules they settled by."""
    setting = stopping_setting(stopping)
    with transaction.atomic():
        Study.objects.filter(pk=study.pk).update(stopping=setting)
    study.refresh_from_db()
    return study
