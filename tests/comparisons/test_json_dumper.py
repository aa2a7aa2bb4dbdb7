"""copy_rows.json_dumper: the text json.dumps gives, and its errors, from one encoder made once."""

from __future__ import annotations

import json
import math
import random

import pytest

from comparisons.services.copy_rows import json_dumper

VALUES = [
    {"temperature": 0.7, "tokens": 60},
    {"stop": ["\n", "\t"], "nested": {"x": [1.5, None, "ü", True, False]}, "": {}},
    {"big": 10**30, "neg": -0.0, "tiny": 1e-300, "huge": 1.7976931348623157e308, "nan": math.nan, "inf": -math.inf},
    {"emoji 🙂": 'right-to-left \u202e and NUL \u0000 and \\ backslash and "quotes"'},
    {1: "int key", 2.5: "float key", None: "null key", False: "bool key"},
    [[], {}, [[[]]], "", 0],
    "just a string",
    12,
    None,
]


def test_the_same_text_as_json_dumps():
    dump = json_dumper()
    for value in VALUES:
        assert dump(value) == json.dumps(value)
    rng = random.Random(13)
    for _ in range(2000):
        value = {
            f"k{rng.randrange(50)}": rng.choice(
                [
                    rng.random() * 10 ** rng.randrange(-20, 20),
                    rng.randrange(-(10**20), 10**20),
                    chr(rng.randrange(0x110000) & 0xD7FF) * 3,
                    None,
                    [rng.random()],
                ]
            )
            for _ in range(rng.randrange(6))
        }
        assert dump(value) == json.dumps(value)


def test_the_same_errors_and_it_goes_on_after_one():
    dump = json_dumper()
    with pytest.raises(TypeError, match="not JSON serializable"):
        dump({"a": [1, {"b": object()}]})
    cycle: dict = {"a": []}
    cycle["a"].append(cycle)
    with pytest.raises(ValueError, match="Circular reference detected"):
        dump(cycle)
    shared = [1]
    assert dump({"a": shared, "b": shared}) == json.dumps({"a": shared, "b": shared})  # a repeat is no cycle
    assert dump(VALUES[1]) == json.dumps(VALUES[1])
