"""Per-prompt drill-down: both responses unblinded for the researcher, every vote."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from comparisons.models import Comparison, Prompt, Study
from dashboard.access import own_study, researcher_required

OUTCOMES = {"win": "focal wins", "tie": "tie", "loss": "focal loses"}


def _focal_majority(votes: list, focal_id: int | None) -> str | None:
    """The focal system's outcome on a comparison by majority of its votes (split = tie)."""
    if not votes or focal_id is None:
        return None
    score = {"win": 0, "tie": 0, "loss": 0}
    for v in votes:
        score["tie" if v.winner_id is None else "win" if v.winner_id == focal_id else "loss"] += 1
    top = max(score.values())
    leaders = [k for k, n in score.items() if n == top]
    return leaders[0] if len(leaders) == 1 else "tie"


def _with_outcomes(comparisons: QuerySet[Comparison], study: Study) -> list[Any]:
    """The comparisons with their votes, each given `outcome` (the focal system's majority)."""
    out: list[Any] = list(comparisons.prefetch_related("votes"))
    for c in out:
        c.outcome = _focal_majority([v for v in c.votes.all() if not v.is_gold], study.focal_system_id)
    return out


@researcher_required
def prompt_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = own_study(request, slug)
    prompts = Prompt.objects.filter(study=study).order_by("id")
    category, baseline, outcome, q = (request.GET.get(k, "").strip() for k in ("category", "baseline", "outcome", "q"))
    if category:
        prompts = prompts.filter(category=category)
    if q:
        prompts = prompts.filter(
            Q(text__icontains=q) | Q(external_id__icontains=q) | Q(responses__text__icontains=q)
        ).distinct()
    comparisons = Comparison.objects.filter(study=study).select_related(
        "left_response__system", "right_response__system"
    )
    if baseline:
        comparisons = comparisons.filter(
            Q(left_response__system__name=baseline) | Q(right_response__system__name=baseline)
        )
        prompts = prompts.filter(id__in=comparisons.values("prompt_id"))
    if outcome:  # a majority of votes per comparison: only this filter needs every prompt's votes
        prompts = prompts.filter(
            id__in=[
                c.prompt_id
                for c in _with_outcomes(comparisons.filter(prompt__in=prompts), study)
                if c.outcome == outcome
            ]
        )
    page = Paginator(prompts, 50).get_page(request.GET.get("page"))
    by_prompt: dict[int, list] = {}
    for c in _with_outcomes(comparisons.filter(prompt__in=[p.id for p in page]), study):
        if not outcome or c.outcome == outcome:
            by_prompt.setdefault(c.prompt_id, []).append(c)
    rows = [{"prompt": p, "comparisons": by_prompt.get(p.id, [])} for p in page]
    context = {
        "study": study,
        "page": page,
        "rows": rows,
        "outcomes": OUTCOMES,
        "categories": Prompt.objects.filter(study=study)
        .exclude(category="")
        .values_list("category", flat=True)
        .distinct()
        .order_by("category"),
        "baselines": study.systems.exclude(pk=study.focal_system_id).values_list("name", flat=True).order_by("name"),
        "filters": {"category": category, "baseline": baseline, "outcome": outcome, "q": q},
    }
    return render(request, "dashboard/prompt_list.html", context)


@researcher_required
def prompt_detail(request: HttpRequest, slug: str, prompt_id: int) -> HttpResponse:
    study = own_study(request, slug)
    prompt = get_object_or_404(Prompt, study=study, pk=prompt_id)
    comparisons = (
        Comparison.objects.filter(prompt=prompt)
        .select_related("left_response__system", "right_response__system")
        .prefetch_related("votes__rater", "votes__winner", "votes__shown_left__system")
    )
    return render(
        request, "dashboard/prompt_detail.html", {"study": study, "prompt": prompt, "comparisons": comparisons}
    )
