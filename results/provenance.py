"""Where a results JSON's votes came from, said in words for every place that shows or
exports the numbers (dashboard banner, chart, results CSV and JSON Lines), so simulated votes
are never mistaken for real ones. Reads `simulated_votes` and `simulated_votes_left_out`
(results.selectors.simulated_counts: simulated votes count only while a study has no real
vote)."""

from __future__ import annotations

from typing import Any


def votes_provenance(data: dict[str, Any]) -> str:
    """ "simulated" (every counted vote is), "real" (none is), "mixed" (real people's votes in
    the headline, a simulated judge beside them) or "none" (no counted vote)."""
    n, simulated = data.get("n_votes") or 0, data.get("simulated_votes") or 0
    if not n:
        return "none"
    return "real" if not simulated else "simulated" if simulated >= n else "mixed"


def provenance_note(data: dict[str, Any]) -> str | None:
    """One sentence for a results file or figure, or None for real votes with nothing left out."""
    simulated, left_out = data.get("simulated_votes") or 0, data.get("simulated_votes_left_out") or 0
    n = data.get("n_votes", simulated)
    if simulated and not left_out:
        return f"SIMULATED: {simulated} of {n} votes are simulated (synthetic demo), not cast by people."
    if simulated:
        return (
            f"Real votes in the headline; {left_out} simulated votes left out; {simulated} of {n} counted votes "
            "(beside the headline) are SIMULATED."
        )
    if left_out:
        return f"Real votes only: {left_out} simulated votes left out."
    return None
