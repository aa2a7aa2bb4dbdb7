"""The rater pages under /r/{slug}/ before voting: entry and consent. Thin views over
raters.services; the request context (study, rater) comes from raters.access.

Pages carry nothing that names a system or a database id; a pair is named by its
assignment's token."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from comparisons.errors import InvalidInput
from comparisons.models import Study
from raters import services
from raters.access import RaterPage, RaterRequest, rater_login, rater_page, rater_required, status_page
from raters.consent import consent_facts
from raters.db_retry import retry_on_dropped_connection
from raters.errors import Refused
from raters.models import default_guidelines
from raters.rendering import render_markdown
from raters.services.ratelimit import client_address


@require_http_methods(["GET", "POST"])
@retry_on_dropped_connection
@rater_page
def start(page: RaterPage) -> HttpResponse:
    study, request = page.study, page.request
    if study.status != Study.Status.OPEN:
        return status_page(page, "closed")
    pid = request.GET.get("PROLIFIC_PID")
    try:
        if pid is not None:
            return rater_login(
                services.rater_enter_prolific(
                    study=study,
                    pid=pid,
                    prolific_study_id=request.GET.get("STUDY_ID", ""),
                    session_id=request.GET.get("SESSION_ID", ""),
                    address=client_address(request),
                )
            )
        if request.method == "POST":
            return rater_login(services.rater_enter_anonymous(study=study, address=client_address(request)))
    except InvalidInput as exc:
        return status_page(page, "bad_link", status=400, reason=exc.detail)
    except Refused as exc:
        return status_page(page, "no_entry", status=exc.status, reason=exc.detail)
    if page.rater is not None:
        return rater_login(page.rater)
    allowed = services.rater_settings_get(study=study).allow_anonymous
    return render(
        request, "raters/start.html", {"study": study, "allow_anonymous": allowed}, status=200 if allowed else 403
    )


@require_http_methods(["GET"])
@retry_on_dropped_connection
@rater_page
def invite(page: RaterPage, token: str) -> HttpResponse:
    if page.study.status != Study.Status.OPEN:
        return status_page(page, "closed")
    try:
        return rater_login(services.rater_enter_invite(study=page.study, token=token))
    except Refused as exc:
        return status_page(page, "no_entry", status=403, reason=exc.detail)


@require_http_methods(["GET", "POST"])
@retry_on_dropped_connection
@rater_required
def instructions(page: RaterRequest) -> HttpResponse:
    study, request = page.study, page.request
    error = ""
    if request.method == "POST":
        if request.POST.get("consent") == "yes":
            services.rater_consent(rater=page.rater)
            return redirect("raters:vote", slug=study.slug)
        error = "Please tick the box to say you agree before you start."
    settings = services.rater_settings_get(study=study)
    context = {
        "study": study,
        "settings": settings,
        "error": error,
        "consent": consent_facts(study=study, settings=settings),
        "guidelines": render_markdown(settings.guidelines or default_guidelines(study)),
    }
    return render(request, "raters/instructions.html", context, status=400 if error else 200)
