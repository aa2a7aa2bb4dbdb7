"""How many more votes a pair needs for a confidence interval of a chosen half-width."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from ._base import AsDict, check_level


@dataclass(frozen=True)
class VotePlan(AsDict):
    share: float  # the share the plan assumes
    half_width: float
    level: float
    design_effect: float
    votes_needed: int  # in total
    votes_have: int
    votes_still_needed: int
    method: str


def _z(level: float) -> float:
    return float(stats.norm.ppf(1.0 - (1.0 - check_level(level)) / 2.0))


def votes_needed(
    half_width: float = 0.05,
    share: float = 0.5,
    level: float = 0.95,
    method: str = "wilson",
    design_effect: float = 1.0,
) -> int:
    """Smallest n whose interval for ``share`` has at most ``half_width`` on each side.

    ``method="wald"``: n = z^2 p (1 - p) / h^2 (normal approximation).
    ``method="wilson"``: the Wilson half-width z / (1 + z^2/n) * sqrt(p q / n + z^2 / (4 n^2))
    = h gives h^2 n^2 + (2 h^2 z^2 - z^2 p q) n + z^4 (h^2 - 1/4) = 0; n is its larger root.
    Then n is multiplied by the design effect (Kish 1965: 1 + (m - 1) rho for m correlated
    votes per prompt with intra-prompt correlation rho) and rounded up.
    p = 0.5 is the worst case. Source: Wilson (1927); Newcombe (1998), Stat. Med. 17:857.
    """
    if not 0.0 < half_width < 0.5:
        raise ValueError("half_width must be in (0, 0.5)")
    if not 0.0 <= share <= 1.0:
        raise ValueError("share must be in [0, 1]")
    if design_effect < 1.0:
        raise ValueError("design_effect must be >= 1")
    z, h, pq = _z(level), float(half_width), share * (1.0 - share)
    if method == "wald":
        n = z * z * pq / (h * h)
    elif method == "wilson":
        a, b, c = h * h, 2 * h * h * z * z - z * z * pq, z**4 * (h * h - 0.25)
        n = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    else:
        raise ValueError("method must be 'wilson' or 'wald'")
    return max(1, math.ceil(n * design_effect - 1e-9))


def plan_votes(
    successes: int,
    n: int,
    half_width: float = 0.05,
    level: float = 0.95,
    method: str = "wilson",
    design_effect: float = 1.0,
    conservative: bool = False,
) -> VotePlan:
    """Votes still needed for one pair: ``votes_needed`` at the observed share k/n (or at
    1/2 when there are no votes yet or ``conservative=True``), minus the n already in hand,
    never below 0."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError("need 0 <= successes <= n")
    share = 0.5 if conservative or n == 0 else successes / n
    total = votes_needed(half_width, share, level, method, design_effect)
    return VotePlan(
        float(share),
        float(half_width),
        float(level),
        float(design_effect),
        int(total),
        int(n),
        int(max(0, total - n)),
        method,
    )
