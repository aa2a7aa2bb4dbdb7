"""Uploads stream into PostgreSQL with COPY (comparisons/services/copy_rows.py): the rows are
the ones bulk_create writes, and a failure anywhere leaves nothing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict

from comparisons.ingest.rows import validate_rows
from comparisons.models import Prompt, Response, Study, System
from comparisons.services import outputs_upload
from comparisons.services.copy_rows import BATCH, _next_ids, insert_rows, insert_values
from comparisons.services.outputs import PROMPT_VALUES, RESPONSE_VALUES
from tests.comparisons.helpers import create_study, rows_for, upload

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

TEXTS = ["plain", "tab\tand\nnewline and \\ backslash", "ünïcödé ✓ 𝄞", "quote \" and ' and , comma", ""]


def _prompts(study: Study, tag: str) -> list[Prompt]:
    return [
        Prompt(
            study=study,
            external_id=f"{tag}{i}",
            text=TEXTS[i % len(TEXTS)] or "x",
            turns=[{"role": "user", "content": TEXTS[i % len(TEXTS)]}] if i % 2 else [],
            category="advice" if i % 3 else "",
        )
        for i in range(7)
    ]


def _responses(prompts: list[Prompt], system: System) -> list[Response]:
    return [
        Response(
            prompt=p,
            prompt_id=p.pk,
            system=system,
            text=TEXTS[i % len(TEXTS)],
            metadata={"temperature": 0.7, "nested": {"k": [1, None, "ü"]}, "n": i} if i % 2 else {},
            length=len(TEXTS[i % len(TEXTS)]),
            reveals=["GPT-4"] if i == 3 else [],
            masked_text="[model]" if i == 3 else "",
        )
        for i, p in enumerate(prompts)
    ]


def _values(objs: list, skip: set[str]) -> list[dict]:
    return [{k: v for k, v in model_to_dict(o).items() if k not in skip} for o in objs]


def _same_responses(a: Study, b: Study) -> list[Response]:
    """The responses of study ``a`` (written by COPY), checked equal to study ``b``'s (bulk_create)."""
    by = ("prompt__external_id",)
    resp_a = list(Response.objects.filter(prompt__study=a).order_by(*by))
    resp_b = list(Response.objects.filter(prompt__study=b).order_by(*by))
    assert len(resp_a) == 7 and _values(resp_a, {"id", "prompt"}) == _values(resp_b, {"id", "prompt"})
    assert all(r.created_at and r.updated_at for r in resp_a)  # auto_now_add / auto_now applied
    assert resp_a[1].metadata == {"temperature": 0.7, "nested": {"k": [1, None, "ü"]}, "n": 1}
    return resp_a


@pytest.mark.django_db
def test_copy_writes_the_rows_bulk_create_writes(api):
    create_study(api, slug="a")
    create_study(api, slug="b")
    a, b = Study.objects.get(slug="a"), Study.objects.get(slug="b")
    system = System.objects.get(name="GPT-4")
    copied, bulk = _prompts(a, "p"), _prompts(b, "p")
    insert_rows(Prompt, copied, ids=True)
    Prompt.objects.bulk_create(bulk)
    assert all(p.pk for p in copied) and len({p.pk for p in copied}) == len(copied)
    assert [p.pk for p in copied] == sorted(p.pk for p in copied)  # numbered in order, as bulk_create does
    insert_rows(Response, _responses(copied, system))
    Response.objects.bulk_create(_responses(bulk, system))
    stored_a = Prompt.objects.filter(study=a).order_by("external_id")
    stored_b = Prompt.objects.filter(study=b).order_by("external_id")
    assert _values(list(stored_a), {"id", "study"}) == _values(list(stored_b), {"id", "study"})
    _same_responses(a, b)


