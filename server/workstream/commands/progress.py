"""``workstream run``'s progress: a live board where the terminal can redraw, plain lines
everywhere else.

``--progress auto`` (the default) draws the live board on a terminal that can move its cursor
and prints one line per event otherwise: output to a pipe or file, ``TERM=dumb`` (or unknown)
on a TTY. ``live`` and ``plain`` force one or the other.

- **Live** (:mod:`live`): a board redrawn a few times a second, laid out for the terminal's
  current size: every row keeps its id (middle-elided when it must) and its state; no cell
  ever wraps.
- **Plain**: timestamped lines (``[   1.2s] ▶ build started``), each output line prefixed
  with its step id, and a heartbeat for long steps every :func:`heartbeat_interval` seconds
  (``▶ build still running, 2m10s, last output 14s ago``), so a quiet AI step never looks hung.

Both end with the summary table (:mod:`summary`) and pointers to the logs of what failed.
Whatever comes from a step (its output lines, messages, the failure tail) is shown through
:func:`~workstream.commands.layout.printable`, in a pipe and on a terminal alike: no escape
sequence or control character of a step's ever reaches the terminal (its log keeps them).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import IO, Literal, TypeAlias

from rich.console import Console

from workstream.commands.layout import printable
from workstream.commands.summary import ICONS, plural, seconds, summary_table
from workstream.executor import (
    Event,
    RunFinished,
    RunResult,
    RunStarted,
    StepFinished,
    StepOutput,
    StepStarted,
)
from workstream.executor.estimate import time_saved

Mode: TypeAlias = Literal["auto", "live", "plain"]
MODES: tuple[Mode, ...] = ("auto", "live", "plain")

#: Seconds between heartbeats of a running step in plain mode (``WORKSTREAM_HEARTBEAT_S``).
HEARTBEAT_S = 30.0
#: The width of plain output that goes to a pipe or a file (``COLUMNS`` overrides it).
PIPE_WIDTH = 120


def heartbeat_interval() -> float:
    """``WORKSTREAM_HEARTBEAT_S`` when it is a positive number, else :data:`HEARTBEAT_S`;
    0 turns heartbeats off."""
    try:
        value = float(os.environ.get("WORKSTREAM_HEARTBEAT_S", ""))
    except ValueError:
        return HEARTBEAT_S
    return value if value >= 0 and value == value else HEARTBEAT_S


def wants_live(mode: Mode, console: Console) -> bool:
    """Whether to draw the live board: forced, or a terminal that can redraw."""
    if mode != "auto":
        return mode == "live"
    return console.is_terminal and not console.is_dumb_terminal


def plain_width(out: IO[str]) -> int:
    """The width plain output is laid out for: the terminal's, ``COLUMNS``, or 120."""
    try:
        if out.isatty() and os.get_terminal_size(out.fileno()).columns > 0:
            return os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError, AttributeError):
        pass
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH


def ago(elapsed: float) -> str:
    """Whole seconds for people: 14s, 2m10s."""
    whole = int(elapsed)
    if whole < 60:
        return f"{whole}s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest:02d}s"


class Renderer:
    """Turns events into output; a context manager around the run."""

    def handle(self, event: Event) -> None:
        """Called by the executor, from any thread, one event at a time."""

    def summary(self, result: RunResult) -> None:
        """Print the end of a run."""

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@dataclass
class _Running:
    started: float
    last_output: float | None = None
    last_beat: float = 0.0


class PlainRenderer(Renderer):
    """One line per event, plus heartbeats: for pipes, files, CI logs and dumb terminals."""

    def __init__(self, out: IO[str], heartbeat: float | None = None) -> None:
        self.out = out
        self.steps: tuple[str, ...] = ()
        self.began = time.monotonic()
        self.heartbeat = heartbeat_interval() if heartbeat is None else heartbeat
        self.running: dict[str, _Running] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.beater: threading.Thread | None = None

    def _line(self, text: str) -> None:
        with self.lock:
            self.out.write(f"[{time.monotonic() - self.began:7.1f}s] {printable(text)}\n")
            self.out.flush()

    def handle(self, event: Event) -> None:
        now = time.monotonic()
        if isinstance(event, RunStarted):
            self.steps = event.steps
            self._line(
                f"run {event.run_id} of {event.workstream_id}: {plural(len(event.steps), 'step')}, "
                f"up to {event.workers} at once, base {event.base_commit[:12]}"
            )
            for warning in event.warnings:
                self._line(f"warning: {warning}")
        elif isinstance(event, StepStarted):
            again = f" (attempt {event.attempt})" if event.attempt > 1 else ""
            with self.lock:
                self.running.setdefault(event.step_id, _Running(now)).last_beat = now
            self._line(f"{ICONS['running']} {event.step_id} started{again}")
        elif isinstance(event, StepOutput):
            with self.lock:
                if event.step_id in self.running:
                    self.running[event.step_id].last_output = now
                self.out.write(f"          {event.step_id} | {printable(event.line)}\n")
        elif isinstance(event, StepFinished):
            with self.lock:
                self.running.pop(event.step_id, None)
            took = f" in {seconds(event.duration_ms)}" if event.duration_ms else ""
            self._line(
                f"{ICONS[event.status]} {event.step_id} {event.status}{took}: {event.message}"
            )
        elif isinstance(event, RunFinished):
            self._line(f"run {event.status} in {seconds(event.duration_ms)}: {event.message}")

    def beats(self, now: float) -> list[str]:
        """The heartbeat lines due at ``now`` (and marks them given)."""
        if self.heartbeat <= 0:
            return []
        due: list[str] = []
        with self.lock:
            for step_id, run in self.running.items():
                if now - run.last_beat < self.heartbeat:
                    continue
                run.last_beat = now
                heard = (
                    f"last output {ago(now - run.last_output)} ago"
                    if run.last_output is not None
                    else "no output yet"
                )
                due.append(
                    f"{ICONS['running']} {step_id} still running, {ago(now - run.started)}, {heard}"
                )
        return due

    def _beat(self) -> None:
        tick = min(1.0, self.heartbeat / 4)
        while not self.stop.wait(tick):
            for line in self.beats(time.monotonic()):
                self._line(line)

    def __enter__(self) -> Renderer:
        if self.heartbeat > 0:
            self.beater = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
            self.beater.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.beater is not None:
            self.beater.join()

    def summary(self, result: RunResult) -> None:
        # With a height too: rich lays a dumb terminal out at 80 columns otherwise.
        width = plain_width(self.out)
        console = Console(file=self.out, width=width, height=25, no_color=True, highlight=False)
        steps = self.steps or tuple(result.state.steps)
        console.print(summary_table(result.state, steps, details=True))
        print_pointers(console, result)


def print_pointers(console: Console, result: RunResult) -> None:
    """After the table: the run's message, its result, the logs of what failed."""
    state = result.state
    console.print(printable(state.message), highlight=False, markup=False)
    story = time_saved(state)
    if story is not None:
        console.print(story, highlight=False)
    if result.result_branch:
        console.print(
            f"result: branch {result.result_branch} ({(result.result_commit or '')[:12]})",
            highlight=False,
        )
    for step_id, entry in state.steps.items():
        if entry.run_id == state.run_id and entry.status in ("failed", "cancelled"):
            if entry.log:
                console.print(f"{step_id}: log {entry.log}", highlight=False, soft_wrap=True)
            if entry.worktree:
                console.print(
                    f"{step_id}: worktree kept at {entry.worktree}", highlight=False, soft_wrap=True
                )
