"""Where a results JSON's votes came from, said in words for every place that shows or
exports the numbers (dashboard banner, chart, results CSV and JSON Lines), so simulated votes
are never mistaken for real ones. Reads `simulated_votes` and `simulated_votes_left_out`
(results.selectors.simulated_counts: simulated votes count only while a study has no real
vote)."""

from __future__ import annotations

from typing import Any


def votes_provenance(data: dict[str, Any]) -> str:
    """"simulated" (every counted vote is simulated), "real" or "none" (no counted vote)."""
    if not data.get("n_votes"):
        return "none"
    return "simulated" if data.get("simulated_votes") else "real"


def provenance_note(data: dict[str, Any]) -> str | None:
    """One sentence for a results file or figure, or None for real votes with nothing left out."""
    simulated, left_out = data.get("simulated_votes") or 0, data.get("simulated_votes_left_out") or 0
    if simulated:
        return (f"SIMULATED: {simulated} of {data.get('n_votes', simulated)} votes are simulated (synthetic demo), "
                "not cast by people.")
    if left_out:
        return f"Real votes only: {left_out} simulated votes left out."
    return None
