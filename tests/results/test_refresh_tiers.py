"""Refreshes whose cost follows the new votes (issue 13): the default results' counted parts are
recomputed with every refresh and their resampled parts on their own schedule (kept as they were,
stamped with the votes they are from), and a large study's columns are kept between refreshes so
that only the newer votes are read. Both are checked against computing and reading everything."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from comparisons.models import Comparison, Study
from comparisons.selectors import study_counts
from comparisons.services.queue import study_pairs
from raters.models import Rater, Vote
from raters.services.votes import vote_build
from results import kept_columns, loading, services
from results.compute import RESAMPLED_SECTIONS, compute_results
from results.joins import lookup
from results.models import ResultSnapshot
from results.params import Params
from results.selectors import VoteFilter, vote_load, votes_version
from results.study_columns import StudyColumns
from tests.comparisons.helpers import upload
from tests.results.test_api import import_votes, lima_votes
from tests.results.test_loading import assert_close

pytestmark = pytest.mark.django_db

# what a carried refresh recomputes from the votes, per pair
COUNTED_PAIR_FIELDS = (
    "counts",
    "prompts",
    "alpaca_eval",
    "sign_test",
    "prompt_test",
    "plan",
    "p_value_holm",
    "verdict",
)


def plain(data: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(data))
    return loaded


def results_of(study: Study, carry: dict[str, Any] | None = None) -> dict[str, Any]:
    params = Params(seed=study.seed)
    return plain(services.results_compute(study=study, params=params, filters=VoteFilter(), carry=carry))


def some_votes(api) -> None:
    rows = lima_votes(10, 5, 8, rater="r1") + lima_votes(7, 9, 4, baseline="Bard", rater="r2", start=3)
    assert import_votes(api, rows).status_code == 201


def crowd_votes(study: Study, rater: str, n: int, seed: int = 0, per_turn: bool = False) -> None:
    """``n`` votes of a new crowd rater on the study's first comparisons, written as the rater
    form writes them (raters.services.votes.vote_build; no comparisons build, unlike an import);
    with ``per_turn``, two turns' choices each."""
    rng = np.random.default_rng(seed)
    who = Rater.objects.create(study=study, external_id=rater, group="crowd")
    for i, c in enumerate(
        Comparison.objects.filter(study=study, gold__isnull=True)
        .select_related("left_response", "right_response")
        .order_by("id")[:n]
    ):
        left, right = c.left_response, c.right_response
        assert right is not None
        vote_build(
            rater_id=who.pk,
            comparison_id=c.pk,
            left=(left.pk, left.system_id),
            right=(right.pk, right.system_id),
            choice="per_turn" if per_turn else str(rng.choice(["left", "right", "tie"])),
            turn_choices=(["left", "tie"] if i % 2 else ["both_bad", "right"]) if per_turn else None,
            seconds=float(rng.uniform(5, 60)),
            is_gold=False,
        ).save()


def more_votes(api) -> None:
    rows = lima_votes(12, 3, 2, rater="r3", start=5) + lima_votes(2, 2, 9, baseline="Bard", rater="r4", start=20)
    assert import_votes(api, rows).status_code == 201


def test_carrying_the_resampled_parts_of_the_same_votes_changes_nothing(api, focal):
    some_votes(api)
    full = results_of(focal)
    carried = results_of(focal, carry=full)
    assert full.pop("carried") is False and carried.pop("carried") is True
    assert_close(full, carried)


