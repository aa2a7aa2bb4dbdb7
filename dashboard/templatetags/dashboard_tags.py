from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: float | str | None) -> str:
    """0.4286 -> '43%'; None -> '–' (the chart prints the same rounding)."""
    if value is None or value == "":
        return "–"
    return f"{100 * float(value):.0f}%"


@register.filter
def num(value: float | str | None, digits: int = 3) -> str:
    if value is None or value == "":
        return "–"
    return f"{float(value):.{digits}f}"


@register.filter
def index(sequence: Sequence[Any], i: int) -> Any:
    return sequence[i]


@register.filter
def heat(value: float | str | None) -> str:
    """Background colour for a win share: red below 50%, green above."""
    if value is None:
        return "background:#f5f5f5"
    v = float(value)
    if v >= 0.5:
        return f"background:rgba(46,125,50,{(v - 0.5) * 1.6:.2f})"
    return f"background:rgba(198,40,40,{(0.5 - v) * 1.6:.2f})"


@register.filter
def sub(value: int | str, other: int | str) -> int:
    return int(value) - int(other)
