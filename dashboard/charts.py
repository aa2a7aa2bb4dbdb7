"""LIMA's Figure 1 from the results API's numbers: one horizontal stacked bar per baseline
(focal wins / ties / focal losses in fixed colours), percentages on the bars, the interval of
the win share and of the win-or-tie share drawn as whiskers at the two boundaries, and the
number of votes and the verdict beside each bar. Also Bradley-Terry scores with intervals for
all-pairs studies. SVG keeps its text as text, so the page and the tests can read it."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

COLOURS = {"win": "#2e7d32", "tie": "#9e9e9e", "loss": "#c62828"}
plt.rcParams["svg.fonttype"] = "none"
plt.rcParams["font.family"] = "DejaVu Sans"


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def figure1(pairs: list[dict], focal: str, fmt: str = "svg", title: str | None = None) -> bytes:
    """`pairs` are the results API's `pairs` (first system = focal)."""
    rows = list(reversed(pairs))
    fig, ax = plt.subplots(figsize=(9, 0.75 * max(len(rows), 1) + 1.4), dpi=150)
    for y, p in enumerate(rows):
        c, interval = p["counts"], p["interval"]
        left = 0.0
        for key, share in (("win", c["win_share"]), ("tie", c["tie_share"]), ("loss", c["loss_share"])):
            share = share or 0.0
            ax.barh(y, share, left=left, color=COLOURS[key], height=0.6, edgecolor="white")
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
        for boundary in ("win_share", "win_or_tie_share"):
            iv = interval.get(boundary) or {}
            if iv.get("estimate") is not None and iv.get("low") is not None:
                ax.errorbar(
                    iv["estimate"],
                    y,
                    xerr=[[iv["estimate"] - iv["low"]], [iv["high"] - iv["estimate"]]],
                    fmt="none",
                    ecolor="black",
                    elinewidth=1.2,
                    capsize=4,
                )
        ax.text(1.02, y, f"n = {c['n']}", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)), [f"{focal} vs {p['systems'][1]}" for p in rows])
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"])
    ax.spines[["top", "right"]].set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[k]) for k in ("win", "tie", "loss")]
    ax.legend(
        handles,
        [f"{focal} wins", "Tie", f"{focal} loses"],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 if rows else 0),
        ncol=3,
        frameon=False,
    )
    ax.set_title(title or f"{focal} against each baseline (whiskers: {_level(pairs)} intervals)", fontsize=11)
    return _save(fig, fmt)


def bradley_terry_chart(ranking: dict, fmt: str = "svg") -> bytes:
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
    return _save(fig, fmt)


def _level(pairs: list[dict]) -> str:
    for p in pairs:
        level = (p["interval"].get("win_share") or {}).get("level")
        if level:
            return f"{100 * level:.0f}%"
    return "95%"


def _save(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buffer.getvalue()