def test_a_carried_refresh_counts_the_new_votes_and_keeps_the_resampled_parts(api, focal):
    some_votes(api)
    before = results_of(focal)
    more_votes(api)
    fresh, carried = results_of(focal), results_of(focal, carry=before)
    assert carried["carried"] is True
    for section in RESAMPLED_SECTIONS:
        assert carried[section] == before[section]
    assert carried["ranking"] != fresh["ranking"]  # the new votes move the ranking once it is resampled
    for mine, new, old in zip(carried["pairs"], fresh["pairs"], before["pairs"], strict=True):
        for field in COUNTED_PAIR_FIELDS:
            assert mine[field] == new[field], field
        for name in ("wilson", "goodman"):
            assert mine["intervals"][name] == new["intervals"][name]
        assert mine["intervals"]["bootstrap"] == old["intervals"]["bootstrap"]
        assert mine["intervals"]["sequential"] == old["intervals"]["sequential"]
        assert mine["interval"] == mine["intervals"][mine["interval_method"]]
        assert (mine["settled"], mine["need"]) == (old["settled"], old["need"])
        assert mine["outcomes"]["n"] == new["outcomes"]["n"] != old["outcomes"]["n"]
    assert carried["headline_votes"] == fresh["headline_votes"] > before["headline_votes"]
    assert carried["bias"] == fresh["bias"]


def test_results_of_other_parameters_or_pairs_or_without_a_section_are_never_carried(api, focal):
    some_votes(api)
    before = results_of(focal)
    table = vote_load(focal, VoteFilter()).table
    other = compute_results(table, study_pairs(focal), Params(seed=focal.seed, level=0.9), carry=before)
    assert other["carried"] is False
    assert compute_results(table, study_pairs(focal), Params(seed=focal.seed), carry=before)["carried"] is True
    assert results_of(focal, carry={**before, "pairs": before["pairs"][:1]})["carried"] is False
    assert results_of(focal, carry={k: v for k, v in before.items() if k != "ranking"})["carried"] is False
    assert results_of(focal, carry=before)["carried"] is True


def stored() -> dict[str, Any]:
    data: dict[str, Any] = ResultSnapshot.objects.get(key=services.DEFAULT_KEY).data
    return data


def test_the_refresh_resamples_on_its_schedule_and_catches_up_when_votes_pause(api, focal, settings):
    settings.LIMA_RESULTS_RESAMPLE_ALWAYS_BELOW = 0  # as for a large study
    settings.LIMA_RESULTS_RESAMPLE_SECONDS = 3600
    some_votes(api)
    services.results_refresh(study_id=focal.pk)
    first = stored()
    assert first["resampled"]["n_votes"] == first["n_votes"] == 43
    assert first["resampled"]["votes_version"] == first["votes_version"] == votes_version(focal)

    more_votes(api)
    services.results_refresh(study_id=focal.pk)
    second = stored()
    assert second["n_votes"] == 73 and second["votes_version"] == votes_version(focal)
    assert second["resampled"] == first["resampled"]  # kept, and said to be from the 46 votes
    assert second["ranking"] == first["ranking"] and second["agreement"] == first["agreement"]
    assert [p["counts"]["n"] for p in second["pairs"]] != [p["counts"]["n"] for p in first["pairs"]]

    # the votes paused: the beat sweep finds the resampled parts behind and catches them up
    assert services.results_refresh_stale() == [focal.pk]
    third = stored()
    assert third["resampled"]["n_votes"] == 73 and third["resampled"]["votes_version"] == third["votes_version"]
    assert third["ranking"] != second["ranking"]
    services.results_refresh(study_id=focal.pk, resample=True)  # everything recomputed from the same votes
    fourth = stored()
    assert third["resampled"].pop("computed_at") and fourth["resampled"].pop("computed_at")
    assert_close(third, fourth)
    assert services.results_refresh_stale() == []  # nothing lags any more


def test_the_resampled_parts_are_recomputed_once_they_are_old(api, focal, settings):
    settings.LIMA_RESULTS_RESAMPLE_ALWAYS_BELOW = 0
    settings.LIMA_RESULTS_RESAMPLE_SECONDS = 60
    some_votes(api)
    services.results_refresh(study_id=focal.pk)
    snapshot = ResultSnapshot.objects.get(key=services.DEFAULT_KEY)
    snapshot.data["resampled"]["computed_at"] = (timezone.now() - timedelta(seconds=61)).isoformat()
    snapshot.save()
    more_votes(api)
    services.results_refresh(study_id=focal.pk)
    assert stored()["resampled"]["n_votes"] == 73


