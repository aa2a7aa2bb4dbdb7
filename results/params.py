"""The parameters of a results computation (no numpy, no scipy: the API and the dashboard
import them on every request, and every `manage.py` command imports the URLs)."""

from __future__ import annotations

from dataclasses import dataclass

METHODS = ("bootstrap", "wilson", "goodman", "sequential")
AGGREGATES = ("vote", "majority")
MM_MAX_SYSTEMS = 10  # above this, the batched Newton fit of the ranking bootstrap is faster


@dataclass(frozen=True)
class Params:
    level: float = 0.95
    method: str = "bootstrap"
    aggregate: str = "vote"
    n_resamples: int = 2000
    seed: int = 0
    half_width: float = 0.05
    alpha: float = 0.05
    # Rater groups left out of the headline (pairs, ranking, biases) but kept in `by_group`,
    # agreement and rater quality: LLM judges sit beside the humans, not among them.
    headline_excludes: tuple[str, ...] = ("judge",)


__all__ = ["AGGREGATES", "METHODS", "MM_MAX_SYSTEMS", "Params"]
