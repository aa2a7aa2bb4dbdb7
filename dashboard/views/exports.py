"""Downloads: the headline chart as SVG or PNG, the results per pair as CSV."""

from __future__ import annotations

import csv
import io
import json

from django.http import Http404, HttpRequest, HttpResponse

from comparisons.models import Study
from dashboard import charts
from dashboard.access import own_study, researcher_required
from dashboard.selectors import study_results
from results.schema import pair_rows

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@researcher_required
def chart(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    study = own_study(request, slug)
    results, _ = study_results(study)
    if not results or not results["pairs"]:
        raise Http404("No results yet: the chart needs votes.")
    if study.design == Study.Design.FOCAL and study.focal_system is not None:
        body = charts.figure1(results["pairs"], study.focal_system.name, fmt)
    else:
        body = charts.bradley_terry_chart(results["ranking"], fmt)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-figure1.{fmt}"'
    if fmt == "svg":
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


COLUMNS = [
    "system",
    "baseline",
    "n",
    "wins",
    "ties",
    "losses",
    "win_share",
    "tie_share",
    "loss_share",
    "win_or_tie_share",
    "win_rate",
    "interval_method",
    "level",
    "win_share_low",
    "win_share_high",
    "win_or_tie_low",
    "win_or_tie_high",
    "p_value",
    "p_value_holm",
    "verdict",
]


@researcher_required
def results_csv(request: HttpRequest, slug: str) -> HttpResponse:
    study = own_study(request, slug)
    results, _ = study_results(study)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for p in pair_rows(results) if results else []:
        c, iv = p.counts, p.interval
        writer.writerow(
            [
                p.first,
                p.second,
                p.n,
                c["wins"],
                c["ties"],
                c["losses"],
                c["win_share"],
                c["tie_share"],
                c["loss_share"],
                c["win_or_tie_share"],
                c["win_rate"],
                p.interval_method,
                iv["win_share"]["level"],
                iv["win_share"]["low"],
                iv["win_share"]["high"],
                iv["win_or_tie_share"]["low"],
                iv["win_or_tie_share"]["high"],
                p.p_value,
                p.p_value_holm,
                p.verdict,
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-results.csv"'
    return response


@researcher_required
def results_jsonl(request: HttpRequest, slug: str) -> HttpResponse:
    """One JSON object per pair: the results API's `pairs`, as JSON Lines."""
    study = own_study(request, slug)
    results, _ = study_results(study)
    body = "".join(json.dumps(p) + "\n" for p in (results or {}).get("pairs", []))
    response = HttpResponse(body, content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-results.jsonl"'
    return response
