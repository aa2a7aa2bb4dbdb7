"""Simulated votes for the demo: a few dozen simulated raters voting with LIMA's published
human shares, so the first dashboard a newcomer opens is LIMA's Figure 1. Every vote is
flagged `simulated` (and shown and exported as such); raters are named "simulated-NN"."""

from __future__ import annotations

import random

from django.db import transaction

from comparisons.models import Comparison, Study
from raters.models import Rater, Vote
from raters.services.votes import Provenance, choice_for, gold_comparison_ids, vote_build

# LIMA (Zhou et al. 2023), Figure 1, human preference: LIMA wins / tie / LIMA loses, %.
LIMA_HUMAN_SHARES = {
    "Alpaca 65B": (53, 21, 26),
    "DaVinci003": (44, 21, 35),
    "Bard": (33, 25, 42),
    "Claude": (24, 22, 54),
    "GPT-4": (18, 25, 57),
}
AGREE = 0.75  # chance a simulated rater gives the comparison's "true" outcome; else a fresh draw


def votes_simulate(
    *,
    study: Study,
    shares: dict[str, tuple[int, int, int]] = LIMA_HUMAN_SHARES,
    raters: int = 36,
    fill: float = 0.8,
    seed: int = 0,
) -> int:
    """Add simulated votes to the focal study's comparisons: with probability `fill` a
    comparison gets all the votes it wants, otherwise fewer (so raters still have work).
    Outcomes follow `shares` per baseline in expectation. Returns the number of votes added.
    Safe to run twice: comparisons that already have votes are left alone."""
    rng = random.Random(seed)
    focal = study.focal_system_id
    with transaction.atomic():
        people = [
            Rater.objects.get_or_create(
                study=study,
                external_id=f"simulated-{i:02d}",
                defaults={"source": Rater.Source.IMPORTED, "group": "crowd"},
            )[0]
            for i in range(1, raters + 1)
        ]
        comparisons = (
            Comparison.objects.filter(study=study, votes__isnull=True)
            .select_related("left_response__system", "right_response__system")
            .order_by("id")
        )
        open_comparisons = list(comparisons)
        gold = gold_comparison_ids(c.pk for c in open_comparisons)
        votes = []
        for c in open_comparisons:
            left, right = c.left_response, c.right_response
            baseline = right.system if left.system_id == focal else left.system
            if focal not in (left.system_id, right.system_id) or baseline.name not in shares:
                continue
            weights = shares[baseline.name]
            wanted = study.votes_per_comparison if rng.random() < fill else rng.randrange(0, study.votes_per_comparison)
            truth = rng.choices(("win", "tie", "loss"), weights)[0]
            for rater in rng.sample(people, min(wanted, len(people))):
                outcome = truth if rng.random() < AGREE else rng.choices(("win", "tie", "loss"), weights)[0]
                shown_left, shown_right = (left, right) if rng.random() < 0.5 else (right, left)
                winner = None if outcome == "tie" else (focal if outcome == "win" else baseline.pk)
                sides = (shown_left.pk, shown_left.system_id), (shown_right.pk, shown_right.system_id)
                votes.append(
                    vote_build(
                        rater_id=rater.pk,
                        comparison_id=c.pk,
                        left=sides[0],
                        right=sides[1],
                        choice=choice_for(
                            winner_system_id=winner, left_system_id=sides[0][1], right_system_id=sides[1][1]
                        ),
                        seconds=round(rng.lognormvariate(3.6, 0.5), 1),
                        is_gold=c.pk in gold,
                        provenance=Provenance.SIMULATED,
                    )
                )
        Vote.objects.bulk_create(votes, batch_size=2000)
    return len(votes)
