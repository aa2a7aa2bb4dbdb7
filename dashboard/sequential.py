"""What the study page shows of the sequential results: while a study is open its intervals are
the anytime-valid ones (valid however often the page is looked at), the bootstrap's once it is
closed; and, per pair, whether and why it settled."""

from __future__ import annotations

from typing import Any

RULE_WORDS = {
    "verdict": "its interval of the win rate excluded parity",
    "precision": "its interval reached the precision asked for",
    "budget": "it reached its vote budget",
}


def displayed_results(results: dict[str, Any] | None, *, is_open: bool) -> dict[str, Any] | None:
    """A copy of the results whose pairs' ``interval`` is the sequential one while the study is
    open (``display_method`` says which is shown), each pair with ``settled_text``, and
    ``resampled_votes``: the votes the resampled parts are from when they lag the counts (a large
    study's refresh keeps them between their own refreshes, results.services.results_refresh), else None."""
    if results is None:
        return None
    pairs = []
    for pair in results.get("pairs", []):
        shown = dict(pair)
        sequential = (pair.get("intervals") or {}).get("sequential")
        if is_open and sequential:
            shown["interval"] = sequential
        shown["settled_text"] = settled_text(pair.get("settled"))
        pairs.append(shown)
    sequential_shown = is_open and any((p.get("intervals") or {}).get("sequential") for p in results.get("pairs", []))
    method = (
        "anytime-valid (betting confidence sequence)" if sequential_shown else results.get("params", {}).get("method")
    )
    resampled = results.get("resampled") or {}
    behind = resampled.get("n_votes") if resampled.get("votes_version") != results.get("votes_version") else None
    return {**results, "pairs": pairs, "display_method": method, "resampled_votes": behind}


def settled_text(settled: dict[str, Any] | None) -> str:
    """ "Settled <when>: <verdict> (<why>)" or "open"."""
    if not settled:
        return "open"
    when = str(settled.get("at") or "")[:19].replace("T", " ")
    why = RULE_WORDS.get(str(settled.get("rule")), str(settled.get("rule")))
    return f"Settled {when} UTC after {settled.get('votes')} votes: {settled.get('verdict')} ({why})."
