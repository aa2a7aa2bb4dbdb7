"""Settings from the environment, and every command docker-compose.yml runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from tests.conftest import ROOT, compose_command, local_executable, wait_for, worker_database_url

PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "x7#kq!2mZ9vR@w4Lp$8sTn6yB1cF3hJ5gD0eA-uQ_oI+lK&jH*zX%vC^bN(mM)",
    "ALLOWED_HOSTS": "lima.example.org",
}


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then wait while reading what the process still writes: a process whose output
    pipe is full cannot finish writing its shutdown lines, so waiting without reading can hang
    on a busy machine. Killed (and the test failed) if it does not stop within 60 s."""
    proc.terminate()
    try:
        proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"{proc.args!r} did not stop on SIGTERM within 60 s: {out!r:.2000}") from None


def run_python(code: str, env: dict) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def clean_env(**extra: str) -> dict:
    dropped = ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return env | {"DJANGO_SETTINGS_MODULE": "lima_eval.settings"} | extra


SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)"
)


def test_with_nothing_set_the_embedded_default_is_sqlite_and_eager_celery():
    assert run_python(SHOW, clean_env()) == "django.db.backends.sqlite3 True True"


def test_database_and_redis_urls_switch_to_postgresql_and_a_broker():
    env = clean_env(DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/3")
    assert run_python(SHOW, env) == "django.db.backends.postgresql False True"


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_env(**PRODUCTION),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean_env(DEBUG="False"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_the_compose_file_has_every_service_with_health_checks_and_volumes():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert {"db", "redis", "migrate", "web", "worker", "worker-outbound", "beat"} <= set(services)
    assert "-Q outbound" in services["worker-outbound"]["command"]
    for name in ("db", "redis", "web", "worker", "worker-outbound"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "redisdata"} <= set(spec["volumes"])
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert compose_command("migrate") == ["python", "manage.py", "migrate", "--noinput"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_the_web_command_collects_static_files_and_serves_under_gunicorn(tmp_path, django_db_setup):
    shell = compose_command("web")
    assert shell[:2] == ["sh", "-c"]
    collect, serve = shell[2].split(" && ")
    port = free_port()
    serve = serve.replace("0.0.0.0:8000", f"127.0.0.1:{port}").replace("--workers 3", "--workers 1")
    env = clean_env(
        **{
            **PRODUCTION,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "False",
            "STATIC_ROOT": str(tmp_path / "static"),
            "DATABASE_URL": worker_database_url(),
        }
    )
    python, *args = collect.split()
    assert python == "python"
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        local_executable(serve.split()), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:

        def health():
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2).read()
            except OSError:
                return None

        assert wait_for(health, timeout=30, what="gunicorn") == b'{"status": "ok"}'
        css = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css", timeout=5
        )
        assert css.status == 200 and b"swagger" in css.read()[:100000]
    finally:
        stop(proc)


@pytest.mark.django_db
def test_the_beat_command_starts(tmp_path, django_db_setup):
    from django.conf import settings

    argv = [a.replace("/tmp/celerybeat-schedule", str(tmp_path / "schedule")) for a in compose_command("beat")]
    env = clean_env(DATABASE_URL=worker_database_url(), REDIS_URL=settings.REDIS_URL)
    proc = subprocess.Popen(
        local_executable(argv), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        seen = ""
        while time.monotonic() < deadline and "beat: Starting" not in seen:
            seen += proc.stdout.readline()
        assert "beat: Starting" in seen, seen
    finally:
        stop(proc)
