"""LIMA's Figure 1 from the results API's numbers: one horizontal stacked bar per baseline
(focal wins / ties / focal losses in fixed colours, and "both are bad" as a fourth segment
between ties and losses when the study offers it or a vote used it), percentages on the bars, one interval per
boundary drawn outside the bar so it never crosses a label (the win share's above the bar,
the win-or-tie share's below it), and the number of votes beside each bar. Also Bradley-Terry
scores with intervals for all-pairs studies. SVG keeps its text as text, so the page and the
tests can read it. A `note` (e.g. that the votes are simulated) is written into the figure.

matplotlib is imported on first use (`_pyplot`), not with the module: the URLs import the
views and so this module, and every `manage.py` command would otherwise pay for it."""

from __future__ import annotations

import io
from functools import cache
from types import ModuleType

COLOURS = {"win": "#2e7d32", "tie": "#9e9e9e", "both_bad": "#5d4037", "loss": "#c62828"}
BAR_HEIGHT = 0.5
WHISKER_OFFSET = 0.34  # beyond the bar's half-height (0.25), within the gap to the next bar


@cache
def _pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["font.family"] = "DejaVu Sans"
    # Labels are system names (researcher text): plain text, never matplotlib math text, so a
    # name like `$\\frac{$` is drawn as typed instead of failing the chart (issue 11).
    plt.rcParams["text.parse_math"] = False
    return plt


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def has_both_bad(pairs: list[dict]) -> bool:
    """Whether any pair has a "both are bad" vote (results computed before it have no `outcomes`)."""
    return any((p.get("outcomes") or {}).get("both_bad") for p in pairs)


def _segments(p: dict, both_bad: bool) -> list[tuple[str, float | None]]:
    """(colour key, share) left to right: win, tie, (both bad,) loss. The boundary before the
    loss segment is the win-or-tie share either way (both-bad counts as a tie there)."""
    c, o = p["counts"], p.get("outcomes")
    if both_bad and o:
        return [("win", o["win_share"]), ("tie", o["tie_share"]), ("both_bad", o["both_bad_share"]),
                ("loss", o["loss_share"])]  # fmt: skip
    return [("win", c["win_share"]), ("tie", c["tie_share"]), ("loss", c["loss_share"])]


def figure1(
    pairs: list[dict],
    focal: str,
    fmt: str = "svg",
    title: str | None = None,
    note: str | None = None,
    both_bad: bool | None = None,
) -> bytes:
    """`pairs` are the results API's `pairs` (first system = focal), drawn top to bottom in
    their order (the study's); `note` is printed under the figure. `both_bad`: draw the fourth
    segment (None: when a vote said both are bad)."""
    plt = _pyplot()
    both_bad = has_both_bad(pairs) if both_bad is None else both_bad
    rows = list(reversed(pairs))
    fig, ax = plt.subplots(figsize=(9, 0.9 * max(len(rows), 1) + 1.6), dpi=150)
    for y, p in enumerate(rows):
        c, interval = p["counts"], p["interval"]
        left = 0.0
        for key, share in _segments(p, both_bad):
            share = share or 0.0
            ax.barh(y, share, left=left, color=COLOURS[key], height=BAR_HEIGHT, edgecolor="white")
            if share >= 0.06:
                ax.text(
                    left + share / 2,
                    y,
                    pct(share),
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=10,
                    fontweight="bold",
                )
            left += share
        for boundary, dy in (("win_share", WHISKER_OFFSET), ("win_or_tie_share", -WHISKER_OFFSET)):
            iv = interval.get(boundary) or {}
            if iv.get("estimate") is not None and iv.get("low") is not None:
                ax.errorbar(
                    iv["estimate"],
                    y + dy,
                    xerr=[[iv["estimate"] - iv["low"]], [iv["high"] - iv["estimate"]]],
                    fmt="none",
                    ecolor="black",
                    elinewidth=1.0,
                    capsize=2.5,
                )
        ax.text(1.02, y, f"n = {c['n']}", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)), [f"{focal} vs {p['systems'][1]}" for p in rows])
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"])
    ax.spines[["top", "right"]].set_visible(False)
    keys = ("win", "tie", "both_bad", "loss") if both_bad else ("win", "tie", "loss")
    labels = {"win": f"{focal} wins", "tie": "Tie", "both_bad": "Both are bad", "loss": f"{focal} loses"}
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[k]) for k in keys]
    ax.legend(
        handles,
        [labels[k] for k in keys],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 if rows else 0),
        ncol=len(keys),
        frameon=False,
    )
    ax.set_ylim(-0.5 - WHISKER_OFFSET / 2, len(rows) - 0.5 + WHISKER_OFFSET / 2)
    ax.set_title(
        title
        or f"{focal} against each baseline\n(whiskers: {_level(pairs)} intervals of the win share, above"
        " each bar, and of the win-or-tie share, below)",
        fontsize=10,
    )
    if note:
        fig.text(0.01, 0.005, note, fontsize=9, color="#b71c1c", ha="left", va="bottom")
    return _save(fig, fmt)


