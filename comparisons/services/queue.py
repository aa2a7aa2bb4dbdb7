"""Building the comparison queue: one Comparison per (prompt, pair of systems the
design asks for) where both responses exist.

Idempotent and safe to run concurrently: the unique constraint on (prompt, pair_key) and
`ignore_conflicts` mean a second run, or a second worker at the same time, adds nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations

from django.utils import timezone

from comparisons.models import Comparison, Prompt, Response, Study, pair_key
from comparisons.sides import first_is_left

BATCH = 2000
REPORTED_MISSING = 100


@dataclass(frozen=True)
class BuildReport:
    created: int
    total: int
    pairs: int
    prompts: int
    prompts_missing_responses: int
    missing: list[dict]

    def as_dict(self) -> dict:
        return asdict(self)


def study_pairs(study: Study) -> list[tuple[int, int]]:
    """The (system, system) pairs the design compares, as system ids."""
    ids = sorted(study.systems.values_list("id", flat=True))
    if study.design == Study.Design.FOCAL:
        focal = study.focal_system_id
        assert focal is not None, "a focal study has a focal system (a database constraint)"
        return [(focal, other) for other in ids if other != focal]
    return list(combinations(ids, 2))


def comparisons_build(*, study_id: int) -> BuildReport:
    study = Study.objects.get(pk=study_id)
    pairs = study_pairs(study)
    names = dict(study.systems.values_list("id", "name"))
    responses: dict[int, dict[int, int]] = {}
    for prompt_id, system_id, response_id in Response.objects.filter(prompt__study=study).values_list(
        "prompt_id", "system_id", "id"
    ):
        responses.setdefault(prompt_id, {})[system_id] = response_id
    existing = set(Comparison.objects.filter(study=study).values_list("prompt_id", "pair_key"))
    prompts = list(Prompt.objects.filter(study=study).values_list("id", "external_id"))

    new: list[Comparison] = []
    missing: list[dict] = []
    missing_count = 0
    for prompt_id, external_id in prompts:
        have = responses.get(prompt_id, {})
        absent = [names[s] for s in names if s not in have]
        if absent:
            missing_count += 1
            if len(missing) < REPORTED_MISSING:
                missing.append({"prompt_id": external_id, "systems": sorted(absent)})
        for first, second in pairs:
            key = pair_key(first, second)
            if first not in have or second not in have or (prompt_id, key) in existing:
                continue
            left, right = (
                (first, second)
                if first_is_left(study.seed, external_id, names[first], names[second])
                else (second, first)
            )
            new.append(
                Comparison(
                    study=study,
                    prompt_id=prompt_id,
                    left_response_id=have[left],
                    right_response_id=have[right],
                    pair_key=key,
                )
            )
    Comparison.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    total = Comparison.objects.filter(study=study).count()
    report = BuildReport(
        created=total - len(existing),
        total=total,
        pairs=len(pairs),
        prompts=len(prompts),
        prompts_missing_responses=missing_count,
        missing=missing,
    )
    Study.objects.filter(pk=study.pk).update(queue_report={**report.as_dict(), "built_at": timezone.now().isoformat()})
    return report
