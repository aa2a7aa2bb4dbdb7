"""The study page's judge part: agreement with the humans (per category), PPI++ intervals beside
the humans-only ones, biases, results per category (a table and small multiples) and the budget
planner. Reads only: the results (and their options) and the planner compute what it shows."""

from __future__ import annotations

import base64
from typing import Any

from django import forms
from django.http import HttpRequest

from comparisons.models import Study
from dashboard import charts
from judges.models import Judge
from judges.selectors import judge_status
from results.params import Params
from results.selectors import VoteFilter

MAX_SMALL_MULTIPLES = 12
ORDER_ROWS = [
    ("strict_first_order", "Strict agreement, first order (Auto-J, PandaLM)"),
    ("strict_second_order", "Strict agreement, second order"),
    ("strict_both_orders", "Strict agreement, both orders right (Auto-J)"),
    ("consistency", "Position consistency under swap (MT-Bench, Auto-J)"),
    ("biased_toward_first", "Chose the first shown in both orders"),
    ("biased_toward_second", "Chose the second shown in both orders"),
]
VOTE_ROWS = [
    ("agreement_with_ties", "Agreement with ties (MT-Bench)"),
    ("agreement_without_ties", "Agreement without ties (MT-Bench)"),
    ("tie_discounted_accuracy", "Tie-discounted accuracy (LIMA)"),
    ("cohens_kappa", "Cohen's κ"),
    ("weighted_kappa_linear", "Cohen's κ, linear weights (loss < tie < win)"),
]


class BudgetForm(forms.Form):
    half_width = forms.FloatField(min_value=0.001, max_value=0.5, initial=0.03, label="Target half-width")
    price_per_human_vote = forms.FloatField(min_value=0, label="Price per human vote")
    price_per_judge_call = forms.FloatField(
        min_value=0, required=False, label="Price per judge call (empty: the judges' mean cost)"
    )


def _agreement_rows(entry: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Rows of metric x (study, each category): each cell an interval dict or None."""
    scopes = [("All", entry)] + sorted((entry.get("by_category") or {}).items())
    rows = []
    for part, names in (("orders", ORDER_ROWS), ("votes", VOTE_ROWS)):
        for key, label in names:
            cells = [(scope.get(part) or {}).get(key) for _name, scope in scopes]
            if any(c is not None for c in cells):
                rows.append({"label": label, "cells": cells})
    return [name for name, _ in scopes], rows


def judge_runs(study: Study) -> list[dict[str, Any]]:
    """Each judge's calls by state and the reasons of its failed calls, grouped (the same reasons
    `lima-eval judge-run --wait` prints): a judge whose calls all fail is loud on the page too."""
    runs = []
    for judge in Judge.objects.filter(study=study).order_by("name"):
        status = judge_status(judge)
        if status["calls"]:
            runs.append({"name": judge.name, "model": judge.model, "status": status})
    return runs


def judge_context(request: HttpRequest, study: Study, results: dict[str, Any] | None, stale: bool) -> dict[str, Any]:
    runs = judge_runs(study)
    if not results:
        return {"judge_runs": runs}
    judges = [
        {"entry": e, **dict(zip(("scopes", "rows"), _agreement_rows(e), strict=True))}
        for e in results.get("judges", [])
    ]
    ppi_pairs = [p for p in results.get("pairs", []) if "ppi" in p.get("intervals", {})]
    from results.options import results_options_stored  # noqa: PLC0415  (numpy loads here, not with the URLs)

    options = results_options_stored(  # as stored with the default results (pages read snapshots only)
        study=study, params=Params(seed=study.seed), filters=VoteFilter(), by="category"
    )
    by_category = options["breakdown"] if options is not None else {"groups": []}
    multiples = []
    focal = study.focal_system
    if study.design == Study.Design.FOCAL and focal is not None and len(by_category["groups"]) > 1:
        for group in by_category["groups"][:MAX_SMALL_MULTIPLES]:
            if any(p["counts"]["n"] for p in group["pairs"]):
                multiples.append(
                    {
                        "value": group["value"],
                        # An <img> of the SVG (a data URI): generated markup is never inlined into
                        # the page, and an SVG in an <img> runs no script (the CSP allows data: images).
                        "src": "data:image/svg+xml;base64,"
                        + base64.b64encode(
                            charts.figure1(
                                group["pairs"],
                                focal.name,
                                title=f"{group['value']} ({group['headline_votes']} votes)",
                            )
                        ).decode("ascii"),
                    }
                )
    form = BudgetForm(request.GET if "price_per_human_vote" in request.GET else None)
    plan = None
    if form.is_bound and form.is_valid():
        from judges.budget import budget_plan  # noqa: PLC0415  (numpy loads here, not with the URLs)

        plan = budget_plan(study=study, **form.cleaned_data)
    return {
        "judge_runs": runs,
        "judges": judges,
        "ppi_pairs": ppi_pairs,
        "by_category": by_category,
        "small_multiples": multiples,
        "budget_form": form,
        "budget": plan,
    }
