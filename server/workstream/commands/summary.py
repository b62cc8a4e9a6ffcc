"""The end-of-run table (``run``, ``status``): one row per step, and failures that explain
themselves.

The table is a rich renderable laid out for the width it is printed at (:mod:`layout`): it
never wraps a cell, drops columns in a fixed order and elides long ids in the middle. With
``details``, under a failed step's row come the last lines of the command that failed (read
back from the step's log: the output after its last ``$ command`` line, up to the failure
message), and whatever a dropped column would have said about it (its message, the commit its
changes were saved on). A failed row's commit is that saved commit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from workstream.commands.layout import (
    SUMMARY_PLAN,
    Cell,
    Detail,
    Row,
    box_lines,
    elide_ids,
    fit_columns,
    width_of,
)
from workstream.executor.state import RunState, StepState
from workstream.status_marks import STATUS_MARKS

ICONS = STATUS_MARKS
STYLES = {
    "queued": "dim",
    "running": "cyan",
    "succeeded": "green",
    "failed": "red",
    "skipped": "yellow",
    "cancelled": "magenta",
}

#: How many lines of a failed command's output go under its row.
TAIL_LINES = 10
#: How much of the end of a log is read to find them.
TAIL_BYTES = 64 * 1024
#: Reasons whose output says why (a missing tool or a scope says it in the message).
_TAIL_REASONS = ("exit", "timeout")

HEADERS = {
    "icon": "",
    "id": "step",
    "status": "status",
    "time": "time",
    "commit": "commit",
    "message": "message",
}


def plural(count: int, noun: str) -> str:
    """``1 step``, ``3 steps``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def seconds(ms: int | None) -> str:
    """A duration for people: 850ms, 2.4s, 3m05s."""
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms}ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f}s"
    minutes, rest = divmod(round(ms / 1000), 60)
    return f"{minutes}m{rest:02d}s"


@dataclass(frozen=True)
class Tail:
    """The last lines a failed command printed, as its log holds them."""

    command: str  # what followed the last ``$ `` in the log ("" when it is not in the tail)
    lines: tuple[str, ...]
    total: int  # how many lines it printed (within the part of the log read)


def failure_tail(entry: StepState, limit: int = TAIL_LINES) -> Tail | None:
    """The end of the output of the command that failed ``entry``, or None."""
    if entry.status != "failed" or entry.reason not in _TAIL_REASONS or not entry.log:
        return None
    try:
        with open(entry.log, "rb") as log:
            size = log.seek(0, os.SEEK_END)
            log.seek(max(0, size - TAIL_BYTES))
            chunk = log.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    lines = chunk.splitlines()
    if size > TAIL_BYTES and lines:
        lines = lines[1:]  # a partial first line
    start = max((i for i, line in enumerate(lines) if line.startswith("$ ")), default=-1)
    command = lines[start][2:] if start >= 0 else ""
    said = entry.message.removesuffix("; worktree kept")
    output: list[str] = []
    for line in lines[start + 1 :]:
        if line == said:
            break
        output.append(line)
    return Tail(command, tuple(line[:500] for line in output[-limit:]), len(output))


def details_of(entry: StepState, shown: Mapping[str, int]) -> list[Detail]:
    """The detail lines under a row, given the columns ``shown`` and their widths."""
    out: list[Detail] = []
    final = entry.status in ("failed", "cancelled", "skipped")
    room = shown.get("message", 0)
    if final and entry.message and width_of(entry.message) > room:  # cut or not shown
        out.append(Detail(entry.message, STYLES[entry.status], middle=True))
    if entry.status in ("failed", "cancelled") and entry.saved_commit and "commit" not in shown:
        where = f" on {entry.branch}" if entry.branch else ""
        out.append(Detail(f"changes saved as {entry.saved_commit[:12]}{where}", "dim"))
    tail = failure_tail(entry)
    if tail is not None:
        what = f"`{tail.command}`" if tail.command else "the failed command"
        if not tail.lines:
            out.append(Detail(f"{what} printed nothing", "dim", middle=True))
        else:
            count = len(tail.lines)
            last = "its output" if count == tail.total else f"the last {count} lines"
            out.append(Detail(f"{last} of {what}:", "dim", middle=True))
            out += [Detail(f"  {line}") for line in tail.lines]
    return out


class SummaryTable:
    """One row per step of ``steps`` (those the state knows), fitted to the console's width."""

    def __init__(self, state: RunState, steps: tuple[str, ...], details: bool = False) -> None:
        self.state = state
        self.steps = tuple(s for s in steps if s in state.steps)
        self.details = details

    def _cells(self, entry: StepState) -> dict[str, Cell]:
        style = STYLES[entry.status]
        commit = entry.commit if entry.status == "succeeded" else entry.saved_commit
        return {
            "icon": Cell(ICONS[entry.status], style),
            "id": Cell("", "bold"),
            "status": Cell(entry.status, style),
            "time": Cell(seconds(entry.duration_ms), justify="right"),
            "commit": Cell((commit or "")[:12]),
            "message": Cell(entry.message),
        }

    def lines(self, width: int) -> list[Text]:
        """The table as lines of at most ``width`` cells."""
        entries = [(s, self.state.steps[s]) for s in self.steps]
        cells = [self._cells(entry) for _, entry in entries]
        natural = {
            key: max([len(header), *(len(c[key].text) for c in cells)])
            for key, header in HEADERS.items()
        }
        natural["id"] = max([len(HEADERS["id"]), *(len(s) for s in self.steps)])
        natural["message"] = max(
            [len(HEADERS["message"]), *(width_of(c["message"].text) for c in cells)]
        )
        widths = fit_columns(natural, width, SUMMARY_PLAN, per_column=3, fixed=1)
        names = elide_ids(self.steps, widths["id"])
        rows = []
        for (step_id, entry), row_cells in zip(entries, cells, strict=True):
            row_cells["id"].text = names[step_id]
            details = details_of(entry, widths) if self.details else []
            rows.append(Row({k: row_cells[k] for k in widths}, details))
        _widen_for_details(rows, widths, width)
        return box_lines(HEADERS, rows, widths)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        title = Text(f"run {self.state.run_id}: {self.state.status}")
        title.truncate(options.max_width, overflow="ellipsis")
        yield title
        yield from _no_wrap(self.lines(options.max_width))


def _widen_for_details(rows: list[Row], widths: dict[str, int], width: int) -> None:
    """Give the message column (else the id's) the room the detail lines want, up to the
    whole width (they span every column but the first)."""
    wanted = max((width_of(d.text) for row in rows for d in row.details), default=0)
    keys = list(widths)
    if len(keys) < 2:
        return
    span = sum(widths[k] + 3 for k in keys[1:]) - 3
    room = width - (sum(widths.values()) + 3 * len(widths) + 1)
    widths["message" if "message" in widths else "id"] += max(0, min(room, wanted - span))


def _no_wrap(lines: list[Text]) -> Iterator[Text]:
    for line in lines:
        line.no_wrap = True
        line.overflow = "ellipsis"
        yield line


def summary_table(state: RunState, steps: tuple[str, ...], details: bool = False) -> SummaryTable:
    """The end-of-run table (``details``: what failed steps printed last, under their rows)."""
    return SummaryTable(state, steps, details)
