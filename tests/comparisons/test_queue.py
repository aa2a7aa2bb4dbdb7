"""The comparison build: pairs per design, idempotency, concurrency, sides."""

from __future__ import annotations

import threading
from itertools import combinations

import pytest
from django.db import connection
from scipy.stats import binomtest

from comparisons.ingest.rows import validate_rows
from comparisons.models import Comparison, Study
from comparisons.services import comparisons_build, outputs_upload
from comparisons.sides import first_is_left
from tests.comparisons.helpers import rows_for
from tests.factories import StudyFactory, SystemFactory


def make_study(
    systems: list[str],
    prompts: int,
    *,
    design: str = Study.Design.FOCAL,
    seed: int = 12345,
    slug: str | None = None,
    rows: list[dict] | None = None,
) -> Study:
    objs = [SystemFactory(name=name) for name in systems]
    kwargs = {"slug": slug} if slug else {}
    study = StudyFactory.create(
        design=design, focal_system=objs[0] if design == Study.Design.FOCAL else None, systems=objs, seed=seed, **kwargs
    )
    valid, errors = validate_rows(list(enumerate(rows or rows_for(prompts, systems), start=1)), max_text_chars=10**6)
    assert not errors
    outputs_upload(study=study, rows=valid)
    return study


def system_pairs(study: Study) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for c in Comparison.objects.filter(study=study).select_related("left_response__system", "right_response__system"):
        assert c.right_response is not None
        low, high = sorted((c.left_response.system.name, c.right_response.system.name))
        pairs.add((low, high))
    return pairs


@pytest.mark.django_db
def test_a_focal_study_compares_the_focal_system_with_each_baseline():
    study = make_study(["LIMA", "GPT-4", "Bard", "Claude"], 5)
    report = comparisons_build(study_id=study.pk)
    assert report.created == 15 and report.total == 15 and report.pairs == 3
    assert system_pairs(study) == {("GPT-4", "LIMA"), ("Bard", "LIMA"), ("Claude", "LIMA")}
    for c in Comparison.objects.filter(study=study).select_related("left_response", "right_response"):
        assert c.left_response.prompt_id == c.right_response.prompt_id == c.prompt_id


@pytest.mark.django_db
def test_an_all_pairs_study_compares_every_pair():
    names = ["a", "b", "c", "d"]
    study = make_study(names, 3, design=Study.Design.ALL_PAIRS)
    report = comparisons_build(study_id=study.pk)
    assert report.pairs == 6 and report.total == 18
    assert system_pairs(study) == set(combinations(sorted(names), 2))


@pytest.mark.django_db
def test_prompts_missing_a_response_are_reported_and_skip_that_pair():
    rows = [r for r in rows_for(4, ["LIMA", "GPT-4", "Bard"]) if not (r["prompt_id"] == "p2" and r["system"] == "Bard")]
    study = make_study(["LIMA", "GPT-4", "Bard"], 4, rows=rows)
    report = comparisons_build(study_id=study.pk)
    assert report.total == 7
    assert report.prompts_missing_responses == 1 and report.missing == [{"prompt_id": "p2", "systems": ["Bard"]}]
    study.refresh_from_db()
    assert study.queue_report["missing"] == report.missing and "built_at" in study.queue_report


@pytest.mark.django_db
def test_building_twice_adds_nothing():
    study = make_study(["LIMA", "GPT-4"], 10)
    first = comparisons_build(study_id=study.pk)
    ids = list(Comparison.objects.values_list("id", "left_response_id"))
    second = comparisons_build(study_id=study.pk)
    assert first.created == 10 and second.created == 0 and second.total == 10
    assert list(Comparison.objects.values_list("id", "left_response_id")) == ids


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_builds_add_each_comparison_once():
    study = make_study(["LIMA", "GPT-4", "Bard"], 300)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def build() -> None:
        try:
            barrier.wait()
            comparisons_build(study_id=study.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Comparison.objects.filter(study=study).count() == 600
    assert Comparison.objects.values("prompt_id", "pair_key").distinct().count() == 600


@pytest.mark.django_db
def test_sides_are_balanced_over_many_comparisons():
    study = make_study(["LIMA", "GPT-4", "Bard", "Claude"], 400)
    comparisons_build(study_id=study.pk)
    focal_left = Comparison.objects.filter(study=study, left_response__system=study.focal_system).count()
    total = Comparison.objects.filter(study=study).count()
    assert total == 1200
    assert binomtest(focal_left, total).pvalue > 0.001
    assert 0.45 < focal_left / total < 0.55


@pytest.mark.django_db
def test_sides_are_reproducible_from_the_seed_and_change_with_it():
    def sides(seed: int, slug: str, order: list[str]) -> dict:
        study = make_study(order, 50, seed=seed, slug=slug)
        comparisons_build(study_id=study.pk)
        return {
            c.prompt.external_id: c.left_response.system.name
            for c in Comparison.objects.filter(study=study).select_related("prompt", "left_response__system")
        }

    first = sides(7, "one", ["LIMA", "GPT-4"])
    again = sides(7, "two", ["LIMA", "GPT-4"])
    other = sides(8, "three", ["LIMA", "GPT-4"])
    assert first == again
    assert first != other


def test_the_side_draw_is_symmetric_in_the_two_systems():
    for i in range(200):
        assert first_is_left(3, f"p{i}", "A", "B") is not first_is_left(3, f"p{i}", "B", "A")
