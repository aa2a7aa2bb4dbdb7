"""Shared set-up for benchmarks: a dedicated PostgreSQL database, migrated, and the
machine's description for docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lima_bench")


def setup_django(*, redis: bool = False) -> None:
    """Point Django at the benchmark database (created and migrated if needed), with DEBUG's
    query log off as in a deployment (DEBUG=False: docker-compose.yml). The settings are
    loaded with DEBUG's default (True: no SECRET_KEY, hosts or collected static files needed
    in the bench's own process), then DEBUG is set False: with it True, Django logs every
    statement with its parameters rendered into SQL text (psycopg's mogrify), which cost a
    refresh at 1M votes 6% of its CPU rendering the stored results' JSON (docs/benchmarks.md)."""
    import psycopg

    name = BENCH_DB.rsplit("/", 1)[1]
    admin_url = BENCH_DB.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            conn.execute(f'create database "{name}"')
    os.environ["DATABASE_URL"] = BENCH_DB
    if not redis:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lima_eval.settings")
    sys.path.insert(0, str(ROOT))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True, env={**os.environ}
    )
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no query log (CursorDebugWrapper), as in a deployment


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {date.today().isoformat()}"