@pytest.mark.django_db
def test_copy_of_plain_values_writes_the_rows_bulk_create_writes(api):
    """The upload's writer (no model instance per row) against bulk_create of the same rows."""
    create_study(api, slug="a")
    create_study(api, slug="b")
    a, b = Study.objects.get(slug="a"), Study.objects.get(slug="b")
    system = System.objects.get(name="GPT-4")
    bulk = _prompts(b, "p")
    Prompt.objects.bulk_create(bulk)
    values = [tuple(getattr(p, name) for name in PROMPT_VALUES) for p in _prompts(a, "p")]
    pks = insert_values(Prompt, PROMPT_VALUES, values, ids=True)
    assert len(pks) == 7 and pks == sorted(pks) and [p.pk for p in Prompt.objects.filter(study=a)] == pks
    copied = list(Prompt.objects.filter(study=a))
    stored_b = Prompt.objects.filter(study=b).order_by("external_id")
    assert _values(copied, {"id", "study"}) == _values(list(stored_b), {"id", "study"})
    insert_values(
        Response, RESPONSE_VALUES, [[getattr(r, n) for n in RESPONSE_VALUES] for r in _responses(copied, system)]
    )
    Response.objects.bulk_create(_responses(bulk, system))
    resp_a = _same_responses(a, b)
    assert resp_a[3].reveals == ["GPT-4"] and resp_a[3].masked_text == "[model]"


@pytest.mark.django_db
def test_an_upload_through_the_api_stores_the_same_as_the_bulk_create_path(api):
    create_study(api, slug="s")
    rows = rows_for(3, ["LIMA", "GPT-4", "Bard"])
    rows[0]["metadata"] = {"temperature": 0.2, "stop": ["\n"]}
    rows[1]["response"] = "I am GPT-4, an assistant.\twith a tab"
    rows[-1]["response"] = "A plain answer, naming no one."
    assert upload(api, "s", rows).status_code == 201
    stored = {
        (r.prompt.external_id, r.system.name): (r.text, r.metadata, r.length, r.reveals, r.masked_text)
        for r in Response.objects.select_related("prompt", "system")
    }
    assert stored[("p0", "LIMA")][1] == {"temperature": 0.2, "stop": ["\n"]}
    assert stored[("p0", "GPT-4")][0] == "I am GPT-4, an assistant.\twith a tab"
    assert stored[("p0", "GPT-4")][3] and "GPT-4" not in stored[("p0", "GPT-4")][4]  # flagged and masked
    assert stored[("p2", "Bard")] == ("A plain answer, naming no one.", {}, 30, [], "")
    assert {p.external_id: (p.text, p.category) for p in Prompt.objects.all()} == {
        "p0": ("Question 0?", "advice"),
        "p1": ("Question 1?", "knowledge"),
        "p2": ("Question 2?", "advice"),
    }


@pytest.mark.django_db(transaction=True)
def test_an_upload_that_fails_midway_through_the_copy_leaves_nothing(api):
    create_study(api, slug="s")
    study = Study.objects.get(slug="s")
    rows, errors = validate_rows(list(enumerate(rows_for(BATCH, ["LIMA", "GPT-4"]), start=1)), max_text_chars=10**6)
    assert not errors
    written: list[int] = []

    def fail_after_first_batch(n: int) -> None:
        written.append(n)
        raise RuntimeError("the worker died")

    with pytest.raises(RuntimeError):
        outputs_upload(study=study, rows=rows, progress=fail_after_first_batch)
    assert written == [BATCH]  # the COPY had sent a batch of rows when it failed
    assert not Prompt.objects.exists() and not Response.objects.exists()
    assert upload(api, "s", rows_for(2, ["LIMA", "GPT-4"])).status_code == 201  # and the study takes an upload
    assert Response.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_row_the_database_refuses_rolls_back_the_whole_copy(api):
    create_study(api, slug="s")
    study = Study.objects.get(slug="s")
    system = System.objects.get(name="GPT-4")
    with pytest.raises(IntegrityError), transaction.atomic():
        prompts = _prompts(study, "p")
        insert_rows(Prompt, prompts, ids=True)
        responses = _responses(prompts, system)
        insert_rows(Response, [*responses, _responses(prompts[:1], system)[0]])  # (prompt, system) twice
    assert not Prompt.objects.filter(study=study).exists() and not Response.objects.exists()


@pytest.mark.django_db
def test_ids_are_drawn_from_the_sequence_each_once_in_ascending_order():
    table = Prompt._meta.db_table
    before = _next_ids(table, "id", 1)[0]
    assert _next_ids(table, "id", 500) == list(range(before + 1, before + 501))  # (no other writer here)
    assert _next_ids(table, "id", 1) == [before + 501]
