from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import numpy as np

import comparisons.stats as stats

PACKAGE = Path(stats.__file__).parent
ALLOWED_THIRD_PARTY = {"numpy", "scipy"}
STDLIB = {
    "__future__",
    "collections",
    "dataclasses",
    "functools",
    "importlib",
    "itertools",
    "math",
    "typing",
}  # importlib: lazy names


def test_the_stats_package_imports_only_numpy_scipy_and_the_standard_library():
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                roots = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert roots <= ALLOWED_THIRD_PARTY | STDLIB, f"{module.name} imports {roots}"


def test_every_module_stays_under_300_lines():
    for module in PACKAGE.glob("*.py"):
        assert len(module.read_text().splitlines()) < 300, module.name


def test_every_public_function_has_a_docstring():
    for name in stats.__all__:
        obj = getattr(stats, name)
        assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name


def test_results_are_frozen_and_json_ready():
    results = [
        stats.count_outcomes([1, 0, -1]),
        stats.wilson_interval(3, 10),
        stats.clustered_bootstrap([1, 2, 3], [1, 0, -1], n_resamples=50),
        stats.sign_test(3, 1),
        stats.holm([0.01, 0.2]),
        stats.cohens_kappa([1, 0], [1, 1]),
        stats.bradley_terry(np.array([[0, 2], [1, 0]])),
        stats.position_bias(3, 2),
        stats.length_bias([1, 2, 3], [1, 0, -1], edges=2),
        stats.plan_votes(3, 10),
    ]
    for result in results:
        assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen
        json.dumps(result.as_dict(), allow_nan=False)
