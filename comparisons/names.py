"""Names shown to people (study and system names, categories, prompt ids): no bidirectional
control characters, which can make one name display as another (CVE-2021-42574, "Trojan
Source"; Unicode TR#9), and no other invisible format or control characters."""

from __future__ import annotations

import re
from functools import lru_cache

BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
INVISIBLE = re.compile("[\u0000-\u001f\u007f-\u009f\u200b-\u200d\u2060\ufeff]")


@lru_cache(maxsize=1024)  # an upload names the same few systems on every row
def name_problem(value: str) -> str | None:
    """Why `value` cannot be a name, or None."""
    if BIDI_CONTROLS.search(value):
        return (
            "must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)"
        )
    if INVISIBLE.search(value):
        return "must not contain control or invisible characters"
    return None
