"""Simulated human and judge votes (the judge in both orders) for the judge results tests."""

from __future__ import annotations

import random

PROMPTS, HUMAN_PROMPTS = 40, 24


def _vote(prompt, left, right, winner, rater, group):
    choice = "tie" if winner is None else ("left" if winner == left else "right")
    return {
        "prompt_id": prompt,
        "left_system": left,
        "right_system": right,
        "choice": choice,
        "rater": rater,
        "rater_group": group,
    }


def simulated_votes(seed: int = 0) -> list[dict]:
    """Three crowd raters on the first prompts; a judge in both orders (two raters of the group
    judge, one per order) on every prompt, agreeing with the truth often and preferring the
    response shown first sometimes."""
    rng = random.Random(seed)
    rows = []
    for i in range(PROMPTS):
        prompt = f"p{i}"
        for baseline in ("GPT-4", "Bard"):
            truth = rng.choices(["LIMA", baseline, None], [0.45, 0.35, 0.2])[0]
            if i < HUMAN_PROMPTS:
                for r in range(3):
                    said = truth if rng.random() < 0.7 else rng.choice(["LIMA", baseline, None])
                    left, right = ("LIMA", baseline) if rng.random() < 0.5 else (baseline, "LIMA")
                    rows.append(_vote(prompt, left, right, said, f"crowd{r}", "crowd"))
            for order, (left, right) in (("ab", ("LIMA", baseline)), ("ba", (baseline, "LIMA"))):
                draw = rng.random()
                said = truth if draw < 0.6 else left if draw < 0.85 else rng.choice(["LIMA", baseline, None])
                rows.append(_vote(prompt, left, right, said, f"gpt-4/{order}", "judge"))
    return rows
