"""Results as a terminal table in the manner of LIMA's Figure 1 (pure; no Django):
per baseline, the focal system's win / tie / loss shares with intervals, n and the verdict,
and a bar of wins, ties and losses."""

from __future__ import annotations

import sys
from typing import Any

Json = dict[str, Any]  # an object of the results JSON (the API's answer)


def _glyphs() -> tuple[str, str, str]:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return ("█", "▒", "░") if encoding in ("utf8", "utf16") else ("#", "=", ".")


def share(interval: Json | None) -> str:
    if not interval or interval.get("estimate") is None:
        return "-"
    low, high = interval.get("low"), interval.get("high")
    bounds = f" [{low * 100:.0f}-{high * 100:.0f}]" if low is not None and high is not None else ""
    return f"{interval['estimate'] * 100:.0f}%{bounds}"


def plain(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def bar(counts: Json, width: int = 20) -> str:
    win, tie, loss = _glyphs()
    n: int = counts.get("n") or 0
    if not n:
        return " " * width
    wins: int = round(counts["wins"] / n * width)
    ties: int = round((counts["wins"] + counts["ties"]) / n * width) - wins
    return win * wins + tie * ties + loss * (width - wins - ties)


def results_table(data: Json, *, by_group: bool = False) -> str:
    if data.get("ratings"):
        return grade_table(data, by_group=by_group)
    focal = data.get("focal_system")
    params = data.get("params") or {}
    level, method = params.get("level", 0.95), params.get("method", "bootstrap")
    first = focal or "first"
    pairs = list(data.get("pairs") or [])  # the study's order, as the chart, tables and exports show it
    heading = f"{focal} against each baseline" if focal else "every pair (shares of the first system)"
    group = params.get("rater_group")
    lines = [
        (
            f"{data.get('study', '')}: {heading}; {data.get('n_votes', 0):,} votes"
            f"{' of rater group ' + group if group else ''}; {level:.0%} {method} intervals"
        )
    ]
    rows = [["baseline" if focal else "pair", "", f"{first} wins", "tie", f"{first} loses", "n", "verdict"]]
    for pair in pairs:
        counts, interval = pair["counts"], pair.get("interval") or {}
        name = pair["systems"][1] if focal else f"{pair['systems'][0]} vs {pair['systems'][1]}"
        rows.append(
            [
                name,
                bar(counts),
                share(interval.get("win_share")),
                share(interval.get("tie_share")),
                share(interval.get("loss_share")),
                f"{counts.get('n', 0):,}",
                pair.get("verdict", ""),
            ]
        )
        if by_group:
            for group_name, g in sorted((pair.get("by_group") or {}).items()):
                c = g["counts"]
                rows.append(
                    [
                        f"  {group_name}",
                        bar(c),
                        share(g.get("win_share")),
                        plain(c.get("tie_share")),
                        plain(c.get("loss_share")),
                        f"{c.get('n', 0):,}",
                        "",
                    ]
                )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines.append("")
    for row in rows:
        cells = [
            cell.rjust(w) if i == 5 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join(cells).rstrip())
    win, tie, loss = _glyphs()
    lines.append("")
    lines.append(
        f"bar: {win} {first} wins  {tie} tie  {loss} {first} loses"
        f"{'; rows per rater group: win share with a Wilson interval' if by_group else ''}"
    )
    lines += both_bad_lines(pairs, bool(focal))
    lines += agreement_lines(data.get("agreement") or {}, level)
    mixed = {g for p in pairs for g in (p.get("by_group") or {})}
    if not group and "judge" in mixed and len(mixed) > 1:
        lines.append(
            "note: these rows count LLM judges' votes with the humans'; --rater-group crowd (or another "
            "group) shows one group alone, --by-group shows them side by side"
        )
    simulated, left_out = data.get("simulated_votes") or 0, data.get("simulated_votes_left_out") or 0
    if simulated:
        lines.append(
            f"SIMULATED: {simulated:,} of {data.get('n_votes', 0):,} votes are simulated (synthetic demo), "
            "not cast by people"
        )
    elif left_out:
        lines.append(f"real votes only: {left_out:,} simulated votes left out")
    if data.get("stale"):
        lines.append(f"(computed {data.get('computed_at')}; votes arrived since and a refresh is queued)")
    return "\n".join(lines) + "\n"


def both_bad_lines(pairs: list[Json], focal: bool) -> list[str]:
    """ "Both are bad" per pair, when a vote said it (the columns above count it as a tie)."""
    said = [p for p in pairs if (p.get("outcomes") or {}).get("both_bad")]
    if not said:
        return []
    lines = ['"both are bad" (counted as a tie in the columns above):']
    for p in said:
        o = p["outcomes"]
        name = p["systems"][1] if focal else f"{p['systems'][0]} vs {p['systems'][1]}"
        lines.append(f"  {name}: {plain(o.get('both_bad_share'))} ({o['both_bad']:,} of {o.get('n', 0):,} votes)")
    return lines


def agreement_lines(agreement: Json, level: float) -> list[str]:
    groups = agreement.get("tie_discounted_accuracy_by_group") or []
    if not groups:
        return []
    lines = ["", f"agreement on shared comparisons (tie-discounted accuracy, {level:.0%} interval):"]
    for g in groups:
        acc = g.get("tie_discounted_accuracy") or {}
        estimate = acc.get("estimate")
        value = "-" if estimate is None else f"{estimate:.2f}"
        if estimate is not None and acc.get("low") is not None:
            value += f" [{acc['low']:.2f}-{acc['high']:.2f}]"
        lines.append(f"  {'-'.join(g['groups']):<24} {value:<18} n = {g.get('pairs', 0):,}")
    return lines


def _score(interval: Json | None) -> str:
    if not interval or interval.get("estimate") is None:
        return "-"
    low, high = interval.get("low"), interval.get("high")
    bounds = f" [{low:.2f}-{high:.2f}]" if low is not None and high is not None else ""
    return f"{interval['estimate']:.2f}{bounds}"


def _grade_row(name: str, system: Json, scale: list[str]) -> list[str]:
    shares = system.get("shares") or {}
    return [name, *(share(shares.get(label)) for label in scale), _score(system.get("mean_score"))] + [
        f"{system.get('n_units', 0):,}"
    ]


def grade_table(data: Json, *, by_group: bool = False) -> str:
    """A rating or dialogue study's results: per system each grade's share with its interval,
    the mean score (1 = the lowest grade) and the graded units (responses, or assistant turns);
    with `by_group` a row per rater group (the LLM judge beside the humans) under each system."""
    ratings: Json = data["ratings"]
    scale: list[str] = list(ratings.get("scale") or [])
    params = data.get("params") or {}
    level = params.get("level", 0.95)
    unit, cluster = ratings.get("unit", "response"), ratings.get("cluster", "prompt")
    group = params.get("rater_group")
    lines = [
        f"{data.get('study', '')}: grades per system ({data.get('design', 'rating')}; unit: {unit}); "
        f"{ratings.get('headline_votes', 0):,} votes{' of rater group ' + group if group else ''}; "
        f"{level:.0%} intervals clustered by {cluster}"
    ]
    rows = [["system", *scale, f"mean score (1-{len(scale)})", f"n {unit}s"]]
    groups: Json = ratings.get("by_group") or {}
    for system in ratings.get("systems") or []:
        rows.append(_grade_row(system["system"], system, scale))
        if by_group:
            for name, entries in sorted(groups.items()):
                mine = next((e for e in entries if e["system"] == system["system"]), None)
                if mine and mine.get("n_units"):
                    rows.append(_grade_row(f"  {name}", mine, scale))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines.append("")
    for row in rows:
        last = len(row) - 1
        cells = [c.rjust(w) if i == last else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    if not group and "judge" in groups:
        lines.append("")
        lines.append("LLM judge votes are not in the rows above; --by-group shows them beside the humans")
    for judge in ratings.get("judges") or []:
        lines.append(
            f"{judge['group']} against the humans on {judge.get('n_units', 0):,} {unit}s both graded: exact agreement "
            f"{plain(judge.get('exact_agreement'))} of {judge.get('n_pairs', 0):,} pairs (humans among themselves "
            f"{plain(judge.get('humans_exact_agreement'))}), within one grade {plain(judge.get('within_one'))}, "
            f"weighted kappa {_number(judge.get('weighted_kappa_quadratic'))}"
        )
    simulated = data.get("simulated_votes") or 0
    if simulated:
        lines.append(f"SIMULATED: {simulated:,} of {data.get('n_votes', 0):,} votes are simulated, not cast by people")
    if data.get("stale"):
        lines.append(f"(computed {data.get('computed_at')}; votes arrived since and a refresh is queued)")
    return "\n".join(lines) + "\n"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
