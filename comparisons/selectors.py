"""Reads that feed the API and pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from comparisons.models import Comparison, Prompt, Response, Study, UploadJob


def studies_for(user: Any) -> QuerySet[Study]:
    qs = Study.objects.select_related("owner", "focal_system").prefetch_related("systems")
    return qs if user.is_superuser else qs.filter(owner=user)


def study_owned(user: Any, slug: str) -> Study:
    """The one "own study" lookup of the researcher API and the dashboard: the study `slug`
    if `user` owns it (a superuser owns every study), else 404 — never 403, so another
    researcher's study cannot even be confirmed to exist."""
    return get_object_or_404(studies_for(user), slug=slug)


def jobs_for(user: Any) -> QuerySet[UploadJob]:
    qs = UploadJob.objects.select_related("study")
    return qs if user.is_superuser else qs.filter(study__owner=user)


def revealing_responses(study: Study) -> QuerySet[Response]:
    """The study's responses flagged at upload as revealing their author (comparisons/reveal.py)."""
    return (
        Response.objects.filter(prompt__study=study)
        .exclude(reveals=[])
        .select_related("prompt", "system")
        .order_by("id")
    )


def study_counts(study: Study) -> dict:
    """Prompts, responses per system, comparisons (the design's, in all and per pair; gold
    pairs and attention checks apart) and missing responses: the number of (prompt, study
    system) combinations without a response."""
    systems = dict(study.systems.values_list("id", "name"))
    prompts = Prompt.objects.filter(study=study).count()
    per_system = dict(
        Response.objects.filter(prompt__study=study, system_id__in=systems)
        .values_list("system_id")
        .annotate(n=Count("id"))
        .values_list("system_id", "n")
    )
    responses = {
        name: per_system.get(system_id, 0) for system_id, name in sorted(systems.items(), key=lambda kv: kv[1])
    }
    comparisons = Comparison.objects.filter(study=study)
    per_pair = dict(  # the design's pairs; gold pairs and attention checks are counted apart
        comparisons.filter(gold__isnull=True)
        .values_list("pair_key")
        .annotate(n=Count("id"))
        .values_list("pair_key", "n")
    )
    comparisons_by_pair = []
    for key, n in sorted(per_pair.items()):
        ids = [int(x) for x in key.split(":")]  # a rating item's key names one system
        comparisons_by_pair.append({"systems": [systems.get(i) for i in ids], "comparisons": n})
    return {
        "prompts": prompts,
        "responses": responses,
        "revealing_responses": revealing_responses(study).count(),
        "comparisons": sum(per_pair.values()),
        "comparisons_by_pair": comparisons_by_pair,
        "gold_comparisons": comparisons.filter(gold__isnull=False).count(),
        "missing_responses": prompts * len(systems) - sum(responses.values()),
    }
