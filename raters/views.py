"""The rater pages under /r/{slug}/: thin views over raters.services.

A rater has no Django account: the session keeps their rater id per study. Pages carry
nothing that names a system or a database id; a pair is named by its assignment's token."""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from comparisons.errors import InvalidInput
from comparisons.models import Study
from raters import services
from raters.errors import Refused
from raters.models import LIMA_FRAMING, Rater
from raters.rendering import render_markdown

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")


def rater_page(view):
    """Look the study up by slug, and give every answer the rater pages' headers."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        study = get_object_or_404(Study.objects.exclude(status=Study.Status.DRAFT).select_related("rater_settings"), slug=slug)
        response = view(request, study, *args, **kwargs)
        response["Content-Security-Policy"] = CSP
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapped


def _key(study: Study) -> str:
    return f"raters:rater:{study.pk}"


def _login(request: HttpRequest, rater: Rater) -> HttpResponse:
    request.session[_key(rater.study)] = rater.pk
    request.session.cycle_key()
    return redirect("raters:vote" if rater.consented_at else "raters:instructions", slug=rater.study.slug)


def _rater(request: HttpRequest, study: Study) -> Rater | None:
    pk = request.session.get(_key(study))
    rater = Rater.objects.filter(pk=pk, study=study).first() if pk else None
    if rater is not None:
        rater.study = study  # loaded with the request; the services use it as is
    return rater


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
                session_id=request.GET.get("SESSION_ID", "")))
        if request.method == "POST":
            return _login(request, services.rater_enter_anonymous(study=study))
    except InvalidInput as exc:
        return _status(request, study, "bad_link", status=400, reason=exc.detail)
    except Refused as exc:
        return _status(request, study, "no_entry", status=403, reason=exc.detail)
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
