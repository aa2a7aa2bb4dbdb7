"""Creating, opening and closing studies."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from comparisons import tasks
from comparisons.errors import Conflict, InvalidInput, RowError
from comparisons.grading import DEFAULT_SCALE, RATING_QUESTION, scale_problem
from comparisons.models import Study, StudySystem, System
from comparisons.names import name_problem
from comparisons.services.stopping import stopping_setting
from comparisons.slugs import random_slug


def study_create(
    *,
    owner: User,
    name: str,
    design: str,
    slug: str | None = None,
    systems: list[str] | None = None,
    focal_system: str | None = None,
    baselines: list[str] | None = None,
    votes_per_comparison: int = 3,
    question: str | None = None,
    choices: dict[str, str] | None = None,
    both_bad: bool = False,
    stopping: Any = None,
    scale: Any = None,
    per_turn: bool = False,
) -> Study:
    """Create a draft study and its systems (created by name when new).

    A `focal` study names `focal_system` and its `baselines`; an `all_pairs` study names
    `systems`. Either may start with few systems: uploads add the rest while it is a draft.
    `stopping`: the pairs' stopping rules (comparisons.services.stopping). `both_bad` offers
    raters "both are bad" as a fourth choice (its label `choices["both_bad"]`).
    A `rating` or `dialogue` study names `systems` and its `scale` (comparisons.grading;
    default LIMA's Fail / Pass / Excellent): raters grade one response, or each assistant turn
    of a conversation, at a time. A pairwise study with `per_turn` compares two systems'
    dialogue continuations turn by turn (responses are lists of turns, as a dialogue study's)."""
    _check_names(name=name, focal_system=focal_system, baselines=baselines, systems=systems)
    stopping = stopping_setting(stopping)
    rating = design in (Study.Design.RATING, Study.Design.DIALOGUE)
    scale = _scale(design, scale, both_bad=both_bad, choices=choices, stopping=stopping)
    if per_turn and rating:
        _invalid("per_turn", "is for pairwise studies (focal or all_pairs); a dialogue study grades each turn")
    if design == Study.Design.FOCAL:
        if not focal_system:
            _invalid("focal_system", "is required for a focal study")
        if systems:
            _invalid("systems", "a focal study takes focal_system and baselines, not systems")
        baselines = list(dict.fromkeys(baselines or []))
        if focal_system in baselines:
            _invalid("baselines", f"must not contain the focal system {focal_system!r}")
        members = [focal_system, *baselines]
    else:
        if focal_system or baselines:
            _invalid(
                "focal_system",
                f"{'an' if design == Study.Design.ALL_PAIRS else 'a'} {design} study takes systems, "
                "not focal_system and baselines",
            )
        members = list(dict.fromkeys(systems or []))
    slug = slug or _free_slug(name)
    with transaction.atomic():
        if Study.objects.filter(slug=slug).exists():
            _invalid("slug", f"{slug!r} is already taken")
        by_name = {}
        for member in members:
            by_name[member], _ = System.objects.get_or_create(name=member)
        fields = _wording(question or (RATING_QUESTION if rating else None), choices, both_bad)
        try:
            study = Study.objects.create(
                owner=owner,
                name=name,
                slug=slug,
                design=design,
                focal_system=by_name.get(focal_system) if design == Study.Design.FOCAL else None,
                votes_per_comparison=votes_per_comparison,
                stopping=stopping,
                scale=scale,
                per_turn=bool(per_turn),
                **fields,
            )
        except IntegrityError:
            _invalid("slug", f"{slug!r} is already taken")
        StudySystem.objects.bulk_create([StudySystem(study=study, system=s) for s in by_name.values()])
    return study


def study_open(*, study: Study) -> Study:
    """Open a draft (or reopen a closed) study and queue the comparison build."""
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        if not study.prompts.exists():
            raise Conflict(f"study {study.slug!r} has no outputs yet: upload outputs before opening it")
        if study.systems.count() < (1 if study.is_rating else 2):
            raise Conflict(f"study {study.slug!r} needs at least two systems to compare")
        if study.status != Study.Status.OPEN:
            study.status = Study.Status.OPEN
            study.opened_at = timezone.now()
            study.closed_at = None
            study.save(update_fields=["status", "opened_at", "closed_at"])
        # robust: with the broker down the study still opens (the answer is not a 500 for a
        # committed change); the beat sweep comparisons.rebuild_stranded_studies builds it.
        transaction.on_commit(lambda: tasks.build_comparisons.delay(study.pk), robust=True)
    return study


def study_close(*, study: Study) -> Study:
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        if study.status != Study.Status.CLOSED:
            study.status = Study.Status.CLOSED
            study.closed_at = timezone.now()
            study.save(update_fields=["status", "closed_at"])
    return study


def _scale(design: str, scale: Any, *, both_bad: bool, choices: Any, stopping: Any) -> list[str]:
    """A rating study's scale (LIMA's by default), checked; [] for a pairwise study."""
    if design not in (Study.Design.RATING, Study.Design.DIALOGUE):
        if scale is not None:
            _invalid("scale", "only a rating or dialogue study takes a scale")
        return []
    scale = list(DEFAULT_SCALE) if scale is None else scale
    if problem := scale_problem(scale):
        _invalid("scale", problem)
    if both_bad or choices:
        _invalid("both_bad" if both_bad else "choices", "a rating study grades on its scale: no pairwise choices")
    if stopping:
        _invalid("stopping", "stopping rules are for pairwise studies")
    return [label.strip() for label in scale]


def _wording(question: str | None, choices: dict[str, str] | None, both_bad: bool) -> dict[str, Any]:
    """The study's question and choice labels as model fields (the defaults where not given)."""
    fields: dict[str, Any] = {"question": question} if question else {}
    if choices:
        fields |= {"choice_a": choices["a"], "choice_b": choices["b"], "choice_tie": choices["tie"]}
        if choices.get("both_bad"):
            fields["choice_both_bad"] = choices["both_bad"]
    fields["offer_both_bad"] = bool(both_bad)
    return fields


def _free_slug(name: str) -> str:
    """Random words not taken yet (comparisons/slugs.py); never the name, which may name systems."""
    slug = random_slug()
    while Study.objects.filter(slug=slug).exists():
        slug = f"{random_slug()}-{secrets.randbelow(1000)}"
    return slug


def _check_names(
    *, name: str, focal_system: str | None, baselines: list[str] | None, systems: list[str] | None
) -> None:
    """Names shown to people carry no bidirectional control or invisible characters (comparisons/names.py)."""
    fields = (
        ("name", [name]),
        ("focal_system", [focal_system or ""]),
        ("baselines", baselines or []),
        ("systems", systems or []),
    )
    for field, values in fields:
        for value in values:
            if problem := name_problem(value):
                _invalid(field, problem)


def _invalid(field: str, reason: str) -> None:
    raise InvalidInput(f"{field}: {reason}", [RowError(None, field, reason)])


def study_update(*, study: Study, votes_per_comparison: int) -> Study:
    """Votes wanted per comparison may change at any time; comparisons that already hold
    more votes simply stay full."""
    if not 1 <= votes_per_comparison <= 1000:
        _invalid("votes_per_comparison", "must be between 1 and 1000")
    Study.objects.filter(pk=study.pk).update(votes_per_comparison=votes_per_comparison)
    study.refresh_from_db()
    return study


def study_set_both_bad(*, study: Study, offer: bool) -> Study:
    """Offer (or stop offering) "both are bad" as a fourth choice. Only a draft may change it:
    the votes of an open study were cast with the choices it had, and a fourth outcome that
    appears half-way would move every share."""
    with transaction.atomic():
        locked = Study.objects.select_for_update().get(pk=study.pk)
        if locked.offer_both_bad != offer:
            if locked.status != Study.Status.DRAFT:
                _invalid("both_bad", f"can change only while the study is a draft (it is {locked.status})")
            Study.objects.filter(pk=study.pk).update(offer_both_bad=offer)
    study.refresh_from_db()
    return study


def study_add_systems(*, study: Study, names: list[str]) -> list[System]:
    """Attach systems (created by name when new) to a draft study; for a focal study they
    become baselines. An open study's systems are fixed: its queue is being voted on."""
    if study.status != Study.Status.DRAFT:
        raise Conflict(f"study {study.slug!r} is {study.status}: systems can only be added to a draft")
    names = [n.strip() for n in names if n.strip()]
    if not names:
        _invalid("systems", "name at least one system")
    too_long = [n for n in names if len(n) > 100]
    if too_long:
        _invalid("systems", f"{too_long[0][:40]!r}... is longer than 100 characters")
    _check_names(name="", focal_system=None, baselines=None, systems=names)
    with transaction.atomic():
        systems = [System.objects.get_or_create(name=n)[0] for n in dict.fromkeys(names)]
        StudySystem.objects.bulk_create([StudySystem(study=study, system=s) for s in systems], ignore_conflicts=True)
    return systems
