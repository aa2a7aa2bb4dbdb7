"""The rater pages under /r/{slug}/: thin views over raters.services.

A rater has no Django account: a signed cookie scoped to the study's pages (path /r/{slug}/)
keeps their opaque key (never a database id), so a rater's request reads no session row;
the study and the rater come from one query. Pages carry nothing that names a system or a database id; a pair is
named by its assignment's token."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from comparisons.errors import InvalidInput
from comparisons.models import Study
from raters import services, sql
from raters.errors import Refused
from raters.models import LIMA_FRAMING, Rater
from raters.rendering import render_markdown
from raters.services.ratelimit import client_address

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")


COOKIE = "lima_rater"


def rater_page(view):
    """Look the study (and the rater of the cookie, in the same query) up by slug, and give
    every answer the rater pages' headers."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        study = _load(request, slug)
        response = view(request, study, *args, **kwargs)
        response["Content-Security-Policy"] = CSP
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapped


def _cookie_rater_key(request: HttpRequest) -> str | None:
    """The rater key the signed cookie carries, or None when it is missing, tampered with or
    older than SESSION_COOKIE_AGE."""
    value = request.COOKIES.get(COOKIE, "")
    try:
        key = signing.loads(value, salt="raters.rater", max_age=settings.SESSION_COOKIE_AGE) if value else None
    except signing.BadSignature:
        return None
    return key if isinstance(key, str) and 0 < len(key) <= 32 else None


def _load(request: HttpRequest, slug: str) -> Study:
    """The study of `slug` (not a draft), with the cookie's rater when it belongs to it."""
    request.rater = None
    key = _cookie_rater_key(request)
    if key is not None:
        rater = sql.rater_with_study(key=key, slug=slug)
        if rater is not None:
            request.rater = rater
            return rater.study
    study = Study.objects.exclude(status=Study.Status.DRAFT).select_related("rater_settings").filter(slug=slug).first()
    if study is None:
        raise Http404("No such study.")
    return study


def _login(request: HttpRequest, rater: Rater) -> HttpResponse:
    response = redirect("raters:vote" if rater.consented_at else "raters:instructions", slug=rater.study.slug)
    response.set_cookie(
        COOKIE, signing.dumps(rater.key, salt="raters.rater"), max_age=settings.SESSION_COOKIE_AGE,
        path=f"/r/{rater.study.slug}/", secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )
    return response


def _rater(request: HttpRequest, study: Study) -> Rater | None:
    """The rater whose signed cookie came with this request, if it is one of `study`'s."""
    rater = getattr(request, "rater", None)
    if rater is not None and rater.study_id == study.pk:
        rater.study = study  # loaded with the request; the services use it as is
        return rater
    return None


def _status(request: HttpRequest, study: Study, state: str, *, status: int = 200, **context) -> HttpResponse:
    return render(request, "raters/status.html", {"study": study, "state": state, **context}, status=status)


@rater_page
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, study: Study) -> HttpResponse:
    if study.status != Study.Status.OPEN:
        return _status(request, study, "closed")
    pid = request.GET.get("PROLIFIC_PID")
    try:
        if pid is not None:
            return _login(request, services.rater_enter_prolific(
                study=study, pid=pid, prolific_study_id=request.GET.get("STUDY_ID", ""),
                session_id=request.GET.get("SESSION_ID", ""), address=client_address(request)))
        if request.method == "POST":
            return _login(request, services.rater_enter_anonymous(study=study, address=client_address(request)))
    except InvalidInput as exc:
        return _status(request, study, "bad_link", status=400, reason=exc.detail)
    except Refused as exc:
        return _status(request, study, "no_entry", status=exc.status, reason=exc.detail)
    if (rater := _rater(request, study)) is not None:
        return _login(request, rater)
    allowed = services.rater_settings_get(study=study).allow_anonymous
    return render(request, "raters/start.html", {"study": study, "allow_anonymous": allowed}, status=200 if allowed else 403)


@rater_page
@require_http_methods(["GET"])
def invite(request: HttpRequest, study: Study, token: str) -> HttpResponse:
    if study.status != Study.Status.OPEN:
        return _status(request, study, "closed")
    try:
        return _login(request, services.rater_enter_invite(study=study, token=token))
    except Refused as exc:
        return _status(request, study, "no_entry", status=403, reason=exc.detail)


@rater_page
@require_http_methods(["GET", "POST"])
def instructions(request: HttpRequest, study: Study) -> HttpResponse:
    rater = _rater(request, study)
    if rater is None:
        return _status(request, study, "no_session", status=403)
    error = ""
    if request.method == "POST":
        if request.POST.get("consent") == "yes":
            services.rater_consent(rater=rater)
            return redirect("raters:vote", slug=study.slug)
        error = "Please tick the box to say you agree before you start."
    settings = services.rater_settings_get(study=study)
    context = {"study": study, "settings": settings, "error": error,
               "guidelines": render_markdown(settings.guidelines or LIMA_FRAMING)}
    return render(request, "raters/instructions.html", context, status=400 if error else 200)
