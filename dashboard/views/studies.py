from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from comparisons import services
from comparisons.errors import ServiceError
from comparisons.models import Study, UploadJob
from comparisons.selectors import jobs_for, studies_for, study_counts
from comparisons.services.receive import read_uploaded_file
from dashboard.access import own_study, researcher_required
from dashboard.charts import has_both_bad
from dashboard.forms import SettingsForm, StudyForm, UploadForm
from dashboard.judges import judge_context
from dashboard.selectors import progress_from, rater_rows, studies_votes_wanted, study_progress, study_snapshots
from dashboard.sequential import displayed_results
from prolific.selectors import link_for as prolific_link_for
from raters.models import Rater
from raters.services.entry import rater_settings_get, rater_settings_update
from raters.services.quality import rater_exclude, rater_include

CONSENT_FIELDS = ("researcher_name", "researcher_contact", "estimated_minutes", "pay", "data_use")


@researcher_required
def study_list(request: HttpRequest) -> HttpResponse:
    studies = list(studies_for(request.user).annotate(n_comparisons=Count("comparisons", distinct=True)))
    totals = studies_votes_wanted(studies)
    rows = [{"study": s, "progress": {"votes": totals[s.pk][0], "wanted": totals[s.pk][1]}} for s in studies]
    return render(request, "dashboard/study_list.html", {"rows": rows})


@researcher_required
def study_new(request: HttpRequest) -> HttpResponse:
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            study = services.study_create(owner=request.user, **form.service_arguments())  # type: ignore[arg-type]  # logged in
        except ServiceError as exc:
            for e in exc.errors:
                field = (e.field or "").split("[", 1)[0]  # "scale[1]" is the scale field's
                form.add_error(field if field in form.fields else None, e.reason)
        else:
            messages.success(request, f"Study “{study.name}” created. Upload its outputs next.")
            return redirect("dashboard:study", slug=study.slug)
    return render(request, "dashboard/study_new.html", {"form": form})


@researcher_required
def study_detail(request: HttpRequest, slug: str) -> HttpResponse:
    study = own_study(request, slug)
    results, digest, stale = study_snapshots(study)
    results = displayed_results(results, is_open=study.status == Study.Status.OPEN)
    # The chart is an <img> of its SVG download (dashboard.views.exports.chart, which writes the
    # votes' provenance into the figure): generated markup is never inlined into the page, and an
    # SVG in an <img> runs no script. No chart without headline votes.
    voted = bool(results and results["pairs"] and results["headline_votes"])
    focal = voted and study.design == Study.Design.FOCAL and study.focal_system is not None
    chart = focal or bool(voted and results and results.get("ranking"))
    chart = chart or bool(results and results.get("ratings") and results.get("headline_votes"))
    settings_form = SettingsForm(initial=_settings_initial(study))
    rater_link = request.build_absolute_uri(f"/r/{study.slug}/")
    context = {
        "study": study,
        "counts": digest["counts"] if digest is not None and not stale else study_counts(study),
        "progress": progress_from(study, digest, updating=stale),
        "results": results,
        "stale": stale,
        "chart": chart,
        "both_bad": study.offer_both_bad or bool(results and has_both_bad(results["pairs"])),
        "upload_form": UploadForm(),
        "settings_form": settings_form,
        "rater_link": rater_link,
        "prolific_link": rater_link
        + "?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}",
        "raters": rater_rows(study, digest),
        "jobs": study.upload_jobs.order_by("-created_at")[:5],
        **judge_context(request, study, results, stale),
        "prolific": prolific_link_for(study),
    }
    return render(request, "dashboard/study_detail.html", context)


def _settings_initial(study: Study) -> dict:
    s = rater_settings_get(study=study)
    return {
        "votes_per_comparison": study.votes_per_comparison,
        "guidelines": s.guidelines,
        "quota": s.quota,
        "completion_code": s.completion_code,
        "prolific_completion_url": s.prolific_completion_url,
        "allow_anonymous": s.allow_anonymous,
        "gold_rate": s.gold_rate,
        "allow_prolific": s.allow_prolific,
        "allow_invite": s.allow_invite,
        "reveal_policy": s.reveal_policy,
        **{f: getattr(s, f) for f in CONSENT_FIELDS},
    }


