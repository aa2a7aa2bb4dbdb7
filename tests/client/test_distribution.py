"""The client is a distribution of its own (client/pyproject.toml): it imports nothing of the
server, and `pip install ./client` into a fresh virtual environment gives a working `lima-eval`
command in an environment without Django, Celery or numpy."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.client.conftest import CLIENT_SRC, client_env

PACKAGE = CLIENT_SRC / "lima_client"
SERVER = (
    "django",
    "rest_framework",
    "celery",
    "kombu",
    "redis",
    "psycopg",
    "numpy",
    "scipy",
    "matplotlib",
    "lima_eval",
    "comparisons",
    "raters",
    "judges",
    "dashboard",
    "results",
    "demo",
)
# One process tries every import and prints which failed and why.
PROBE = (
    "import importlib, json, sys\n"
    "failed = {}\n"
    "for name in sys.argv[1:]:\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except ImportError as exc:\n"
    "        failed[name] = type(exc).__name__\n"
    "print(json.dumps(failed))\n"
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module and not node.level
    }
    return {m.split(".")[0] for m in modules}


def test_every_client_module_imports_only_the_standard_library_httpx_and_itself():
    files = sorted(PACKAGE.glob("*.py"))
    assert {f.stem for f in files} >= {"__init__", "__main__", "client", "cli", "tables", "progress"}
    for path in files:
        outside = imported_modules(path) - set(sys.stdlib_module_names) - {"httpx", "lima_client"}
        assert not outside, f"{path.name} imports {sorted(outside)}"


def test_the_command_line_runs_with_the_servers_packages_made_unimportable(tmp_path):
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in SERVER)
    code = (
        f"import sys; {blocked}; import runpy; sys.argv = ['lima-eval', '--help']; "
        "runpy.run_module('lima_client', run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=client_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: lima-eval") and "import-votes" in done.stdout


def test_pip_install_of_the_client_alone_gives_a_lima_eval_command_and_no_django_celery_or_numpy(tmp_path):
    """A fresh virtual environment (no system site-packages), filled by this environment's pip with
    its own configuration (the same package index): `pip --python` (pip >= 22.3) installs into the
    new environment without bootstrapping a second pip there."""
    source = shutil.copytree(
        CLIENT_SRC, tmp_path / "client", ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python, env = venv / "bin" / "python", {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(source),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"  # a working directory with nothing importable in it
    elsewhere.mkdir()
    helped = subprocess.run(
        [str(venv / "bin" / "lima-eval"), "--help"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: lima-eval") and "import-votes" in helped.stdout
    as_module = subprocess.run(
        [str(python), "-m", "lima_client", "results", "--help"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert as_module.returncode == 0 and "--by-group" in as_module.stdout, as_module.stderr

    names = ["httpx", "lima_client", "lima_client.cli", *SERVER]
    probe = subprocess.run(
        [str(python), "-c", PROBE, *names],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    failed = json.loads(probe.stdout)
    assert set(failed) == set(SERVER), failed
    assert all(kind == "ModuleNotFoundError" for kind in failed.values()), failed
