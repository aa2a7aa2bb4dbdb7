"""A few clients cannot hold a study's slots with invented participants.

Against the code before this suite, 60 invented Prolific ids from one machine, each entering,
consenting and opening a vote page, held every slot of a 60-comparison study for the whole
lease; a real rater saw "This study is full" (issue 10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from raters.models import Assignment, EntryCount, Rater
from raters.services.ratelimit import entry_counts_purge
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db


def enter(slug: str, pid: str, address: str = "203.0.113.7", **headers: str) -> tuple[Client, int]:
    client = Client(REMOTE_ADDR=address, **headers)  # type: ignore[arg-type]
    return client, client.get(f"/r/{slug}/", {"PROLIFIC_PID": pid, "STUDY_ID": "s", "SESSION_ID": "x"}).status_code


def hold_a_pair(client: Client, slug: str) -> int:
    client.post(f"/r/{slug}/instructions/", {"consent": "yes"})
    return client.get(f"/r/{slug}/vote/").status_code


def test_one_address_creates_at_most_the_limit_of_new_raters_and_returning_raters_are_not_counted(settings):
    settings.LIMA_RATER_ENTRIES_PER_ADDRESS = 20
    open_study(slug="limited")
    statuses = [enter("limited", f"fake{i:03d}")[1] for i in range(60)]
    assert statuses[:20] == [302] * 20 and set(statuses[20:]) == {429}
    assert Rater.objects.filter(study__slug="limited").count() == 20
    assert enter("limited", "fake000")[1] == 302  # a rater coming back is resumed
    assert enter("limited", "real-person", address="198.51.100.4")[1] == 302  # someone else is not affected


def test_forwarded_for_is_read_only_through_the_trusted_proxies(settings):
    settings.LIMA_RATER_ENTRIES_PER_ADDRESS = 2
    open_study(slug="proxied")
    spoof = {"HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    statuses = [enter("proxied", f"s{i}", **spoof)[1] for i in range(3)]
    assert statuses == [302, 302, 429]  # no proxy trusted: the header is ignored, the socket address counts
    settings.LIMA_TRUSTED_PROXY_COUNT = 1
    behind = [
        enter("proxied", f"p{i}", address="10.0.0.2", HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 198.51.100.{i % 2}")[1]
        for i in range(5)
    ]
    assert behind == [302, 302, 302, 302, 429]  # two clients behind the proxy, two each; forged left parts do not help


def test_zero_means_unlimited(settings):
    settings.LIMA_RATER_ENTRIES_PER_ADDRESS = 0
    open_study(slug="open-door")
    assert {enter("open-door", f"f{i}")[1] for i in range(30)} == {302}
    assert not EntryCount.objects.exists()


def test_idle_leases_of_invented_raters_are_released_when_a_real_rater_finds_the_study_full(settings):
    settings.LIMA_RATER_ENTRIES_PER_ADDRESS = 20
    study = open_study(prompts=60, systems=("LIMA", "GPT-4"), votes_per_comparison=1, slug="lockout", quota=5)
    attackers = []
    for i in range(60):  # three addresses, twenty invented participants each
        client, status = enter("lockout", f"fake{i:03d}", address=f"203.0.113.{i // 20}")
        assert status == 302 and hold_a_pair(client, "lockout") == 200
        attackers.append(client)
    assert Assignment.objects.filter(rater__study=study, state="pending").count() == 60

    real, status = enter("lockout", "5f00aa11bb22", address="198.51.100.9")
    assert hold_a_pair(real, "lockout") == 200
    assert "full" in real.get("/r/lockout/vote/").content.decode()  # the leases are fresh: people may be reading

    Assignment.objects.filter(rater__external_id__startswith="fake").update(
        served_at=timezone.now() - timedelta(seconds=settings.LIMA_IDLE_LEASE_SECONDS + 5)
    )
    page = real.get("/r/lockout/vote/")
    assert page.status_code == 200 and 'name="token"' in page.content.decode()
    assert Assignment.objects.filter(rater__external_id="5f00aa11bb22", state="pending").count() == 1


def test_old_windows_are_purged():
    EntryCount.objects.create(address="203.0.113.1", window_start=0, count=5)
    assert entry_counts_purge() == 1 and not EntryCount.objects.exists()
