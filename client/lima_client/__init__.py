"""lima-eval's researcher client: a typed Python client over httpx and the `lima-eval` command line.

A distribution of its own (client/pyproject.toml): it needs httpx and the standard library only,
and imports nothing of the server (an import-linter contract and tests/client check it)."""

from __future__ import annotations

from lima_client.client import ApiError, Client, ErrorItem, JobFailed

__all__ = ["ApiError", "Client", "ErrorItem", "JobFailed"]
