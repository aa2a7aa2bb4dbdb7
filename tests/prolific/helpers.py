"""Building a Prolific-linked study and letting Prolific raters vote through the rater services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from comparisons.models import Study
from prolific.client import Prolific, config_from_env
from prolific.models import ProlificLink
from prolific.services import link_set, study_url
from raters import services as raters
from raters.models import Assignment, GoldPair, Rater
from raters.services.attention import attention_checks_create
from tests.prolific.fake_prolific import FakeProlific
from tests.raters.conftest import open_study

RATER_URL = "https://lima.example/r/{slug}/"
CODE = "C0DE42"


def fast_client(slept: list[float] | None = None) -> Prolific:
    """The real client with a 1 s timeout, recording the backoff it asks for instead of sleeping."""
    return Prolific(
        config_from_env(timeout=1.0, backoff_base=0.001, backoff_cap=0.01),
        sleep=slept.append if slept is not None else (lambda seconds: None),
    )


def prolific_study(
    fake: FakeProlific,
    *,
    prompts: int = 4,
    votes: int = 2,
    checks: int = 2,
    quota: int = 4,
    slug: str = "pro",
    prolific_id: str = "PS1",
    places: int = 1,
    **policies: Any,
) -> ProlificLink:
    """An open study (prompts x 1 pair, `votes` per pair) with `checks` attention checks served
    first (gold_rate 1), linked to the fake's study `prolific_id`."""
    study = open_study(
        prompts,
        votes_per_comparison=votes,
        slug=slug,
        quota=quota,
        gold_rate=1.0 if checks else 0.0,
        completion_code=CODE,
        min_median_seconds=0.0,
    )  # test votes take no time
    if checks:
        attention_checks_create(study=study, count=checks)
    url = RATER_URL.format(slug=slug)
    fake.add_study(prolific_id, url=study_url(url), code=CODE, places=places)
    return link_set(
        study=study, prolific_study_id=prolific_id, rater_url=url, client=fast_client(), by="alice", **policies
    )


def rate(study: Study, pid: str, *, session: str = "", fail_checks: int = 0, stop_after: int | None = None) -> Rater:
    """A Prolific rater who votes until finished (or `stop_after` votes), choosing the broken
    response in the first `fail_checks` attention checks and the expected one in the others."""
    rater = raters.rater_enter_prolific(study=study, pid=pid, prolific_study_id="PS1", session_id=session)
    raters.rater_consent(rater=rater)
    failed = cast = 0
    while stop_after is None or cast < stop_after:
        nxt = raters.assignment_next(rater=rater)
        if nxt.assignment is None:
            break
        a: Assignment = nxt.assignment
        choice = "left"
        gold = GoldPair.objects.filter(comparison_id=a.comparison_id).select_related("comparison").first()
        if gold is not None:
            expected_left = gold.comparison.left_response.system_id == gold.expected_winner_id
            expected_shown_left = expected_left != a.swapped
            wrong = failed < fail_checks
            failed += wrong
            choice = "left" if expected_shown_left != wrong else "right"
        raters.vote_submit(rater=rater, token=a.token, choice=choice)
        cast += 1
    rater.refresh_from_db()
    return rater


def money(value: str) -> Decimal:
    return Decimal(value)
