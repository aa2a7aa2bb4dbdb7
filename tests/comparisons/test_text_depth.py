"""The JSON nesting check (comparisons.text._depth) cuts strings out with a regular expression
instead of scanning every character; it must give the character scan's answer on any text."""

from __future__ import annotations

import random

import pytest

from comparisons.text import JSONRefused, _depth, _depth_scan, loads_strict

CASES = [
    '{"a": "x\\"[[[", "b": [[1]]}',
    '"[[[',
    '"\\\\"[[',
    '["\\',
    '[{"a":"\\\\\\"{"}]]]',
    "",
    "[[[[",
    "]]][[",
    '"abc\\"',
    'x"y"[',
    '[\\"[',
    '"\n[["[',
    '{"k": "\\u005b[", "l": [{"m": []}]}',
]


def test_depth_equals_the_character_scan_on_written_and_random_texts():
    rng = random.Random(13)
    alphabet = '[]{}"\\ a\n'
    texts = CASES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 18))) for _ in range(50_000)]
    assert [_depth(t) for t in texts] == [_depth_scan(t) for t in texts]
    assert _depth(CASES[0]) == 3 and _depth(CASES[-1]) == 4


def test_nesting_past_the_limit_is_refused_and_brackets_in_strings_are_not_nesting():
    assert loads_strict('{"a": "' + "[" * 100 + '"}') == {"a": "[" * 100}
    with pytest.raises(JSONRefused):
        loads_strict("[" * 33 + "]" * 33)
    assert loads_strict("[" * 32 + "]" * 32) == [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