def test_a_small_study_resamples_with_every_refresh(api, focal):
    some_votes(api)
    services.results_refresh(study_id=focal.pk)
    more_votes(api)
    services.results_refresh(study_id=focal.pk)
    data = stored()
    assert data["resampled"]["n_votes"] == data["n_votes"] == 73
    assert services.resample_due(data, votes_version(focal), 73) is True  # below the threshold: always


def test_the_due_rule(settings):
    settings.LIMA_RESULTS_RESAMPLE_ALWAYS_BELOW = 1000
    settings.LIMA_RESULTS_RESAMPLE_SECONDS = 300
    now = timezone.now().isoformat()
    old = (timezone.now() - timedelta(seconds=301)).isoformat()
    stamp = {"n_votes": 5000, "votes_version": "v1", "computed_at": now}
    assert services.resample_due(None, "v2", 5000)
    assert services.resample_due({"votes_version": "v1"}, "v2", 5000)  # never resampled
    assert services.resample_due({"votes_version": "v1", "resampled": stamp}, "v2", 999)  # small
    assert not services.resample_due({"votes_version": "v1", "resampled": stamp}, "v2", 5000)  # fresh enough
    assert not services.resample_due({"votes_version": "v1", "resampled": stamp}, "v1", 5000)  # nothing new
    assert services.resample_due({"votes_version": "v2", "resampled": stamp}, "v2", 5000)  # votes paused
    assert services.resample_due({"votes_version": "v1", "resampled": {**stamp, "computed_at": old}}, "v2", 5000)


# --- the columns kept between refreshes (PostgreSQL) -------------------------------------------------


def assert_same_columns(a: StudyColumns, b: StudyColumns) -> None:
    for part in ("votes", "comparisons", "responses", "turns", "links"):
        x, y = getattr(a, part), getattr(b, part)
        assert (x is None) == (y is None), part
        if x is not None:
            assert x.keys() == y.keys(), part
            for k in x:
                assert x[k].dtype == y[k].dtype and np.array_equal(x[k], y[k]), (part, k)
    assert a.raters == b.raters and a.systems == b.systems


def read(study: Study) -> StudyColumns:
    return loading.study_columns(study, version=votes_version(study))


@pytest.fixture
def kept(settings):
    assert connection.vendor == "postgresql"
    settings.LIMA_RESULTS_COLUMN_CACHE_MIN_VOTES = 1
    kept_columns.kept_studies.clear()
    yield kept_columns.kept_studies
    kept_columns.kept_studies.clear()


def test_after_new_votes_only_the_newer_ones_are_read_and_the_columns_equal_a_full_read(api, focal, kept, monkeypatch):
    some_votes(api)
    first = read(focal)
    assert kept[focal.pk].last_id == int(first.votes["id"][-1])
    assert first.votes["id"].base is kept[focal.pk].room["votes.id"]  # kept with room for the next votes
    crowd_votes(focal, "c1", 30)
    crowd_votes(focal, "c2", 12, seed=1)
    sent: list[str] = []
    real = loading.fetch_columns

    def spy(source, columns, extra=None, planner=None):
        sent.append(source.as_string(connection.connection))
        return real(source, columns, extra, planner)

    monkeypatch.setattr(loading, "fetch_columns", spy)
    again = read(focal)
    monkeypatch.undo()
    assert any(f"id > {int(first.votes['id'][-1])}" in s for s in sent), sent
    assert not any("comparisons_comparison" in s for s in sent)  # comparisons kept
    assert not any("turn_choices" in s for s in sent)  # no per-turn vote read: no read of turns
    kept_columns.kept_studies.clear()
    assert_same_columns(again, loading.study_columns(focal))
    assert again.votes["id"].size == Vote.objects.filter(rater__study=focal).count() == 85
    # two more rounds: the kept columns grow in place (kept_columns.appended), and columns handed
    # out before keep their votes
    before = {k: col.copy() for k, col in again.votes.items()}
    read(focal)
    crowd_votes(focal, "c3", 7, seed=2)
    grown = read(focal)
    crowd_votes(focal, "c4", 5, seed=3)
    grown = read(focal)
    assert all(np.array_equal(before[k], again.votes[k]) for k in before)
    assert grown.votes["id"].base is kept[focal.pk].room["votes.id"]  # a view of the kept buffer
    kept_columns.kept_studies.clear()
    assert_same_columns(grown, loading.study_columns(focal))
    assert grown.votes["id"].size == 97


