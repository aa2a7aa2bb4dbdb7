"""A job writes the rows its request validated, validated once: the payload carries them with
a digest (compressed, or as text in the format before), and rows changed after the request (or
a payload cut short or garbled) store nothing. A job queued before the digest format is
validated again in full."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from django.forms.models import model_to_dict

from comparisons.ingest.rows import validate_rows
from comparisons.models import Prompt, Response, Study, UploadJob
from comparisons.services import outputs_upload, upload_job_run
from comparisons.services.jobs import PAYLOAD_FORMAT, PLAIN_FORMAT, _payload, _stored_rows
from tests.comparisons.helpers import create_study, rows_for

pytestmark = pytest.mark.django_db

TURNS = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "Tea?"},
]


def _rows() -> list[dict]:
    rows = rows_for(4, ["LIMA", "GPT-4"])
    rows[0]["metadata"] = {"temperature": 0.7, "tokens": 60, "stop": ["\n"], "nested": {"x": [1.5, None, "ü"]}}
    rows[1]["prompt"] = TURNS  # (prompt p0, given twice: the same on both rows)
    rows[0]["prompt"] = TURNS
    rows[2]["response"] = "I am GPT-4, tab\there, ünïcödé 🙂 and a \\ backslash"
    return rows


def _validated(raw: list[dict]):
    rows, errors = validate_rows(list(enumerate(raw, start=1)), max_text_chars=10**6)
    assert not errors
    return rows


def _job(api, slug: str, payload: str, total: int) -> UploadJob:
    create_study(api, slug=slug)
    study = Study.objects.get(slug=slug)
    return UploadJob.objects.create(study=study, created_by=study.owner, payload=payload, total_rows=total)


def _stored(slug: str) -> list[dict]:
    responses = Response.objects.filter(prompt__study__slug=slug).select_related("prompt", "system")
    prompts = Prompt.objects.filter(study__slug=slug).order_by("external_id")
    skip = {"id", "prompt", "study"}
    return [{k: v for k, v in model_to_dict(p).items() if k not in skip} for p in prompts] + sorted(
        (
            {"p": r.prompt.external_id, "s": r.system.name}
            | {k: v for k, v in model_to_dict(r).items() if k not in skip | {"system"}}
            for r in responses
        ),
        key=lambda d: (d["p"], d["s"]),
    )


def _unpack(payload: str) -> tuple[str, str]:
    """(header, the rows' text) of a payload in PAYLOAD_FORMAT."""
    header, packed = payload.split("\n", 1)
    assert header.startswith(PAYLOAD_FORMAT + " ")
    return header, zlib.decompress(base64.b64decode(packed)).decode()


def _pack(header: str, text: str) -> str:
    return f"{header}\n{base64.b64encode(zlib.compress(text.encode())).decode()}"


def _plain(payload: str) -> str:
    """The same payload in the format before (PLAIN_FORMAT: the rows' text as is)."""
    header, text = _unpack(payload)
    return f"{PLAIN_FORMAT} {header.split(' ', 1)[1]}\n{text}"


def test_the_payload_gives_back_the_validated_rows():
    rows = _validated(_rows())
    assert _stored_rows(_payload(rows)) == (rows, [])
    assert _stored_rows(_plain(_payload(rows))) == (rows, [])  # a job queued in the format before


def test_the_payload_is_compressed():
    rows = _validated(rows_for(500, ["LIMA", "GPT-4"]))
    payload = _payload(rows)
    assert len(payload) * 5 < len(_plain(payload))


@pytest.mark.parametrize("plain", [False, True], ids=["compressed", "format-before"])
def test_a_job_stores_what_a_direct_upload_of_the_same_rows_stores(api, plain):
    rows = _validated(_rows())
    job = _job(api, "job", _plain(_payload(rows)) if plain else _payload(rows), len(rows))
    assert upload_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == "succeeded" and job.counts["created"] == 8 and job.payload == ""
    create_study(api, slug="direct")
    outputs_upload(study=Study.objects.get(slug="direct"), rows=rows)
    assert _stored("job") == _stored("direct") and len(_stored("job")) == 12
    assert Prompt.objects.get(study__slug="job", external_id="p0").turns == TURNS


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda text: text.replace("GPT-4 answers 3.", "GPT-4 answers \\u0000."), "a NUL the request would refuse"),
        (lambda text: text.replace('"LIMA"', '"Vicuna"'), "a system the request never saw"),
        (lambda text: text[: len(text) // 2], "cut short"),
    ],
)
@pytest.mark.parametrize("plain", [False, True], ids=["compressed", "format-before"])
def test_rows_changed_after_the_request_validated_them_store_nothing(api, change, what, plain):
    payload = _payload(_validated(_rows()))
    header, text = _plain(payload).split("\n", 1) if plain else _unpack(payload)
    changed = f"{header}\n{change(text)}" if plain else _pack(header, change(text))
    _assert_refused(_job(api, "job", changed, 8), what)


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda packed: packed[: len(packed) // 2], "cut short"),
        (lambda packed: packed[:-12] + packed[-12:].swapcase(), "letters changed"),
        (lambda packed: packed[:40] + "!" + packed[41:], "not base64"),
        (lambda packed: packed[:40] + "é" + packed[41:], "not ASCII"),
        (lambda packed: base64.b64encode(b"not zlib").decode(), "not a zlib stream"),
        (lambda packed: "", "empty"),
    ],
)
def test_a_garbled_compressed_payload_stores_nothing(api, change, what):
    header, packed = _payload(_validated(_rows())).split("\n", 1)
    _assert_refused(_job(api, "job", f"{header}\n{change(packed)}", 8), what)


def _assert_refused(job: UploadJob, what: str) -> None:
    assert upload_job_run(job_id=str(job.pk)), what
    job.refresh_from_db()
    assert job.status == "failed" and job.error_status == 400, what
    assert job.errors[0]["detail"] == "stored rows failed validation"
    assert job.errors[1] == {
        "row": None,
        "field": "payload",
        "reason": "the stored rows differ from the rows the upload validated (changed or cut short); "
        "nothing was stored",
    }, what
    assert not Response.objects.exists() and not Prompt.objects.exists()


def test_a_job_queued_before_the_digest_format_is_validated_again(api):
    rows = _rows()
    legacy = json.dumps([[n, row.as_json()] for n, row in enumerate(_validated(rows), start=1)])
    job = _job(api, "old", legacy, len(rows))
    assert upload_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == "succeeded" and Response.objects.count() == 8

    bad = [[1, {"prompt_id": "q", "prompt": "x", "system": "LIMA", "response": "nul \x00"}]]
    job = _job(api, "bad", json.dumps(bad), 1)
    assert upload_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed" and job.errors[0]["detail"] == "stored rows failed validation"
    assert job.errors[1]["row"] == 1 and job.errors[1]["field"] == "response"
    assert not Response.objects.filter(prompt__study__slug="bad").exists()
