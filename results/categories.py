"""Reads for breakdowns: each prompt's category, or its value of a metadata key the researcher names
(metadata is uploaded with the responses: a prompt's value is that of its first response, by id,
that has the key)."""

from __future__ import annotations

import json
import re

from comparisons.models import Prompt, Response, Study

BY_PATTERN = re.compile(r"^(category|metadata\.[A-Za-z0-9_\-]{1,50})$")


def valid_by(by: str) -> bool:
    """``category`` or ``metadata.<key>`` (letters, digits, ``_`` and ``-``, at most 50)."""
    return bool(BY_PATTERN.match(by))


def prompt_labels(study: Study, by: str = "category") -> dict[int, str]:
    """Prompt id -> its category, or the text of ``metadata[key]`` of its responses for
    ``by="metadata.<key>"`` (missing values are ``""``)."""
    if not valid_by(by):
        raise ValueError("by must be category or metadata.<key>")
    if by == "category":
        return dict(Prompt.objects.filter(study=study).values_list("id", "category"))
    key = by.split(".", 1)[1]
    out: dict[int, str] = {}
    rows = Response.objects.filter(prompt__study=study).order_by("id").values_list("prompt_id", "metadata")
    for pid, metadata in rows.iterator(chunk_size=5000):
        value = metadata.get(key) if isinstance(metadata, dict) else None
        if value is not None and not out.get(pid):
            out[pid] = value if isinstance(value, str) else json.dumps(value)
    return out
