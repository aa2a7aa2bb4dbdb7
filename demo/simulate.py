"""Simulated votes for the demo: LIMA's Figure 1 to the percent, and GPT-4 as annotator beside it.

Simulated crowd raters ("simulated-NN", group "crowd") vote on every comparison of the focal
study but a few left open for a person, with outcomes dealt by exact quota (demo.quota) so
the headline shares (unit: vote) are LIMA's published human shares (Zhou et al. 2023,
Figure 1) to the percent, and they disagree as the paper's crowd did (tie-discounted
agreement about 82%, Section 4.1). One simulated judge (group Rater.JUDGE_GROUP) votes once
per voted comparison with the GPT-4-as-annotator shares (Figure 2), so the dashboard shows
humans and the judge side by side with their agreement. Every vote is built by
raters.services.votes.vote_build with Provenance.SIMULATED, every rater has source
"simulated"; nothing here passes for real."""

from __future__ import annotations

import random

import numpy as np
from django.db import transaction

from comparisons.models import Comparison, Study
from demo.quota import LOSS, TIE, WIN, crowd_outcomes, judge_outcomes
from raters.models import Rater, Vote
from raters.services.votes import Provenance, choice_for, gold_comparison_ids, vote_build

# LIMA (Zhou et al. 2023), Figure 1, human preference: LIMA wins / tie / LIMA loses, in %,
# in the figure's order.
LIMA_HUMAN_SHARES = {
    "Alpaca 65B": (53, 21, 26),
    "DaVinci003": (44, 21, 35),
    "Bard": (33, 25, 42),
    "Claude": (24, 22, 54),
    "GPT-4": (18, 25, 57),
}
# LIMA, Figure 2: GPT-4 as the annotator, same order.
LIMA_GPT4_SHARES = {
    "Alpaca 65B": (64, 19, 17),
    "DaVinci003": (54, 23, 23),
    "Bard": (27, 26, 47),
    "Claude": (14, 23, 63),
    "GPT-4": (19, 15, 66),
}
CROWD_AGREEMENT = 0.82  # LIMA, Section 4.1: crowd-crowd tie-discounted agreement
JUDGE_AGREEMENT = 0.78  # LIMA, Section 4.1: GPT-4 against the crowd
OPEN_PER_BASELINE = 3  # comparisons left without votes, so a person can vote
JUDGE_ID = "simulated-gpt-4-judge"


def _raters(study: Study, n: int) -> tuple[list[Rater], Rater]:
    crowd = [
        Rater.objects.get_or_create(
            study=study, external_id=f"simulated-{i:02d}", defaults={"source": Rater.Source.SIMULATED, "group": "crowd"}
        )[0]
        for i in range(1, n + 1)
    ]
    judge, _ = Rater.objects.get_or_create(
        study=study, external_id=JUDGE_ID, defaults={"source": Rater.Source.SIMULATED, "group": Rater.JUDGE_GROUP}
    )
    return crowd, judge


def votes_simulate(
    *,
    study: Study,
    shares: dict[str, tuple[int, int, int]] | None = None,
    judge_shares: dict[str, tuple[int, int, int]] | None = None,
    raters: int = 36,
    seed: int = 0,
    exact: bool = True,
    open_per_baseline: int = OPEN_PER_BASELINE,
) -> int:
    """Add the demo's simulated votes to a focal study (baselines named in `shares`); with
    `exact`, percentages that cannot be shown to the percent are an error (demo.quota); the
    last `open_per_baseline` comparisons of each baseline get no vote.
    Returns the number of votes added. Idempotent: a study that already has simulated votes
    is left as it is (0), so a second `./run demo` changes no number."""
    shares = LIMA_HUMAN_SHARES if shares is None else shares
    judge_shares = LIMA_GPT4_SHARES if judge_shares is None else judge_shares
    if Vote.objects.filter(comparison__study=study, simulated=True).exists():
        return 0
    rng, draw = random.Random(seed), np.random.default_rng(seed)
    k, focal = study.votes_per_comparison, study.focal_system_id
    with transaction.atomic():
        crowd, judge = _raters(study, max(raters, k))
        comparisons = list(
            Comparison.objects.filter(study=study)
            .select_related("left_response__system", "right_response__system")
            .order_by("id")
        )
        gold = gold_comparison_ids(c.pk for c in comparisons)
        by_baseline: dict[str, list[Comparison]] = {}
        for c in comparisons:
            if c.right_response is None:
                continue  # a rating item (demo.ratings votes on those)
            systems = {c.left_response.system_id, c.right_response.system_id}
            if focal in systems and c.pk not in gold:
                other = c.right_response.system if c.left_response.system_id == focal else c.left_response.system
                by_baseline.setdefault(other.name, []).append(c)
        votes: list[Vote] = []
        for name, share in shares.items():
            found = by_baseline.get(name, [])
            voted = found[: len(found) - open_per_baseline]
            if not voted:
                continue
            labels = crowd_outcomes(len(voted), k, share, CROWD_AGREEMENT, draw, exact)
            judged = (
                judge_outcomes(labels, judge_shares[name], JUDGE_AGREEMENT, draw, exact)
                if name in judge_shares
                else None
            )
            for row, c in enumerate(voted):
                people = rng.sample(crowd, k)
                for rater, code in zip(people, labels[row], strict=True):
                    votes.append(_vote(c, rater, int(code), focal, rng))
                if judged is not None:
                    votes.append(_vote(c, judge, int(judged[row]), focal, rng))
        Vote.objects.bulk_create(votes, batch_size=2000)
    return len(votes)


def _vote(c: Comparison, rater: Rater, code: int, focal: int | None, rng: random.Random) -> Vote:
    left, right = c.left_response, c.right_response
    assert right is not None, "the pairwise demo votes on pairs"
    baseline = right.system_id if left.system_id == focal else left.system_id
    winner = {WIN: focal, TIE: None, LOSS: baseline}[code]
    shown = (left, right) if rng.random() < 0.5 else (right, left)
    sides = (shown[0].pk, shown[0].system_id), (shown[1].pk, shown[1].system_id)
    seconds = (
        round(rng.lognormvariate(3.6, 0.5), 1) if rater.group != Rater.JUDGE_GROUP else round(rng.uniform(2, 6), 1)
    )
    return vote_build(
        rater_id=rater.pk,
        comparison_id=c.pk,
        left=sides[0],
        right=sides[1],
        choice=choice_for(winner_system_id=winner, left_system_id=sides[0][1], right_system_id=sides[1][1]),
        seconds=seconds,
        is_gold=False,
        provenance=Provenance.SIMULATED,
    )
