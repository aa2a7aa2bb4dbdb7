"""Attention checks made by the service: a real response of the study paired with an
obviously broken one that says, in plain words, that it is a check and which answer to give
(an instructed-response item, the kind Prolific allows: explicit, not a trick). They are
gold pairs of kind "attention": served at the study's gold rate, never counted in results,
and a failed one flags the rater.

The broken response belongs to a system of its own, ATTENTION_SYSTEM, which is never one of
the study's systems, so no design pair, result, judge or progress target includes it."""

from __future__ import annotations

import random

from django.db import transaction

from comparisons.grading import dialogue_text, dialogue_turns
from comparisons.models import Comparison, Response, Study, System, pair_key, rating_key
from raters.errors import invalid
from raters.models import GoldPair

ATTENTION_SYSTEM = "(attention check)"
ATTENTION_TEXT = (
    "This is an attention check, not an answer to the question. "
    "To show that you are reading carefully, please choose the other response as the better one."
)
MAX_CHECKS = 200


def rating_attention_text(study: Study) -> str:
    return (
        "This is an attention check, not an answer to the question. To show that you are reading "
        f"carefully, please give this response the lowest grade, “{study.scale[0]}”."
    )


PER_TURN_ATTENTION_TEXT = (
    "This is an attention check, not an answer. To show that you are reading carefully, "
    "please choose the other response for this turn and for every turn."
)


def broken_continuation(real_text: str) -> str:
    """A per-turn study's broken continuation: the real one's user turns, every assistant turn
    replaced by the instruction to choose the other side (so the two compare turn by turn)."""
    turns = dialogue_turns(real_text) or [{"role": "assistant", "content": ""}]
    return dialogue_text(
        [t if t["role"] == "user" else {"role": "assistant", "content": PER_TURN_ATTENTION_TEXT} for t in turns]
    )


def _broken_text(study: Study, real_text: str) -> str:
    if study.per_turn:  # every turn broken; the real continuation wins each (and so the majority: `winner`)
        return broken_continuation(real_text)
    return rating_attention_text(study) if study.is_rating else ATTENTION_TEXT


def attention_checks_create(*, study: Study, count: int, seed: int | None = None) -> list[GoldPair]:
    """Add `count` attention checks on prompts that do not have one yet (seeded choice of
    prompts and sides). Each pairs a response of the study's focal system (or of any study
    system) with the broken response; the expected winner is the real response's system."""
    if not 1 <= count <= MAX_CHECKS:
        raise invalid("count", f"must be between 1 and {MAX_CHECKS}")
    if study.status == Study.Status.CLOSED:
        raise invalid("study", "is closed: raters no longer see new pairs")
    if study.design == Study.Design.DIALOGUE:
        raise invalid("count", "attention checks are for pairwise and rating studies, not dialogues")
    rng = random.Random(f"{study.seed}:attention:{seed}")
    members = list(study.systems.values_list("id", flat=True))
    preferred = study.focal_system_id
    with transaction.atomic():
        broken_system, _ = System.objects.get_or_create(
            name=ATTENTION_SYSTEM,
            defaults={"description": "Broken responses for attention checks (never a study system)."},
        )
        done = set(
            Response.objects.filter(prompt__study=study, system=broken_system).values_list("prompt_id", flat=True)
        )
        candidates = {}
        texts: dict[int, str] = {}
        for prompt_id, system_id, response_id, real_text in (
            Response.objects.filter(prompt__study=study, system_id__in=members)
            .order_by("prompt_id", "system_id")
            .values_list("prompt_id", "system_id", "id", "text" if study.per_turn else "prompt_id")
        ):
            if prompt_id in done:
                continue
            if prompt_id not in candidates or system_id == preferred:
                candidates[prompt_id] = (system_id, response_id)
                texts[prompt_id] = str(real_text)
        chosen = rng.sample(sorted(candidates), min(count, len(candidates)))
        if not chosen:
            raise invalid("count", "every prompt with a response already has an attention check")
        created = []
        for prompt_id in chosen:
            system_id, real_id = candidates[prompt_id]
            text = _broken_text(study, texts[prompt_id])
            broken = Response.objects.create(
                prompt_id=prompt_id,
                system=broken_system,
                text=text,
                length=len(text),
                metadata={"attention_check": True},
            )
            if study.is_rating:  # one response to grade, the lowest grade expected
                item = Comparison.objects.create(
                    study=study, prompt_id=prompt_id, left_response_id=broken.pk, pair_key=rating_key(broken_system.pk)
                )
                created.append(GoldPair.objects.create(comparison=item, kind=GoldPair.Kind.ATTENTION, expected_grade=0))
                continue
            left, right = (real_id, broken.pk) if rng.random() < 0.5 else (broken.pk, real_id)
            comparison = Comparison.objects.create(
                study=study,
                prompt_id=prompt_id,
                left_response_id=left,
                right_response_id=right,
                pair_key=pair_key(system_id, broken_system.pk),
            )
            created.append(
                GoldPair.objects.create(
                    comparison=comparison, kind=GoldPair.Kind.ATTENTION, expected_winner_id=system_id
                )
            )
    return created
