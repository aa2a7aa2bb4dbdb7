"""A small progress bar on stderr for the command line (no dependency, no Django)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


class Bar:
    """`label [#######-------] 47% 12.0/25.5 MB`, redrawn at most ten times a second on a
    terminal (a log gets a line per tenth of the way)."""

    def __init__(
        self, label: str, total: int, *, unit: str = "", stream: TextIO | None = None, width: int = 30
    ) -> None:
        self.label, self.total, self.unit, self.width = label, max(total, 0), unit, width
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self._last_draw = 0.0
        self._last_tenth = -1
        self._closed = False

    def update(self, done: int) -> None:
        self.done = min(max(done, 0), self.total) if self.total else done
        fraction = self.done / self.total if self.total else 1.0
        now = time.monotonic()
        if self.tty:
            if fraction < 1 and now - self._last_draw < 0.1:
                return
            self.stream.write("\r" + self.line())
        else:
            tenth = int(fraction * 10)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(self.line() + "\n")
        self._last_draw = now
        self.stream.flush()

    def line(self) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = round(fraction * self.width)
        if self.unit == "bytes":
            amount = f"{human_bytes(self.done)}/{human_bytes(self.total)}"
        else:
            amount = f"{self.done:,}/{self.total:,}{' ' + self.unit if self.unit else ''}"
        return f"{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {fraction:4.0%} {amount}"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.tty:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
