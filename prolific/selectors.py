"""Reads for the Prolific link: what the study still needs, each participant's record with us,
and what the API and the dashboard show."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet

from comparisons.models import Comparison, Study
from prolific.models import ProlificLink, Submission
from raters.models import GoldPair, Rater, StudyRaterSettings, Vote
from raters.selectors import stats_by_rater, votes_filling_slots, votes_that_count

# Prolific's submission statuses (https://docs.prolific.com, "Submission statuses").
RETURNED = "RETURNED"
TIMED_OUT = "TIMED-OUT"
AWAITING_REVIEW = "AWAITING REVIEW"
APPROVED = "APPROVED"
REJECTED = "REJECTED"
ACTIVE = "ACTIVE"
GONE = {RETURNED, TIMED_OUT}
# A participant holding a place: started and not returned, timed out or rejected.
HOLDING_PLACE = {"RESERVED", ACTIVE, AWAITING_REVIEW, APPROVED, "PROCESSING"}
MIN_FAILED_FAIR_CHECKS = 2  # Prolific's attention-check policy: reject only after two failed fair checks


def link_for(study: Study) -> ProlificLink | None:
    return ProlificLink.objects.filter(study=study).first()


def open_links() -> QuerySet[ProlificLink]:
    return ProlificLink.objects.filter(study__status=Study.Status.OPEN)


def votes_still_needed(study: Study) -> int:
    """Sum over the study's non-gold comparisons of max(0, votes_per_comparison - votes filling a slot)
    (raters.selectors.votes_filling_slots: the votes that count, judges' left out)."""
    wanted = study.votes_per_comparison
    regular = Comparison.objects.filter(study=study, gold__isnull=True)
    counts = dict(
        votes_filling_slots().filter(comparison__in=regular).values_list("comparison_id").annotate(n=Count("id"))
    )
    return sum(max(0, wanted - counts.get(pk, 0)) for pk in regular.values_list("pk", flat=True))


@dataclass(frozen=True)
class Need:
    votes_needed: int
    per_rater: float
    in_progress: float
    raters_needed: int
    holding: int
    target_places: int


def places_need(link: ProlificLink, settings: StudyRaterSettings) -> Need:
    """Places = participants holding a place + ceil(max(0, votes still needed - what active
    participants will still cast) / votes one new rater casts), where one rater casts
    quota - min(gold pairs, quota x gold_rate) votes that count (gold pairs are served at the
    gold rate until a rater has seen them all). Never below the participants holding a place
    (nor below Prolific's own places_taken)."""
    study = link.study
    needed = votes_still_needed(study)
    golds = GoldPair.objects.filter(comparison__study=study).count()
    per_rater = max(1.0, settings.quota - min(golds, settings.quota * settings.gold_rate))
    subs = Submission.objects.filter(link=link)
    holding = subs.filter(status__in=HOLDING_PLACE).count()
    active = list(subs.filter(status=ACTIVE).values_list("rater_id", flat=True))  # None: not on our site yet
    done = dict(
        Vote.objects.filter(rater_id__in=[r for r in active if r]).values_list("rater_id").annotate(n=Count("id"))
    )
    in_progress = sum(max(0, settings.quota - done.get(r, 0)) for r in active) * per_rater / settings.quota
    raters_needed = math.ceil(max(0.0, needed - in_progress) / per_rater) if needed else 0
    target = max(holding + raters_needed, holding, link.places_taken or 0)
    return Need(needed, per_rater, in_progress, raters_needed, holding, target)


@dataclass(frozen=True)
class Record:
    """A participant's record with us, for decisions and bonuses."""

    rater: Rater | None
    counted_votes: int
    gold_correct: int
    attention_checks: int
    attention_failed: int
    flags: tuple[str, ...]
    finished: bool


def records(link: ProlificLink, settings: StudyRaterSettings) -> dict[str, Record]:
    """Per Prolific participant id of the study's Prolific raters."""
    study = link.study
    raters = {r.external_id: r for r in Rater.objects.filter(study=study, source=Rater.Source.PROLIFIC)}
    stats = stats_by_rater(study, settings)
    kinds = dict(GoldPair.objects.filter(comparison__study=study).values_list("comparison_id", "kind"))
    expected = dict(GoldPair.objects.filter(comparison__study=study).values_list("comparison_id", "expected_winner_id"))
    ids = [r.pk for r in raters.values()]
    counted = dict(  # the one definition (raters.selectors); an exclusion is applied by bonus_amount
        votes_that_count(include_excluded=True).filter(rater_id__in=ids).values_list("rater_id").annotate(n=Count("id"))
    )
    gold_ok: dict[int, int] = {}
    checks: dict[int, int] = {}
    failed: dict[int, int] = {}
    for rater_id, comparison_id, winner_id in Vote.objects.filter(
        rater_id__in=ids, comparison_id__in=kinds
    ).values_list("rater_id", "comparison_id", "winner_id"):
        kind = kinds[comparison_id]
        if kind == GoldPair.Kind.GOLD and winner_id == expected[comparison_id]:
            gold_ok[rater_id] = gold_ok.get(rater_id, 0) + 1
        elif kind == GoldPair.Kind.ATTENTION:
            checks[rater_id] = checks.get(rater_id, 0) + 1
            if winner_id != expected[comparison_id]:
                failed[rater_id] = failed.get(rater_id, 0) + 1
    out = {}
    for pid, r in raters.items():
        s = stats.get(r.pk)
        votes = s.votes if s else 0
        out[pid] = Record(
            r,
            counted.get(r.pk, 0),
            gold_ok.get(r.pk, 0),
            checks.get(r.pk, 0),
            failed.get(r.pk, 0),
            s.flags if s else (),
            r.finished_at is not None or votes >= settings.quota,
        )
    return out


def bonus_amount(link: ProlificLink, record: Record) -> Decimal:
    """bonus_per_vote x votes that count (the rater not excluded) + bonus_per_gold_correct x gold pairs right."""
    counted = 0 if record.rater is None or record.rater.excluded else record.counted_votes
    return link.bonus_per_vote * counted + link.bonus_per_gold_correct * record.gold_correct
