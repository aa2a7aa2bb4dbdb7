"""Errors raised by services and translated to HTTP by the API layer.

A `RowError` names the row (1-based; for JSON Lines the line number), the field and the
reason, so a researcher can fix an upload without guessing."""

from __future__ import annotations

from dataclasses import asdict, dataclass

MAX_REPORTED_ERRORS = 100


@dataclass(frozen=True)
class RowError:
    row: int | None
    field: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


class ServiceError(Exception):
    """Base class: `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, detail: str, errors: list[RowError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def as_dict(self) -> dict:
        body: dict = {"detail": self.detail}
        if self.errors:
            body["error_count"] = len(self.errors)
            body["errors"] = [e.as_dict() for e in self.errors[:MAX_REPORTED_ERRORS]]
        return body


class InvalidInput(ServiceError):
    status = 400


class Conflict(ServiceError):
    """The request contradicts what is stored (a different response, a closed study)."""

    status = 409