def bradley_terry_chart(ranking: dict, fmt: str = "svg", note: str | None = None) -> bytes:
    plt = _pyplot()
    bt = ranking["bradley_terry"]
    order = sorted(range(len(bt["names"])), key=lambda i: bt["elo"][i])
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(order) + 1.2), dpi=150)
    for y, i in enumerate(order):
        ax.errorbar(
            bt["elo"][i],
            y,
            xerr=[[bt["elo"][i] - bt["low"][i]], [bt["high"][i] - bt["elo"][i]]],
            fmt="o",
            color="#1565c0",
            capsize=4,
        )
        ax.text(bt["high"][i] + 2, y, f"{bt['elo'][i]:.0f} (rank {bt['rank'][i]})", va="center", fontsize=9)
    ax.set_yticks(range(len(order)), [bt["names"][i] for i in order])
    ax.set_xlabel("Bradley-Terry score (Elo scale)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(f"Bradley-Terry scores with {int(100 * bt['level'])}% bootstrap intervals", fontsize=11)
    if note:
        fig.text(0.01, 0.005, note, fontsize=9, color="#b71c1c", ha="left", va="bottom")
    return _save(fig, fmt)


GRADE_COLOURS = ("#c62828", "#f9a825", "#2e7d32")  # LIMA's Figure 3: Fail, Pass, Excellent


def _grade_colours(n: int) -> list[str]:
    """One colour per label, lowest (red) to highest (green); LIMA's three for a 3-label scale."""
    if n == 3:
        return list(GRADE_COLOURS)
    plt = _pyplot()
    cmap = plt.get_cmap("RdYlGn")
    return [cmap(0.1 + 0.8 * i / (n - 1)) for i in range(n)]


def ratings_chart(ratings: dict, fmt: str = "svg", note: str | None = None) -> bytes:
    """LIMA's Figure 3 (and Figure 7) from the results' `ratings`: one horizontal bar per system
    stacked from the lowest grade to the highest, each share's percentage on its segment, and
    whiskers (the shares' intervals) for the boundaries between segments: the cumulative share
    up to each label's end is drawn with the interval of that label's share around it, above the
    bar for the lowest label and below it for the highest, so no whisker crosses a label."""
    plt = _pyplot()
    scale, systems = ratings["scale"], list(reversed(ratings["systems"]))
    colours = _grade_colours(len(scale))
    fig, ax = plt.subplots(figsize=(9, 0.9 * max(len(systems), 1) + 1.6), dpi=150)
    level = "95%"
    for y, s in enumerate(systems):
        left = 0.0
        for label, colour in zip(scale, colours, strict=True):
            share = s["shares"][label]
            value = share["estimate"] or 0.0
            ax.barh(y, value, left=left, color=colour, height=BAR_HEIGHT, edgecolor="white")
            if value >= 0.06:
                ax.text(left + value / 2, y, pct(value), ha="center", va="center", color="black", fontsize=10)
            level = f"{100 * share['level']:.0f}%"
            left += value
        for label, dy in ((scale[0], WHISKER_OFFSET), (scale[-1], -WHISKER_OFFSET)):
            iv = s["shares"][label]
            if iv["estimate"] is None or iv["low"] is None:
                continue
            at = iv["estimate"] if label == scale[0] else 1 - iv["estimate"]  # the boundary it moves
            low, high = (iv["low"], iv["high"]) if label == scale[0] else (1 - iv["high"], 1 - iv["low"])
            ax.errorbar(at, y + dy, xerr=[[at - low], [high - at]], fmt="none", ecolor="black", elinewidth=1.0,
                        capsize=2.5)  # fmt: skip
        ax.text(1.02, y, f"n = {s['n_units']}", va="center", fontsize=9)
    ax.set_yticks(range(len(systems)), [s["system"] for s in systems])
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"])
    ax.spines[["top", "right"]].set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours]
    ax.legend(handles, scale, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(scale), frameon=False)
    ax.set_ylim(-0.5 - WHISKER_OFFSET / 2, len(systems) - 0.5 + WHISKER_OFFSET / 2)
    unit = "assistant turns" if ratings.get("unit") == "turn" else "responses"
    ax.set_title(
        f"Grades of each system's {unit}\n(whiskers: {level} intervals, clustered by "
        f"{ratings.get('cluster', 'prompt')}, of the {scale[0]} share, above each bar,"
        f" and of the {scale[-1]} share, below)",
        fontsize=10,
    )
    if note:
        fig.text(0.01, 0.005, note, fontsize=9, color="#b71c1c", ha="left", va="bottom")
    return _save(fig, fmt)


def _level(pairs: list[dict]) -> str:
    for p in pairs:
        level = (p["interval"].get("win_share") or {}).get("level")
        if level:
            return f"{100 * level:.0f}%"
    return "95%"


def _save(fig, fmt: str) -> bytes:  # type: ignore[no-untyped-def]
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buffer.getvalue()
