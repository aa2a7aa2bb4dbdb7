"""What the consent page tells a rater, from the study's rater settings with LIMA-style
defaults, promising only what the study does: attention checks are mentioned only when the
study serves gold pairs, pay only when the researcher gave it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from comparisons.models import Study
from raters.models import GoldPair, StudyRaterSettings

MINUTES_PER_PAIR = 1.0  # reading two answers and choosing; the default estimate when none is set
DEFAULT_DATA_USE = (
    "Your choices, any reasons you type and the time each took are stored with your Prolific ID (or a random ID if "
    "you came by a plain link). They are used to compare the answers of AI systems. You are not asked for your name "
    "or email address, and you never learn which system wrote which answer."
)


@dataclass(frozen=True)
class ConsentFacts:
    researcher: str
    contact: str
    minutes: int
    minutes_estimated: bool
    pay: str
    data_use: str
    attention_checks: bool


def consent_facts(*, study: Study, settings: StudyRaterSettings) -> ConsentFacts:
    """The consent page's facts: settings where given, else the defaults above; attention
    checks only if gold pairs exist and are served (gold_rate > 0)."""
    minutes = settings.estimated_minutes or max(1, math.ceil(settings.quota * MINUTES_PER_PAIR))
    checks = settings.gold_rate > 0 and GoldPair.objects.filter(comparison__study=study).exists()
    return ConsentFacts(
        # Never the study's name: raters must not see it (it may name the systems compared).
        researcher=settings.researcher_name or "the researcher who runs this study (no name given)",
        contact=settings.researcher_contact,
        minutes=minutes,
        minutes_estimated=settings.estimated_minutes is None,
        pay=settings.pay,
        data_use=settings.data_use or DEFAULT_DATA_USE,
        attention_checks=checks,
    )