def test_appended_columns_equal_a_concatenation_and_leave_earlier_views_alone():
    room: dict[str, np.ndarray] = {}
    rng = np.random.default_rng(0)
    first = rng.integers(0, 100, 50)
    views, want = [first], first
    for size in (3, 0, 700, 2_000, 1):
        new = rng.integers(0, 100, size)
        views.append(kept_columns.appended(room, "x", views[-1], new))
        want = np.concatenate([want, new])
        assert np.array_equal(views[-1], want)
    for view in views:  # each still the first entries of the whole
        assert np.array_equal(view, want[: view.size])
    # a column that is not the buffer's first entries (computed afresh) gets a buffer of its own
    other = kept_columns.appended(room, "x", want[::-1].copy(), np.array([7]))
    assert np.array_equal(other, np.concatenate([want[::-1], [7]]))
    assert np.array_equal(views[-1], want)


def test_an_update_a_delete_or_a_late_commit_is_noticed_and_read_in_full(api, focal, kept):
    some_votes(api)
    read(focal)
    first = Vote.objects.filter(rater__external_id="r1").order_by("id").first()
    Vote.objects.filter(pk=first.pk).update(choice="tie", winner=None)  # votes unchanged, changes + 1
    updated = read(focal)
    kept_columns.kept_studies.clear()
    assert_same_columns(updated, loading.study_columns(focal))

    read(focal)
    victim = Vote.objects.filter(rater__external_id="r2").order_by("id").first()
    gap, values = victim.pk, {f.attname: getattr(victim, f.attname) for f in Vote._meta.concrete_fields}
    victim.delete()
    after_delete = read(focal)
    kept_columns.kept_studies.clear()
    assert_same_columns(after_delete, loading.study_columns(focal))

    read(focal)  # kept, newest id above the gap
    assert kept[focal.pk].last_id > gap
    Vote.objects.create(**values)  # committed "late": an id below the newest one read
    late = read(focal)
    assert gap in late.votes["id"].tolist()
    kept_columns.kept_studies.clear()
    assert_same_columns(late, loading.study_columns(focal))


def test_new_outputs_or_gold_pairs_read_the_comparisons_again(api, focal, kept):
    some_votes(api)
    read(focal)
    gold = api.post("/api/studies/s/gold/", {"prompt_id": "p5", "systems": ["LIMA", "GPT-4"], "expected": "LIMA"})
    assert gold.status_code == 201
    again = read(focal)
    kept_columns.kept_studies.clear()
    assert_same_columns(again, loading.study_columns(focal))
    assert again.comparisons["gold"].any()


def test_refreshes_through_kept_columns_give_the_results_of_a_fresh_process(api, focal, kept):
    some_votes(api)
    services.results_refresh(study_id=focal.pk)
    crowd_votes(focal, "c1", 30)
    services.results_refresh(study_id=focal.pk)
    assert kept[focal.pk].votes == 73
    kept_data = stored()
    kept_digest = ResultSnapshot.objects.get(key=services.DIGEST_KEY).data
    kept_columns.kept_studies.clear()
    services.results_refresh(study_id=focal.pk, resample=True)  # the same votes, read afresh
    fresh = stored()
    assert_close(
        {k: v for k, v in kept_data.items() if k != "resampled"}, {k: v for k, v in fresh.items() if k != "resampled"}
    )
    assert ResultSnapshot.objects.get(key=services.DIGEST_KEY).data == kept_digest
    assert kept_digest["counts"] == plain(study_counts(focal))  # kept from the digest before: no build since


