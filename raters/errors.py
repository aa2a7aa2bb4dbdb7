"""Errors of the rater services, on top of comparisons.errors (same HTTP mapping).

Their messages are written for the rater who may read them on a page."""

from __future__ import annotations

from comparisons.errors import Conflict, InvalidInput, RowError, ServiceError


class Refused(ServiceError):
    """The request is not this rater's to make (another rater's pair, a forged invite)."""

    status = 403


class LeaseExpired(Conflict):
    """The rater kept a pair past its lease and the slot went to someone else."""


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", [RowError(None, field, reason)])


__all__ = ["Conflict", "InvalidInput", "LeaseExpired", "Refused", "invalid"]
