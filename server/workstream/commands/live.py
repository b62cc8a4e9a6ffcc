"""``workstream run``'s live board: one row per step, redrawn in place a few times a second.

Laid out at every redraw for the terminal's current size (:mod:`layout`, :data:`LIVE_PLAN`):
every row keeps its step id (elided in the middle when it must, never two alike) and its
state, no cell wraps. A running step that has printed nothing for :data:`QUIET_S` seconds says
so (``quiet 2m10s · …``). When there are more steps than lines, the running and failed ones
are shown first and one line counts the rest (``… 12 more: 9 queued, 3 succeeded``). The
board is erased at the end, and the summary table printed in its place.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from workstream.commands.layout import (
    LIVE_PLAN,
    Cell,
    Row,
    elide_ids,
    fit_columns,
    grid_lines,
    printable,
    width_of,
)
from workstream.commands.progress import Renderer, ago, print_pointers
from workstream.commands.summary import ICONS, STYLES, plural, seconds, summary_table
from workstream.executor import (
    Event,
    RunFinished,
    RunResult,
    RunStarted,
    StepFinished,
    StepOutput,
    StepQueued,
    StepStarted,
)

#: Seconds without output after which a running row says how long it has been quiet.
QUIET_S = 10.0
#: Statuses shown first when the board has more rows than the terminal has lines.
_FIRST = ("running", "failed", "cancelled")


@dataclass
class _Row:
    status: str = "queued"
    started: float | None = None
    duration_ms: int | None = None
    line: str = ""
    attempt: int = 1
    heard: float | None = None  # when it last printed a line


@dataclass
class _Board:
    header: str = ""
    warnings: list[str] = field(default_factory=list)
    rows: dict[str, _Row] = field(default_factory=dict)
    footer: str = ""


class LiveRenderer(Renderer):
    """A live board on a terminal, redrawn a few times a second at its current width."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.board = _Board()
        self.lock = threading.Lock()
        self.live = Live(
            console=console, refresh_per_second=8, transient=True, get_renderable=self._render
        )

    def __enter__(self) -> Renderer:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def handle(self, event: Event) -> None:
        with self.lock:
            board = self.board
            if isinstance(event, RunStarted):
                board.header = (
                    f"{event.workstream_id} · run {event.run_id} · "
                    f"{plural(len(event.steps), 'step')} · up to {event.workers} at once"
                )
                board.warnings = list(event.warnings)
                board.rows = {step_id: _Row() for step_id in event.steps}
            elif isinstance(event, StepQueued):
                board.rows.setdefault(event.step_id, _Row())
            elif isinstance(event, StepStarted):
                row = board.rows.setdefault(event.step_id, _Row())
                row.status, row.attempt = "running", event.attempt
                row.started = row.started or time.monotonic()
                row.heard = time.monotonic()
            elif isinstance(event, StepOutput):
                row = board.rows.setdefault(event.step_id, _Row())
                row.line, row.heard = event.line, time.monotonic()
            elif isinstance(event, StepFinished):
                row = board.rows.setdefault(event.step_id, _Row())
                row.status, row.duration_ms, row.line = (
                    event.status,
                    event.duration_ms,
                    event.message,
                )
            elif isinstance(event, RunFinished):
                board.footer = f"{event.status}: {event.message}"

    def board_lines(self, width: int, room: int | None = None) -> list[Text]:
        """The board's rows laid out for ``width`` cells, in at most ``room`` lines."""
        now = time.monotonic()
        with self.lock:
            items = [(step_id, _Row(**vars(row))) for step_id, row in self.board.rows.items()]
        hidden: list[str] = []
        if room is not None and len(items) > room:
            keep = max(1, room - 1)
            order = sorted(range(len(items)), key=lambda i: (items[i][1].status not in _FIRST, i))
            shown = set(order[:keep])
            hidden = [row.status for i, (_, row) in enumerate(items) if i not in shown]
            items = [item for i, item in enumerate(items) if i in shown]
        rows = [_cells(row, now) for _, row in items]
        ids = [step_id for step_id, _ in items]
        natural = {
            "icon": 1,
            "id": max([1, *(len(i) for i in ids)]),
            "status": max([9, *(len(r.cells["status"].text) for r in rows)]),
            "time": max([5, *(len(r.cells["time"].text) for r in rows)]),
            "line": max([0, *(width_of(r.cells["line"].text) for r in rows)]),
        }
        widths = fit_columns(natural, width, LIVE_PLAN, per_column=1, fixed=-1)
        names = elide_ids(ids, widths["id"])
        for step_id, row_ in zip(ids, rows, strict=True):
            row_.cells["id"].text = names[step_id]
        lines = grid_lines(rows, widths)
        if hidden:
            counts = Counter(hidden)
            each = ", ".join(f"{n} {status}" for status, n in counts.items())
            more = Text(f"… {plural(len(hidden), 'more step')}: {each}", style="dim")
            more.truncate(width, overflow="ellipsis")
            lines.append(more)
        return lines

    def _render(self) -> Group:
        width, height = self.console.size
        header = Text(self.board.header, style="bold", no_wrap=True, overflow="ellipsis")
        parts: list[Text] = [header]
        parts += [Text(f"warning: {printable(w)}", style="yellow") for w in self.board.warnings]
        used = sum(max(1, -(-part.cell_len // max(1, width))) for part in parts)
        for line in self.board_lines(width, max(2, height - used - 1)):
            line.no_wrap, line.overflow = True, "ellipsis"
            parts.append(line)
        return Group(*parts)

    def summary(self, result: RunResult) -> None:
        for warning in self.board.warnings:
            self.console.print(f"[yellow]warning:[/] {escape(printable(warning))}", highlight=False)
        self.console.print(summary_table(result.state, tuple(self.board.rows), details=True))
        print_pointers(self.console, result)


def _cells(row: _Row, now: float) -> Row:
    """One row of the board."""
    style = STYLES[row.status]
    took = row.duration_ms
    line = row.line
    if row.status == "running" and row.started is not None:
        took = round((now - row.started) * 1000)
        quiet = now - (row.heard or row.started)
        if quiet >= QUIET_S:
            line = f"quiet {ago(quiet)} · {line}" if line else f"quiet {ago(quiet)}"
    again = f" (attempt {row.attempt})" if row.attempt > 1 else ""
    return Row(
        {
            "icon": Cell(ICONS[row.status], style),
            "id": Cell("", "bold"),
            "status": Cell(row.status + again, style),
            "time": Cell(seconds(took), "dim", "right"),
            "line": Cell(line, "dim" if row.status == "running" else style),
        }
    )
