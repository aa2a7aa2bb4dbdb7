"""Ingest benchmark: rows per second for 100,000 output rows (two systems, 50,000 prompts)
through the upload path — POST of a JSON Lines body, parsing, validation, the upload job and
its all-or-nothing write into PostgreSQL (COPY) — against a raw COPY of the same rows into the
same tables (the anchor; psycopg 3's `cursor.copy`, rows already in Python, ids drawn from the
sequence as the upload path does, one transaction) and a raw `bulk_create`, in the same run,
alternating. Goal: at least 50% of the raw COPY's rate. Each figure comes with its CPU time
(this process; PostgreSQL's own CPU is not counted) and the load average.

    .venv/bin/python bench/ingest.py [--prompts 50000] [--repeat 3]

The job runs in-process (Celery eager, no REDIS_URL) so the clock measures our code and
PostgreSQL, not broker latency; it is the same task code a worker runs. The clock starts once
each side's study is fresh (the previous run's rows deleted) and, for the upload, once its
body is encoded (the researcher's client's work): what is timed is the write alone."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import machine, setup_django  # noqa: E402


def make_rows(prompts: int) -> list[dict]:
    rows = []
    for i in range(prompts):
        text = f"Prompt number {i}: explain something useful about topic {i % 97}."
        for system in ("focal", "baseline"):
            rows.append(
                {
                    "prompt_id": f"p{i}",
                    "prompt": text,
                    "system": system,
                    "response": f"{system} says: " + "a fairly ordinary answer sentence. " * 8,
                    "metadata": {"temperature": 0.7, "tokens": 60},
                }
            )
    return rows


def fresh_study(slug: str):
    from django.contrib.auth import get_user_model

    from comparisons.models import Study, System
    from comparisons.services import study_create

    _drop_outputs(slug)
    Study.objects.filter(slug=slug).delete()
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    for name in ("focal", "baseline"):
        System.objects.get_or_create(name=name)
    return study_create(owner=owner, name=slug, slug=slug, design="focal", focal_system="focal", baselines=["baseline"])


def _drop_outputs(slug: str) -> None:
    """Delete the previous run's responses and prompts in SQL first: the ORM's cascade from the
    study would name their 100,000 ids in one statement, past PostgreSQL's 65,535 parameters
    under server-side binding. The bench's studies have no comparisons or votes. Then VACUUM
    ANALYZE the two tables (outside every clock, before each side alike), as autovacuum would
    on a server where it is on: where it is off (the development server), millions of dead
    rows piled up over a few runs and made this DELETE's key checks take minutes."""
    from django.db import connection

    from comparisons.models import Prompt, Response, Study

    with connection.cursor() as cursor:
        study = f"SELECT id FROM {Study._meta.db_table} WHERE slug = %s"
        prompts = f"SELECT id FROM {Prompt._meta.db_table} WHERE study_id IN ({study})"
        cursor.execute(f"DELETE FROM {Response._meta.db_table} WHERE prompt_id IN ({prompts})", [slug])
        cursor.execute(f"DELETE FROM {Prompt._meta.db_table} WHERE study_id IN ({study})", [slug])
        cursor.execute(f"VACUUM ANALYZE {Prompt._meta.db_table}, {Response._meta.db_table}")


