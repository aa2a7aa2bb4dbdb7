"""Who is asking on a rater page: the study of the URL and the rater of the signed cookie,
loaded once per request and handed to the view as a typed `RaterPage`.

A rater has no Django account: a signed cookie scoped to the study's pages (path /r/{slug}/)
keeps their opaque key (`Rater.key`, random; never a database id), so a rater's request reads
no session row; the study and the rater come from one query (raters.sql.rater_with_study)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from comparisons.models import Study
from raters import sql
from raters.models import Rater

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
COOKIE = "lima_rater"


@dataclass
class RaterPage:
    """A rater page's request context: the study (never a draft) and, when the request
    carries a valid cookie for this study, its rater (with `rater.study` set)."""

    request: HttpRequest
    study: Study
    rater: Rater | None


@dataclass
class RaterRequest(RaterPage):
    """A page that needs a rater: `rater` is always set."""

    rater: Rater


def _cookie_key(request: HttpRequest) -> str | None:
    """The rater key the signed cookie carries, or None when it is missing, tampered with or
    older than SESSION_COOKIE_AGE."""
    value = request.COOKIES.get(COOKIE, "")
    try:
        key = signing.loads(value, salt="raters.rater", max_age=settings.SESSION_COOKIE_AGE) if value else None
    except signing.BadSignature:
        return None
    return key if isinstance(key, str) and 0 < len(key) <= 32 else None


def page_load(request: HttpRequest, slug: str) -> RaterPage:
    """The study of `slug` (not a draft), with the cookie's rater when it belongs to it."""
    key = _cookie_key(request)
    if key is not None:
        rater = sql.rater_with_study(key=key, slug=slug)
        if rater is not None:
            return RaterPage(request, rater.study, rater)
    study = Study.objects.exclude(status=Study.Status.DRAFT).select_related("rater_settings").filter(slug=slug).first()
    if study is None:
        raise Http404("No such study.")
    return RaterPage(request, study, None)


def _headers(response: HttpResponse) -> HttpResponse:
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def rater_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Load the study (and the cookie's rater, in the same query) by slug, call
    `view(page, ...)`, and give every answer the rater pages' headers."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        return _headers(view(page_load(request, slug), *args, **kwargs))

    return wrapped


def rater_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """As `rater_page`, for pages only a rater may see: without a valid cookie for this
    study the answer is the "no session" page (403); the view gets a `RaterRequest`."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        page = page_load(request, slug)
        if page.rater is None:
            return _headers(status_page(page, "no_session", status=403))
        return _headers(view(RaterRequest(page.request, page.study, page.rater), *args, **kwargs))

    return wrapped


def status_page(page: RaterPage, state: str, *, status: int = 200, **context: Any) -> HttpResponse:
    """The one page for every state a rater can meet (closed, full, no session, ...)."""
    return render(page.request, "raters/status.html", {"study": page.study, "state": state, **context}, status=status)


def rater_login(rater: Rater) -> HttpResponse:
    """Set the rater's cookie and send them on (to the instructions until they consent)."""
    response = redirect("raters:vote" if rater.consented_at else "raters:instructions", slug=rater.study.slug)
    response.set_cookie(
        COOKIE,
        signing.dumps(rater.key, salt="raters.rater"),
        max_age=settings.SESSION_COOKIE_AGE,
        path=f"/r/{rater.study.slug}/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response
