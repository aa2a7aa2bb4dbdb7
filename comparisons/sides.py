"""Which response of a comparison is shown on the left: a seeded, reproducible draw.

The draw hashes the study's seed with the prompt's external id and the two system names,
so it depends on nothing the database assigns (ids, build order): the same study seed
gives the same sides on any machine, and over many comparisons each system is on the
left about half of the time (each draw is a fair coin)."""

from __future__ import annotations

import hashlib


def first_is_left(seed: int, prompt_external_id: str, first_system: str, second_system: str) -> bool:
    """True when `first_system`'s response goes on the left. Symmetric: swapping the two
    names gives the opposite answer, so the result is a property of the pair."""
    low, high = sorted((first_system, second_system))
    digest = hashlib.blake2b(f"{seed}\x1f{prompt_external_id}\x1f{low}\x1f{high}".encode(), digest_size=8).digest()
    low_is_left = digest[0] & 1 == 0
    return low_is_left if first_system == low else not low_is_left