def timed(call, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of call(*args)."""
    wall, cpu = time.perf_counter(), time.process_time()
    call(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def upload_setup(rows: list[dict]) -> tuple:
    """A fresh study, a researcher's client and the JSON Lines body (not timed)."""
    from django.contrib.auth.models import Group
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from comparisons.permissions import RESEARCHERS_GROUP

    study = fresh_study("bench-upload")
    study.owner.groups.add(Group.objects.get_or_create(name=RESEARCHERS_GROUP)[0])
    token, _ = Token.objects.get_or_create(user=study.owner)
    body = "\n".join(json.dumps(r) for r in rows)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", SERVER_NAME="localhost")
    return client, f"/api/studies/{study.slug}/outputs/", body, len(rows)


def time_upload(client, url: str, body: str, n: int) -> None:
    from comparisons.models import UploadJob

    response = client.post(url, body, content_type="application/x-ndjson")
    assert response.status_code == 202, response.content[:500]
    job = UploadJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded" and job.counts["created"] == n, (job.status, job.errors[:3])


def time_copy(rows: list[dict], study) -> None:
    """The anchor: the same prompts and responses written by COPY straight from Python rows."""
    from django.db import connection, transaction
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    from comparisons.models import Prompt, Response, System

    systems = {s.name: s.pk for s in System.objects.filter(name__in=["focal", "baseline"])}
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        texts: dict[str, str] = {}
        for row in rows:
            texts.setdefault(row["prompt_id"], row["prompt"])
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Prompt._meta.db_table, len(texts)],
        )
        ids = dict(zip(texts, sorted(r[0] for r in cursor.fetchall()), strict=True))
        raw = cursor.cursor
        sql = f"COPY {Prompt._meta.db_table} (id, study_id, external_id, text, turns, category, created_at) FROM STDIN"
        with raw.copy(sql) as copy:
            for external_id, text in texts.items():
                copy.write_row((ids[external_id], study.pk, external_id, text, Jsonb([]), "", now))
        columns = "prompt_id, system_id, text, metadata, length, reveals, masked_text, created_at, updated_at"
        with raw.copy(f"COPY {Response._meta.db_table} ({columns}) FROM STDIN") as copy:
            for r in rows:
                text = r["response"]
                copy.write_row(
                    (
                        ids[r["prompt_id"]],
                        systems[r["system"]],
                        text,
                        Jsonb(r["metadata"]),
                        len(text),
                        Jsonb([]),
                        "",
                        now,
                        now,
                    )
                )


def time_raw(rows: list[dict], study) -> None:
    from django.db import transaction

    from comparisons.models import Prompt, Response, System

    systems = {s.name: s for s in System.objects.filter(name__in=["focal", "baseline"])}
    with transaction.atomic():
        prompts = {}
        for row in rows:
            if row["prompt_id"] not in prompts:
                prompts[row["prompt_id"]] = Prompt(study=study, external_id=row["prompt_id"], text=row["prompt"])
        Prompt.objects.bulk_create(list(prompts.values()), batch_size=2000)
        Response.objects.bulk_create(
            [
                Response(
                    prompt=prompts[r["prompt_id"]],
                    system=systems[r["system"]],
                    text=r["response"],
                    metadata=r["metadata"],
                    length=len(r["response"]),
                )
                for r in rows
            ],
            batch_size=2000,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    assert settings.CELERY_TASK_ALWAYS_EAGER and settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    rows = make_rows(args.prompts)
    runs: dict[str, list[tuple[float, float]]] = {"upload": [], "copy": [], "bulk_create": []}
    load_before = os.getloadavg()
    for _ in range(args.repeat):  # alternating, so that a busy spell of the machine falls on all three
        runs["copy"].append(timed(time_copy, rows, fresh_study("bench-copy")))
        runs["upload"].append(timed(time_upload, *upload_setup(rows)))
        runs["bulk_create"].append(timed(time_raw, rows, fresh_study("bench-raw")))
    n = len(rows)
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    print(f"machine: {machine()}; load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"rows: {n} ({args.prompts} prompts x 2 systems), repeats: {args.repeat} (medians; runs in brackets)")
    for name, label in (("upload", "upload path"), ("copy", "raw COPY"), ("bulk_create", "raw bulk_create")):
        print(
            f"{label}: {n / wall[name]:,.0f} rows/s (wall {wall[name]:.2f} s, CPU {cpu[name]:.2f} s; "
            f"[{', '.join(f'{w:.2f}' for w, _ in runs[name])}])"
        )
    print(f"ratio upload/raw COPY: {wall['copy'] / wall['upload']:.2f} (goal >= 0.50)")
    print(f"ratio upload/raw bulk_create: {wall['bulk_create'] / wall['upload']:.2f}")


if __name__ == "__main__":
    main()