def test_a_raters_median_seconds_follow_its_new_votes_through_kept_columns(api, focal, kept):
    """The digest keeps a rater's median seconds while its votes are as many as before
    (StudyColumns.medians) and counts it again when it has new ones."""
    some_votes(api)
    crowd_votes(focal, "c1", 30)
    services.results_refresh(study_id=focal.pk)
    who = Rater.objects.get(study=focal, external_id="c1")
    before = ResultSnapshot.objects.get(key=services.DIGEST_KEY).data["raters"][str(who.pk)]["median_seconds"]
    for c in Comparison.objects.filter(study=focal, gold__isnull=True).order_by("id")[30:40]:
        assert c.right_response is not None
        vote_build(
            rater_id=who.pk,
            comparison_id=c.pk,
            left=(c.left_response_id, c.left_response.system_id),
            right=(c.right_response_id, c.right_response.system_id),
            choice="tie",
            seconds=500.0,  # slower than any vote before: the median moves up
            is_gold=False,
        ).save()
    crowd_votes(focal, "c2", 5, seed=4)
    services.results_refresh(study_id=focal.pk)
    assert kept[focal.pk].votes == 88  # read through the kept columns
    kept_digest = ResultSnapshot.objects.get(key=services.DIGEST_KEY).data
    assert kept_digest["raters"][str(who.pk)]["median_seconds"] > before
    kept_columns.kept_studies.clear()
    services.results_refresh(study_id=focal.pk, resample=True)  # the same votes, read afresh
    assert ResultSnapshot.objects.get(key=services.DIGEST_KEY).data == kept_digest


def test_the_study_page_says_when_the_resampled_parts_lag_the_counts(api, focal, client, researcher, settings):
    settings.LIMA_RESULTS_RESAMPLE_ALWAYS_BELOW = 0
    client.force_login(researcher)
    some_votes(api)
    services.results_refresh(study_id=focal.pk)
    assert "from the first" not in client.get("/dashboard/s/s/").content.decode()
    crowd_votes(focal, "c1", 30)
    services.results_refresh(study_id=focal.pk)
    page = client.get("/dashboard/s/s/").content.decode()
    assert "are from the first 43 votes" in page and "From 73 votes" in page


def test_per_turn_votes_are_read_with_their_turns_once(api, kept, monkeypatch):
    from tests.results.test_per_turn_api import create, import_rows, open_study, turn_rows
    from tests.results.test_per_turn_api import import_votes as import_turn_votes

    create(api, slug="t", votes_per_comparison=5)
    upload(api, "t", turn_rows(20, 2))
    open_study(api, "t")
    assert import_turn_votes(api, "t", import_rows(20, raters=("r1", "r2"))).status_code == 201
    study = Study.objects.get(slug="t")
    first = read(study)
    assert first.turns is not None and first.turns["vote"].size == 80
    crowd_votes(study, "c1", 20, per_turn=True)
    again = read(study)
    assert kept[study.pk].votes == 60 and again.turns is not None and again.turns["vote"].size == 120
    kept_columns.kept_studies.clear()
    assert_same_columns(again, loading.study_columns(study))
    params = Params(seed=study.seed)
    via_kept = services.results_compute(study=study, params=params, filters=VoteFilter(), columns=again)
    fresh = services.results_compute(study=study, params=params, filters=VoteFilter())
    assert_close(plain(via_kept), plain(fresh))


def test_lookup_by_table_equals_the_binary_search():
    """lookup's table (many ids, keys of a moderate span) places every id as the binary
    search does: found ones at their key, missing ones (between keys, below, above) where
    searchsorted puts them."""
    rng = np.random.default_rng(1)
    for trial in range(20):
        keys = np.unique(rng.integers(5_000, 5_000 + int(rng.integers(10, 50_000)), int(rng.integers(1, 20_000))))
        ids = np.concatenate(
            [rng.choice(keys, 3_000), rng.integers(0, 80_000, 500), [0, keys[0] - 1, keys[-1] + 1, 10**12]]
        )
        rng.shuffle(ids)
        pos, found = lookup(keys, ids)
        want = np.minimum(np.searchsorted(keys, ids), keys.size - 1)
        assert pos.dtype == want.dtype and np.array_equal(pos, want), trial
        assert np.array_equal(found, keys[want] == ids), trial
    few = lookup(np.array([3, 9]), np.array([9, 4]))  # few ids: the search itself
    assert few[0].tolist() == [1, 1] and few[1].tolist() == [True, False]
