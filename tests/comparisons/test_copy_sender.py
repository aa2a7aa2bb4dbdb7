"""COPY sent by a thread in several statements, each checking its foreign keys as it ends
(comparisons/services/copy_sender.py): the same rows as one statement, a row refused in any
statement or a failure while the rows are made leaves nothing, the keys are deferred again after,
and no thread outlives the write."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from comparisons.models import Prompt, Response, Study, System
from comparisons.services import copy_rows
from comparisons.services.copy_rows import insert_values
from comparisons.services.outputs import PROMPT_VALUES, RESPONSE_VALUES
from tests.comparisons.helpers import create_study

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


@pytest.fixture
def small_statements(monkeypatch):
    """Rows sent one at a time, two to a statement: 7 rows are 4 statements."""
    monkeypatch.setattr(copy_rows, "BATCH", 1)
    monkeypatch.setattr(copy_rows, "STATEMENT_ROWS", 2)


def _setup(api, slug: str) -> tuple[Study, System]:
    create_study(api, slug=slug)
    return Study.objects.get(slug=slug), System.objects.get(name="GPT-4")


def _prompt_values(study: Study, n: int = 7) -> list[tuple[Any, ...]]:
    return [(study.pk, f"p{i}", f"Question {i}?\twith a tab", [], "advice" if i % 2 else "") for i in range(n)]


def _response_values(pks: list[int], system: System) -> list[list[Any]]:
    return [
        [pk, system.pk, f"answer {i}\n\\", {"n": i}, 10, ["GPT-4"] if i == 3 else [], ""] for i, pk in enumerate(pks)
    ]


def _stored(study: Study) -> list[tuple]:
    prompts = Prompt.objects.filter(study=study).order_by("external_id")
    responses = Response.objects.filter(prompt__study=study).order_by("prompt__external_id")
    return [
        *prompts.values_list("external_id", "text", "turns", "category"),
        *responses.values_list(
            "prompt__external_id", "system_id", "text", "metadata", "length", "reveals", "masked_text"
        ),
    ]


@pytest.mark.django_db
def test_rows_sent_in_several_statements_are_the_rows_of_one(api, monkeypatch):
    one, several = _setup(api, "one"), _setup(api, "several")
    for (study, system), size in ((one, 10_000), (several, 2)):
        monkeypatch.setattr(copy_rows, "BATCH", min(size, 2000))
        monkeypatch.setattr(copy_rows, "STATEMENT_ROWS", size)
        pks = insert_values(Prompt, PROMPT_VALUES, _prompt_values(study), ids=True)
        assert pks == sorted(pks) and list(Prompt.objects.filter(study=study).values_list("pk", flat=True)) == pks
        insert_values(Response, RESPONSE_VALUES, _response_values(pks, system))
    assert len(_stored(one[0])) == 14 and _stored(one[0]) == _stored(several[0])


def _threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "copy-sender"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broken", ["a prompt that does not exist", "a (prompt, system) given twice"])
def test_a_row_refused_in_a_later_statement_fails_there_and_leaves_nothing(api, small_statements, broken):
    study, system = _setup(api, "s")
    raised_by_the_write = False
    with pytest.raises(IntegrityError), transaction.atomic():
        pks = insert_values(Prompt, PROMPT_VALUES, _prompt_values(study), ids=True)
        values = _response_values(pks, system)
        if broken == "a prompt that does not exist":
            values[5][0] = max(pks) + 1000  # checked when its statement ends, not at COMMIT
        else:
            values[5][0] = values[0][0]
        try:
            insert_values(Response, RESPONSE_VALUES, values)
        except IntegrityError:
            raised_by_the_write = True
            raise
    assert raised_by_the_write and not _threads()
    assert not Prompt.objects.exists() and not Response.objects.exists()
    insert_values(Prompt, PROMPT_VALUES, _prompt_values(study), ids=True)  # the connection is usable
    assert Prompt.objects.count() == 7


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_the_rows_are_made_ends_the_copy_and_leaves_nothing(api, small_statements):
    study, system = _setup(api, "s")

    class Made:
        def __len__(self) -> int:
            return 7

        def __iter__(self) -> Iterator[list[Any]]:
            yield from _response_values(pks, system)[:5]  # (two statements sent and checked)
            raise RuntimeError("the masking failed")

    with pytest.raises(RuntimeError, match="the masking failed"), transaction.atomic():
        pks = insert_values(Prompt, PROMPT_VALUES, _prompt_values(study), ids=True)
        insert_values(Response, RESPONSE_VALUES, Made())
    assert not _threads() and not Prompt.objects.exists() and not Response.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_foreign_keys_are_deferred_again_after_the_write(api, small_statements):
    study, system = _setup(api, "s")
    inserted = False
    with pytest.raises(IntegrityError), transaction.atomic():
        pks = insert_values(Prompt, PROMPT_VALUES, _prompt_values(study), ids=True)
        insert_values(Response, RESPONSE_VALUES, _response_values(pks[:3], system))
        with connection.cursor() as cursor:  # a broken key after the write is only found at COMMIT
            cursor.execute(
                f"INSERT INTO {Response._meta.db_table} (prompt_id, system_id, text, metadata, length, reveals,"
                " masked_text, created_at, updated_at) VALUES (%s, %s, '', '{}', 0, '[]', '', now(), now())",
                [max(pks) + 1000, system.pk],
            )
        inserted = Response.objects.count() == 4
    assert inserted and not Response.objects.exists()


@pytest.mark.django_db
def test_the_callers_steps_are_taken_while_postgresql_writes_and_no_longer(api):
    study, _ = _setup(api, "s")
    taken = 0

    def steps() -> Iterator[None]:
        nonlocal taken
        while taken < 10**7:
            taken += 1
            yield None

    pks = insert_values(Prompt, PROMPT_VALUES, _prompt_values(study, 3000), ids=True, meanwhile=steps())
    assert 0 < taken < 10**7 and Prompt.objects.filter(study=study).count() == 3000 == len(pks)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_statements_are_still_all_or_nothing(api, small_statements):
    """insert_values promises all rows or none; its several COPY statements must not each
    commit on their own when the caller has no transaction open (autocommit)."""
    study, system = _setup(api, "s")
    pks = insert_values(Prompt, PROMPT_VALUES, _prompt_values(study), ids=True)
    values = _response_values(pks, system)
    values[5][0] = max(pks) + 1000  # a prompt that does not exist, in the third statement
    with pytest.raises(IntegrityError):
        insert_values(Response, RESPONSE_VALUES, values)
    assert not _threads() and not Response.objects.exists() and Prompt.objects.count() == 7
    assert insert_values(Response, RESPONSE_VALUES, _response_values(pks, system)) == []  # keys deferred as before
    assert Response.objects.count() == 7
