"""How long a ``manage.py`` command takes to start (issue 12, item 9: under 2 s).

Each command runs ``--repeat`` times in a fresh interpreter, alternating with the baselines in
the same run, so that a busy machine slows all of them alike. Reported per command: wall time and
the CPU time the process used (user + system, from ``getrusage`` of the finished child, which a
second process on the other core does not inflate the way it inflates wall time), min / median /
max, and the ratio of median CPU against the baselines:

- ``python -c pass``: the interpreter alone;
- ``django.setup()``: Django with the project's settings and apps loaded, no URLs.

The commands timed are ``manage.py check`` (imports every URL module, so every view and API) and
``manage.py help`` (the list of commands). The project's own cost is the difference between a
command and ``django.setup()``.

Run: ``./run bench startup`` (or ``.venv/bin/python bench/startup.py --repeat 20``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine  # noqa: E402

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "django.setup()": [sys.executable, "-c", "import django; django.setup()"],
    "manage.py help": [sys.executable, "manage.py", "help"],
    "manage.py check": [sys.executable, "manage.py", "check"],
}


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    # The embedded default (SQLite, eager tasks): what a newcomer's first command meets. check
    # opens no database connection either way.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "lima_eval.settings"
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for argv in COMMANDS.values():  # warm the file cache and .pyc files once
        run_once(argv, env)
    for _ in range(args.repeat):
        for name, argv in COMMANDS.items():
            wall, cpu = run_once(argv, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    load = os.getloadavg()[0]
    print(f"{machine()}; load {load:.1f}; {args.repeat} runs each, interleaved")
    base_py = statistics.median(cpus["python -c pass"])
    base_dj = statistics.median(cpus["django.setup()"])
    print(f"{'command':<18} {'wall min/median/max s':>24} {'CPU min/median/max s':>24} {'x python':>9} {'x setup':>8}")
    for name in COMMANDS:
        w, c = walls[name], cpus[name]
        med = statistics.median(c)
        print(
            f"{name:<18} {min(w):>7.2f} {statistics.median(w):>7.2f} {max(w):>7.2f}  "
            f"{min(c):>7.2f} {med:>7.2f} {max(c):>7.2f}  {med / base_py:>8.1f} {med / base_dj:>8.2f}"
        )
    worst = max(statistics.median(walls["manage.py check"]), statistics.median(walls["manage.py help"]))
    verdict = "met" if worst < 2 else "NOT met"
    print(f"goal: a manage.py command starts in under 2 s: median wall {worst:.2f} s -> {verdict}")


if __name__ == "__main__":
    main()
