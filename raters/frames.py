"""A rater page rendered from a cached frame: the template rendered once per process with
markers in place of the values that change on every request (the pair, its token, the
position, the CSRF token), then, on each request, the frame's pieces joined with those
values escaped as the template would escape them (issue 13: Django's template engine was a
fifth of a vote cycle's CPU; joining a frame costs a tenth of rendering it).

Only for plain `{{ name }}` uses of the changing values (no filter, no `{% if %}` on them):
tests/raters/test_frames.py renders each page that uses a frame both ways and compares them
byte for byte. Everything else in the context (the study, the choices, the quota, ...) is
part of the frame's key, so a change to a study makes a new frame; the cache is bounded."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

_NONCE = secrets.token_hex(8)  # markers no text of a study can guess
_FRAMES: OrderedDict[tuple, list[str]] = OrderedDict()
MAX_FRAMES = 256
_LOCK = threading.Lock()  # a threaded server (runserver) shares the cache between requests
CSRF = "csrf_token"


def _marker(name: str) -> str:
    return f"lima{_NONCE}{name}lima"


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a context value: a model by its class and field values."""
    if isinstance(value, Model):
        fields = value._meta.concrete_fields
        return (type(value), tuple(_frozen(value.__dict__.get(f.attname)) for f in fields))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _frame(request: HttpRequest, template: str, fixed: dict[str, Any], changing: tuple[str, ...]) -> list[str]:
    """The template's output split at the markers: text, value, text, value, ..., text (the
    odd items name the value that goes there)."""
    key = (template, changing, _frozen(fixed))
    with _LOCK:
        frame = _FRAMES.get(key)
        if frame is not None:
            _FRAMES.move_to_end(key)
            return frame
    markers = {name: mark_safe(_marker(name)) for name in (*changing, CSRF)}  # noqa: S308 - letters and digits
    html = get_template(template).render(fixed | markers, request)
    frame = [html]
    for name in markers:
        pieces: list[str] = []
        for i, part in enumerate(frame):
            if i % 2:  # a value's name: kept
                pieces.append(part)
                continue
            split = part.split(_marker(name))
            for j, text in enumerate(split):
                if j:
                    pieces.append(name)
                pieces.append(text)
        frame = pieces
    with _LOCK:
        _FRAMES[key] = frame
        if len(_FRAMES) > MAX_FRAMES:
            _FRAMES.popitem(last=False)
    return frame


def render_framed(
    request: HttpRequest, template: str, context: dict[str, Any], changing: tuple[str, ...], *, status: int = 200
) -> HttpResponse:
    """As `django.shortcuts.render(request, template, context, status=status)`, with the
    values named in `changing` (and the CSRF token) filled into a cached frame."""
    fixed = {k: v for k, v in context.items() if k not in changing}
    values = {name: conditional_escape(context[name]) for name in changing}
    values[CSRF] = conditional_escape(get_token(request))
    frame = _frame(request, template, fixed, changing)
    return HttpResponse(
        "".join(values[part] if i % 2 else part for i, part in enumerate(frame)),
        status=status,
    )
