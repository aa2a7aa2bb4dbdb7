"""LIMA's absolute ratings for the demo, from simulated votes dealt by exact quota.

- Figure 3 (Zhou et al. 2023, Section 4.3): the 50-prompt analysis of LIMA 65B's responses,
  each labelled Fail / Pass / Excellent: 50% Excellent, 38% Pass, 12% Fail (25 / 19 / 6).
- Figure 7 (Section 6): 10 live conversations graded per assistant turn: zero-shot LIMA
  19 Excellent, 8 Pass, 15 Fail of 42 turns; LIMA tuned on 30 more dialogue chains 35, 10, 1
  of 46 turns.

The grades are dealt by exact quota (shuffled by the seed), so the demo's shares are the paper's
to the percent, with the intervals the paper never printed. Each study gets one simulated
rater ("simulated-author", source "simulated", as LIMA's authors labelled the responses
themselves); every vote is built by raters.services.votes.vote_build with
Provenance.SIMULATED, so the results report them as simulated and leave them out once a real
person grades. Idempotent: a study that has its votes is left as it is."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from comparisons import services
from comparisons.ingest.rows import validate_rows
from comparisons.models import Comparison, Study
from demo.data import FOCAL_SYSTEM, demo_rows
from raters.models import Rater, Vote
from raters.services.entry import rater_settings_update
from raters.services.votes import Provenance, vote_build

FIGURE_3 = {FOCAL_SYSTEM: {"Excellent": 25, "Pass": 19, "Fail": 6}}  # of 50 responses
ZERO_SHOT, DIALOGUE_TUNED = "LIMA 65B (zero-shot)", "LIMA 65B + 30 dialogue chains"
FIGURE_7 = {  # turns graded, of 10 conversations each
    ZERO_SHOT: {"Excellent": 19, "Pass": 8, "Fail": 15},
    DIALOGUE_TUNED: {"Excellent": 35, "Pass": 10, "Fail": 1},
}
TURNS = {ZERO_SHOT: [4] * 8 + [5] * 2, DIALOGUE_TUNED: [5] * 6 + [4] * 4}  # 42 and 46 assistant turns
SCALE = ["Fail", "Pass", "Excellent"]
RATER_ID = "simulated-author"
SLUG_RATING, SLUG_DIALOGUE = "lima-demo-ratings", "lima-demo-dialogue"


def _dealt(quota: dict[str, int], rng: random.Random) -> list[int]:
    """The grades (indices into SCALE) of the quota, in a seeded order."""
    grades = [SCALE.index(label) for label, n in quota.items() for _ in range(n)]
    rng.shuffle(grades)
    return grades


def _dialogue(topic: str, system: str, turns: int, conversation: int) -> list[dict[str, str]]:
    tuned = system == DIALOGUE_TUNED
    reply = []
    for t in range(turns):
        lead = "Building on what we discussed" if tuned and t else "Here is an answer"
        reply.append({"role": "assistant", "content": f"{lead} (simulated turn {t + 1}) about {topic}."})
        if t + 1 < turns:
            reply.append(
                {"role": "user", "content": f"Follow-up {t + 1} on conversation {conversation + 1}: and then?"}
            )
    return reply


def _open(owner: Any, *, slug: str, name: str, design: str, systems: list[str], raw: list[dict]) -> Study:
    study = Study.objects.filter(slug=slug).first()
    if study is None:
        study = services.study_create(
            owner=owner, name=name, slug=slug, design=design, systems=systems, votes_per_comparison=2
        )
    if study.status == Study.Status.DRAFT:
        rows, errors = validate_rows(list(enumerate(raw, start=1)), max_text_chars=10**6)
        assert not errors, errors
        services.outputs_upload(study=study, rows=rows)
    study = services.study_open(study=study)
    services.comparisons_build(study_id=study.pk)
    rater_settings_update(study=study, allow_anonymous=True)
    return study


def _grade(study: Study, grades_of: dict[str, list[int]], *, turns: dict[str, list[int]] | None) -> int:
    """One simulated vote per item, in prompt order; for dialogues each conversation's share of
    the system's turn grades. Returns the votes added (0 when they are there already)."""
    with transaction.atomic():
        rater, _ = Rater.objects.get_or_create(
            study=study, external_id=RATER_ID, defaults={"source": Rater.Source.SIMULATED, "group": "crowd"}
        )
        if Vote.objects.filter(rater=rater).exists():
            return 0
        items = (
            Comparison.objects.filter(study=study, gold__isnull=True)
            .select_related("left_response__system")
            .order_by("prompt__external_id")
        )
        votes: list[Vote] = []
        taken, conversation = dict.fromkeys(grades_of, 0), dict.fromkeys(grades_of, 0)
        for c in items:
            name = c.left_response.system.name
            n = 1 if turns is None else turns[name][conversation[name]]
            dealt = grades_of[name][taken[name] : taken[name] + n]
            graded: dict[str, Any] = {"choice": "grade", "grade": dealt[0]}
            if turns is not None:
                graded = {"choice": "turns", "turn_grades": dealt}
            votes.append(
                vote_build(
                    rater_id=rater.pk,
                    comparison_id=c.pk,
                    left=(c.left_response_id, c.left_response.system_id),
                    right=None,
                    seconds=(40.0 + taken[name] % 7 * 9) * n,
                    is_gold=False,
                    provenance=Provenance.SIMULATED,
                    **graded,
                )
            )
            taken[name] += n
            conversation[name] += 1
        Vote.objects.bulk_create(votes)
    return len(votes)


def ratings_demo_load(*, owner: Any, seed: int = 0) -> dict[str, int]:
    """Create (or keep) the Figure 3 and Figure 7 demo studies and their simulated votes;
    {slug: votes added}."""
    rng = random.Random(f"{seed}:ratings")
    lima = [r for r in demo_rows(seed=seed, n_prompts=50) if r["system"] == FOCAL_SYSTEM]
    for r in lima:
        r["prompt_id"] = r["prompt_id"].replace("demo-", "rate-")
    rating = _open(
        owner,
        slug=SLUG_RATING,
        name="LIMA Figure 3: absolute ratings of 50 responses (simulated votes)",
        design=Study.Design.RATING,
        systems=[FOCAL_SYSTEM],
        raw=lima,
    )
    added = {SLUG_RATING: _grade(rating, {FOCAL_SYSTEM: _dealt(FIGURE_3[FOCAL_SYSTEM], rng)}, turns=None)}
    topics = [r["category"] for r in lima[:10]]
    raw = [
        {
            "prompt_id": f"conversation-{i + 1:02d}",
            "prompt": f"Let's talk about {topic} (simulated conversation {i + 1}). Where do I start?",
            "system": system,
            "response": _dialogue(topic, system, TURNS[system][i], i),
        }
        for i, topic in enumerate(topics)
        for system in (ZERO_SHOT, DIALOGUE_TUNED)
    ]
    dialogue = _open(
        owner,
        slug=SLUG_DIALOGUE,
        name="LIMA Figure 7: dialogue turns graded (simulated votes)",
        design=Study.Design.DIALOGUE,
        systems=[ZERO_SHOT, DIALOGUE_TUNED],
        raw=raw,
    )
    grades = {name: _dealt(quota, rng) for name, quota in FIGURE_7.items()}
    added[SLUG_DIALOGUE] = _grade(dialogue, grades, turns=TURNS)
    return added