@researcher_required
def study_progress_panel(request: HttpRequest, slug: str) -> HttpResponse:
    study = own_study(request, slug)
    return render(request, "dashboard/_progress.html", {"study": study, "progress": study_progress(study)})


@researcher_required
@require_POST
def study_upload(request: HttpRequest, slug: str) -> HttpResponse:
    study = own_study(request, slug)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a .jsonl or .json file to upload.")
        return redirect("dashboard:study", slug=slug)
    upload = form.cleaned_data["file"]
    try:
        text, fmt = read_uploaded_file(upload)
        result = services.outputs_receive(
            study=study, user=request.user, text=text, fmt=fmt, field_name="file", replace=form.cleaned_data["replace"]
        )
    except ServiceError as exc:
        listed = "; ".join(
            f"row {e.row}: {e.field}: {e.reason}" if e.row else f"{e.field}: {e.reason}" for e in exc.errors[:10]
        )
        more = f" (and {len(exc.errors) - 10} more)" if len(exc.errors) > 10 else ""
        messages.error(request, f"Nothing was stored. {exc.detail}. {listed}{more}")
        return redirect("dashboard:study", slug=slug)
    if isinstance(result, UploadJob):
        messages.info(request, f"{result.total_rows} rows are being written by a background job.")
        return redirect("dashboard:job", pk=result.pk)
    messages.success(
        request, f"Stored: {result.created} new, {result.unchanged} unchanged, {result.replaced} replaced."
    )
    return redirect("dashboard:study", slug=slug)


@researcher_required
def job_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    job = get_object_or_404(jobs_for(request.user), pk=pk)
    template = "dashboard/_job.html" if request.GET.get("partial") else "dashboard/job.html"
    return render(request, template, {"job": job, "processed": services.upload_job_progress(job)})


@researcher_required
@require_POST
def study_state(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    study = own_study(request, slug)
    try:
        (services.study_open if action == "open" else services.study_close)(study=study)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"The study is now {'open' if action == 'open' else 'closed'}.")
    return redirect("dashboard:study", slug=slug)


@researcher_required
@require_POST
def study_settings(request: HttpRequest, slug: str) -> HttpResponse:
    study = own_study(request, slug)
    form = SettingsForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Settings not saved: " + "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()),
        )
        return redirect("dashboard:study", slug=slug)
    d = form.cleaned_data
    d["reveal_policy"] = d["reveal_policy"] or "mask"
    services.study_update(study=study, votes_per_comparison=d["votes_per_comparison"])
    rater_settings_update(
        study=study,
        **{
            f: d[f]
            for f in (
                "guidelines",
                "quota",
                "completion_code",
                "prolific_completion_url",
                "allow_anonymous",
                "gold_rate",
                "allow_prolific",
                "allow_invite",
                "reveal_policy",
                *CONSENT_FIELDS,
            )
        },
    )
    messages.success(request, "Settings saved.")
    return redirect(reverse("dashboard:study", kwargs={"slug": slug}) + "#settings")


@researcher_required
@require_POST
def rater_exclusion(request: HttpRequest, slug: str, rater_id: int, action: str) -> HttpResponse:
    study = own_study(request, slug)
    rater = get_object_or_404(Rater, study=study, pk=rater_id)
    try:
        if action == "exclude":
            rater_exclude(rater=rater, reason=request.POST.get("reason", "").strip() or "excluded from the dashboard")
        else:
            rater_include(rater=rater)
    except ServiceError as exc:  # re-including would exceed a cap (raters.services.quality)
        messages.error(request, exc.detail)
        return redirect(reverse("dashboard:study", kwargs={"slug": slug}) + "#raters")
    # As through the API: the results are refreshed by the results sweep (results.tasks), and
    # until then the page shows the last results marked as updating.
    messages.success(
        request,
        f"Rater {rater.external_id} {'excluded' if action == 'exclude' else 'included'}; "
        "the results update in a few seconds.",
    )
    return redirect(reverse("dashboard:study", kwargs={"slug": slug}) + "#raters")


@researcher_required
@require_POST
def study_systems(request: HttpRequest, slug: str) -> HttpResponse:
    study = own_study(request, slug)
    names = request.POST.get("systems", "").replace("\n", ",").split(",")
    try:
        added = services.study_add_systems(study=study, names=names)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Attached: " + ", ".join(s.name for s in added) + ".")
    return redirect("dashboard:study", slug=slug)
