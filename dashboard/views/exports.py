"""Downloads: the headline chart as SVG or PNG, the results per pair as CSV."""

from __future__ import annotations

import io
import json

from django.http import Http404, HttpRequest, HttpResponse

from comparisons import csvsafe
from comparisons.models import Study
from dashboard import charts
from dashboard.access import own_study, researcher_required
from dashboard.selectors import study_results
from results.categories import valid_by
from results.params import Params
from results.provenance import provenance_note, votes_provenance
from results.schema import pair_rows
from results.selectors import VoteFilter

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@researcher_required
def chart(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    study = own_study(request, slug)
    results, _ = study_results(study)
    if results and results.get("ratings") and results.get("headline_votes"):
        body = charts.ratings_chart(results["ratings"], fmt, note=provenance_note(results))
    elif not results or not results["pairs"] or not results.get("headline_votes"):
        raise Http404("No results yet: the chart needs votes.")
    elif study.design == Study.Design.FOCAL and study.focal_system is not None:
        both_bad = study.offer_both_bad or charts.has_both_bad(results["pairs"])
        body = charts.figure1(
            results["pairs"], study.focal_system.name, fmt, note=provenance_note(results), both_bad=both_bad
        )
    else:
        body = charts.bradley_terry_chart(results["ranking"], fmt, note=provenance_note(results))
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
    "ppi_win_share",
    "ppi_win_share_low",
    "ppi_win_share_high",
    "ppi_human_prompts",
    "ppi_judge_prompts",
    "votes_provenance",
    "simulated_votes",
    "simulated_votes_left_out",
    "both_bad",
    "both_bad_share",
]


def _provenance(results: dict | None) -> tuple[str, int, int]:
    """Where the votes came from, repeated on every row so the file says it by itself."""
    if not results:
        return ("none", 0, 0)
    return (votes_provenance(results), results.get("simulated_votes", 0), results.get("simulated_votes_left_out", 0))


def _csv_rows(pairs: list[dict], provenance: tuple[str, int, int]) -> list[list]:
    """One row per pair (``pair_rows``), the PPI++ win share when the pair has one. `ties` and
    the shares are the three-outcome ones (both-bad counted as a tie); `both_bad` apart."""
    rows = []
    for p, raw in zip(pair_rows({"pairs": pairs}), pairs, strict=True):
        c, iv = p.counts, p.interval
        ppi = raw["intervals"].get("ppi") or {}
        ppi_win = ppi.get("win_share") or {}
        rows.append(
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
                ppi_win.get("estimate"),
                ppi_win.get("low"),
                ppi_win.get("high"),
                ppi.get("n_human_prompts"),
                ppi.get("n_judge_prompts"),
                *provenance,
                (p.outcomes or {}).get("both_bad", 0),
                (p.outcomes or {}).get("both_bad_share"),
            ]
        )
    return rows


@researcher_required
def results_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """A row per pair; with ``?by=category`` (or ``metadata.<key>``) a row per value and pair, the
    value in the first column (the results API's ``breakdown``)."""
    study = own_study(request, slug)
    results, _ = study_results(study)
    by = request.GET.get("by", "")
    if by and not valid_by(by):
        return HttpResponse("by must be category or metadata.<key>", status=400, content_type="text/plain")
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    if by and results:
        writer.writerow([by] + COLUMNS)
        from results.options import results_options_get  # noqa: PLC0415  (numpy loads here, not with the URLs)

        breakdown = results_options_get(
            study=study, params=Params(seed=study.seed), filters=VoteFilter(), by=by, family=()
        )["breakdown"]
        for group in breakdown["groups"]:
            for row in _csv_rows(group["pairs"], _provenance(results)):
                writer.writerow([group["value"]] + row)
    else:
        writer.writerow(COLUMNS)
        for row in _csv_rows(results["pairs"] if results else [], _provenance(results)):
            writer.writerow(row)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-results.csv"'
    return response


@researcher_required
def results_jsonl(request: HttpRequest, slug: str) -> HttpResponse:
    """One JSON object per pair: the results API's `pairs`, as JSON Lines, each with the
    votes' provenance ("simulated", "real") and the results' simulated vote counts."""
    study = own_study(request, slug)
    results, _ = study_results(study)
    extra = (
        {
            "votes_provenance": votes_provenance(results),
            "simulated_votes": results.get("simulated_votes", 0),
            "simulated_votes_left_out": results.get("simulated_votes_left_out", 0),
        }
        if results
        else {}
    )
    body = "".join(json.dumps({**p, **extra}) + "\n" for p in (results or {}).get("pairs", []))
    response = HttpResponse(body, content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-results.jsonl"'
    return response
