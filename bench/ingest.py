"""Ingest benchmark: rows per second for 100,000 output rows (two systems, 50,000 prompts)
through the upload path — POST of a JSON Lines body, parsing, validation, the upload job and
its all-or-nothing write into PostgreSQL — against a raw `bulk_create` of the same rows into
the same tables in the same run. Goal: at least 50% of the raw rate.

    .venv/bin/python bench/ingest.py [--prompts 50000] [--repeat 3]

The job runs in-process (Celery eager, no REDIS_URL) so the clock measures our code and
PostgreSQL, not broker latency; it is the same task code a worker runs."""

from __future__ import annotations

import argparse
import json
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

    Study.objects.filter(slug=slug).delete()
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    for name in ("focal", "baseline"):
        System.objects.get_or_create(name=name)
    return study_create(owner=owner, name=slug, slug=slug, design="focal", focal_system="focal", baselines=["baseline"])


def time_upload(rows: list[dict]) -> float:
    from django.contrib.auth.models import Group
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from comparisons.models import UploadJob
    from comparisons.permissions import RESEARCHERS_GROUP

    study = fresh_study("bench-upload")
    study.owner.groups.add(Group.objects.get_or_create(name=RESEARCHERS_GROUP)[0])
    token, _ = Token.objects.get_or_create(user=study.owner)
    body = "\n".join(json.dumps(r) for r in rows)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", SERVER_NAME="localhost")
    start = time.perf_counter()
    response = client.post(f"/api/studies/{study.slug}/outputs/", body, content_type="application/x-ndjson")
    elapsed = time.perf_counter() - start
    assert response.status_code == 202, response.content[:500]
    job = UploadJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded" and job.counts["created"] == len(rows), (job.status, job.errors[:3])
    return elapsed


def time_raw(rows: list[dict]) -> float:
    from django.db import transaction

    from comparisons.models import Prompt, Response, System

    study = fresh_study("bench-raw")
    systems = {s.name: s for s in System.objects.filter(name__in=["focal", "baseline"])}
    start = time.perf_counter()
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
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    assert settings.CELERY_TASK_ALWAYS_EAGER and settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    rows = make_rows(args.prompts)
    uploads, raws = [], []
    for _ in range(args.repeat):
        raws.append(time_raw(rows))
        uploads.append(time_upload(rows))
    n = len(rows)
    up, raw = statistics.median(uploads), statistics.median(raws)
    print(f"machine: {machine()}")
    print(f"rows: {n} ({args.prompts} prompts x 2 systems), repeats: {args.repeat}")
    print(f"upload path: {n / up:,.0f} rows/s (median {up:.2f} s; runs {', '.join(f'{t:.2f}' for t in uploads)})")
    print(f"raw bulk_create: {n / raw:,.0f} rows/s (median {raw:.2f} s; runs {', '.join(f'{t:.2f}' for t in raws)})")
    print(f"ratio upload/raw: {raw / up:.2f} (goal >= 0.50)")


if __name__ == "__main__":
    main()
