"""Many raters at once against a live server and PostgreSQL: the invariants hold."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest

from comparisons.models import Comparison
from raters.models import Assignment, Coverage, Vote
from tests.raters.conftest import open_study
from tests.raters.flows import HttpRater

RATERS = 25


def _walk(
    rater: HttpRater, rng: random.Random, barrier: threading.Barrier, stolen: list[str], errors: list[BaseException]
) -> None:
    """One rater's session: enter, wait for all, then take and vote on pairs until none is
    left, sometimes trying a pair handed to someone else (`stolen`) or submitting twice."""
    try:
        rater.enter()
        barrier.wait(timeout=60)
        while True:
            token, csrf, response = rater.next_pair()
            if token is None:
                assert "Thank you" in response.text or "full" in response.text or response.status_code == 302
                break
            if stolen and rng.random() < 0.2:  # try someone else's pair: must be refused
                rater.vote(rng.choice(stolen), csrf, "left")
            stolen.append(token)
            for _ in range(2 if rng.random() < 0.3 else 1):  # sometimes a double submit
                rater.vote(token, csrf, rng.choice(["left", "right", "tie"]))
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


@pytest.mark.django_db(transaction=True)
def test_twenty_five_raters_voting_at_once_never_overfill_a_comparison(live_server, settings):
    settings.LIMA_RATER_ENTRIES_PER_ADDRESS = 0  # 25 people, all on this machine's one address
    study = open_study(prompts=8, systems=("LIMA", "GPT-4", "Bard"), votes_per_comparison=3, quota=6, slug="crowd")
    slots = Comparison.objects.filter(study=study).count() * 3
    barrier = threading.Barrier(RATERS)
    errors: list[BaseException] = []
    stolen: list[str] = []
    raters = [HttpRater(live_server.url, "crowd", f"PID{i:03d}") for i in range(RATERS)]

    threads = [
        threading.Thread(target=_walk, args=(r, random.Random(i), barrier, stolen, errors))
        for i, r in enumerate(raters)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    for r in raters:
        r.close()
    assert errors == []
    assert not [s for r in raters for s in r.statuses if s >= 500]
    per_comparison = Counter(Vote.objects.filter(comparison__study=study).values_list("comparison_id", flat=True))
    assert max(per_comparison.values()) <= 3
    assert sum(per_comparison.values()) == slots  # demand (25 x 6) exceeds the 48 slots: all are filled
    per_rater = Counter(Vote.objects.values_list("rater_id", flat=True))
    assert max(per_rater.values()) <= 6
    assert Vote.objects.values("rater_id", "comparison_id").distinct().count() == Vote.objects.count()
    assert not Assignment.objects.filter(state=Assignment.State.PENDING).exists()
    assert dict(Coverage.objects.values_list("comparison_id", "filled")) == dict(per_comparison)  # hints are exact
    for vote in Vote.objects.select_related("assignment"):
        assert vote.assignment.rater_id == vote.rater_id and vote.assignment.state == Assignment.State.VOTED


@pytest.mark.django_db(transaction=True)
def test_two_tabs_of_one_rater_asking_at_once_get_the_same_single_pair():
    from django.db import connection

    from raters import services
    from tests.factories import RaterFactory

    study = open_study(prompts=10, slug="tabs")
    rater = RaterFactory(study=study)
    barrier = threading.Barrier(6)
    got, errors = [], []

    def ask() -> None:
        try:
            barrier.wait(timeout=30)
            assignment = services.assignment_next(rater=rater).assignment
            assert assignment is not None
            got.append(assignment.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(got) == 6 and len(set(got)) == 1
    assert Assignment.objects.filter(rater=rater).count() == 1
