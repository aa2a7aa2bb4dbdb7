"""Building the comparison queue: one Comparison per (prompt, pair of systems the
design asks for) where both responses exist.

Idempotent and safe to run concurrently: the unique constraint on (prompt, pair_key) and
`ignore_conflicts` mean a second run, or a second worker at the same time, adds nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from comparisons.grading import dialogue_skeleton, skeleton_difference
from comparisons.models import Comparison, Prompt, Response, Study, StudySystem, pair_key, rating_key
from comparisons.sides import first_is_left

BATCH = 2000
REPORTED_MISSING = 100
STRANDED_AFTER_SECONDS = 60


@dataclass(frozen=True)
class BuildReport:
    created: int
    total: int
    pairs: int
    prompts: int
    prompts_missing_responses: int
    missing: list[dict]
    incompatible: list[dict] = field(default_factory=list)  # per-turn: pairs whose continuations differ

    def as_dict(self) -> dict:
        return asdict(self)


def study_system_ids(study: Study) -> list[int]:
    """The study's systems in its order: as created (focal system, then the baselines as
    listed), which the results JSON, chart, tables and exports all follow."""
    return list(StudySystem.objects.filter(study=study).order_by("id").values_list("system_id", flat=True))


def study_pairs(study: Study) -> list[tuple[int, int]]:
    """The (system, system) pairs the design compares, as system ids, in the study's order
    (`study_system_ids`). An all-pairs pair keeps the lower system id first, as ever."""
    ids = study_system_ids(study)
    if study.is_rating:  # nothing is compared: each response is graded on its own
        return []
    if study.design == Study.Design.FOCAL:
        focal = study.focal_system_id
        assert focal is not None, "a focal study has a focal system (a database constraint)"
        return [(focal, other) for other in ids if other != focal]
    return [(min(a, b), max(a, b)) for a, b in combinations(ids, 2)]


def comparisons_build(*, study_id: int) -> BuildReport:
    study = Study.objects.get(pk=study_id)
    pairs = study_pairs(study)
    names = dict(study.systems.values_list("id", "name"))
    responses: dict[int, dict[int, int]] = {}
    for prompt_id, system_id, response_id in Response.objects.filter(prompt__study=study).values_list(
        "prompt_id", "system_id", "id"
    ):
        responses.setdefault(prompt_id, {})[system_id] = response_id
    skeletons = _skeletons(study)
    incompatible: list[dict] = []
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
        if study.is_rating:  # one item per response to grade: the response alone, no right side
            for system_id in names:
                key = rating_key(system_id)
                if system_id in have and (prompt_id, key) not in existing:
                    new.append(
                        Comparison(study=study, prompt_id=prompt_id, left_response_id=have[system_id], pair_key=key)
                    )
        new += _pair_comparisons(study, prompt_id, external_id, have, pairs, names, existing, skeletons, incompatible)
    Comparison.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    total = Comparison.objects.filter(study=study).count()
    report = BuildReport(
        created=total - len(existing),
        total=total,
        pairs=len(names) if study.is_rating else len(pairs),
        prompts=len(prompts),
        prompts_missing_responses=missing_count,
        missing=missing,
        incompatible=incompatible,
    )
    Study.objects.filter(pk=study.pk).update(queue_report={**report.as_dict(), "built_at": timezone.now().isoformat()})
    return report


def _pair_comparisons(
    study: Study,
    prompt_id: int,
    external_id: str,
    have: dict[int, int],
    pairs: list[tuple[int, int]],
    names: dict[int, str],
    existing: set[tuple[int, str]],
    skeletons: dict[int, tuple[int, tuple[str, ...]] | None],
    incompatible: list[dict],
) -> list[Comparison]:
    """The prompt's new comparisons: one per design pair whose two responses exist (sides drawn
    from the study's seed); a per-turn study's pairs whose continuations differ are named in
    `incompatible` instead."""
    new = []
    for first, second in pairs:
        key = pair_key(first, second)
        if first not in have or second not in have or (prompt_id, key) in existing:
            continue
        if study.per_turn and _differ(skeletons, have[first], have[second]):
            if len(incompatible) < REPORTED_MISSING:
                incompatible.append({"prompt_id": external_id, "systems": [names[first], names[second]]})
            continue
        left, right = (
            (first, second) if first_is_left(study.seed, external_id, names[first], names[second]) else (second, first)
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
    return new


def _skeletons(study: Study) -> dict[int, tuple[int, tuple[str, ...]] | None]:
    """A per-turn study's continuations' skeletons by response id ({} for other studies)."""
    if not study.per_turn:
        return {}
    texts = Response.objects.filter(prompt__study=study).values_list("id", "text").iterator(chunk_size=BATCH)
    return {response_id: dialogue_skeleton(text) for response_id, text in texts}


def _differ(skeletons: dict[int, tuple[int, tuple[str, ...]] | None], a: int, b: int) -> bool:
    """Whether two continuations cannot be compared turn by turn (the upload refuses them; a
    build still skips any pair stored before that check, naming it in the report)."""
    first, second = skeletons.get(a), skeletons.get(b)
    return first is None or second is None or skeleton_difference(first, second) is not None


def comparisons_rebuild_stranded(*, older_than_seconds: int = STRANDED_AFTER_SECONDS) -> list[int]:
    """Build the comparisons of every open study whose build never ran: opened (or given new
    responses) more than `older_than_seconds` ago, and no build report since. The build is
    queued by `on_commit` when a study opens or an open study gets outputs; if the broker was
    down then (or lost the message in a restart) nothing else would build it, and raters
    would find nothing to vote on (issue 11). Celery beat runs this every minute; the build
    is idempotent, so a false alarm costs one build. Returns the ids built."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    newest = Response.objects.filter(prompt__study=OuterRef("pk")).order_by().values("prompt__study")
    studies = Study.objects.filter(status=Study.Status.OPEN, opened_at__lt=cutoff).annotate(
        newest_response=Subquery(newest.annotate(m=Max("created_at")).values("m"))
    )
    rebuilt = []
    for study in studies.only("pk", "opened_at", "queue_report"):
        built = _built_at(study.queue_report)
        last_output = study.newest_response  # type: ignore[attr-defined]
        opened_since = built is None or (study.opened_at is not None and built < study.opened_at)
        outputs_since = last_output is not None and built is not None and built < last_output < cutoff
        if opened_since or outputs_since:
            comparisons_build(study_id=study.pk)
            rebuilt.append(study.pk)
    return rebuilt


def _built_at(report: dict | None) -> datetime | None:
    try:
        return datetime.fromisoformat(report["built_at"]) if report else None
    except (KeyError, TypeError, ValueError):
        return None
