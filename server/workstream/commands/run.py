"""``workstream run``: run a workstream, with live progress on a terminal and plain lines off it.

Thin: the arguments become :class:`~workstream.executor.RunOptions`, the executor's events
become output. On a TTY a rich live table shows every step with its status, time and latest
output line; otherwise each event is one plain line (step output prefixed with the step id),
which suits CI logs. Both end with a summary table. Exit 0 only when every selected step
succeeded; 1 when one failed; 2 for bad input; 130 when cancelled (Ctrl-C).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from workstream.commands.check import format_row, rows_of
from workstream.commands.plan_warnings import plan_warnings
from workstream.executor import (
    Event,
    Executor,
    ExecutorError,
    RunFinished,
    RunOptions,
    RunResult,
    RunStarted,
    StepFinished,
    StepOutput,
    StepQueued,
    StepStarted,
    WorkstreamInvalid,
    make_plan,
)
from workstream.executor.state import RunState
from workstream.executor.target import read_workstream

ICONS = {
    "queued": "·",
    "running": "▶",
    "succeeded": "✓",
    "failed": "✗",
    "skipped": "↷",
    "cancelled": "■",
}
STYLES = {
    "queued": "dim",
    "running": "cyan",
    "succeeded": "green",
    "failed": "red",
    "skipped": "yellow",
    "cancelled": "magenta",
}


def main(args: argparse.Namespace) -> int:
    """Run ``workstream run``."""
    path = Path(args.path)
    if args.max_workers is not None and args.max_workers < 1:
        return fail("--max-workers must be at least 1")
    if args.dry_run:
        return dry_run(path, tuple(args.steps), args.max_workers)
    options = RunOptions(
        steps=tuple(args.steps),
        max_workers=args.max_workers,
        resume=args.resume,
        keep_worktrees=args.keep_worktrees,
        fail_fast=args.fail_fast,
    )
    return execute(path, options)


def fail(message: str, code: int = 2) -> int:
    """Print a one-line error; return the exit code."""
    print(f"workstream: {message}", file=sys.stderr)
    return code


def print_invalid(error: WorkstreamInvalid, path: Path) -> None:
    """The errors of a workstream that cannot run, as ``check`` prints them."""
    for row in rows_of(str(path), error.text, list(error.findings)):
        print(format_row(row), file=sys.stderr)
    print(f"workstream: {error}", file=sys.stderr)


def execute(path: Path, options: RunOptions, console: Console | None = None) -> int:
    """Run a workstream with progress output; the exit code."""
    try:
        executor = Executor(path, options)
    except WorkstreamInvalid as error:
        print_invalid(error, path)
        return 2
    except ExecutorError as error:
        return fail(str(error))
    console = console or Console()
    _print_plan_warnings(executor, path, console)
    renderer: Renderer = LiveRenderer(console) if console.is_terminal else PlainRenderer(sys.stdout)
    executor.subscribe(renderer.handle)
    try:
        with renderer, _cancel_on_signals(executor):
            result = executor.run()
    except ExecutorError as error:
        return fail(str(error))
    renderer.summary(result)
    if result.status == "cancelled":
        return 130
    return 0 if result.ok else 1


def _print_plan_warnings(executor: Executor, path: Path, console: Console) -> None:
    """What ``check`` warns about in this plan, before anything runs (nothing is asked)."""
    analysis = executor.target.analysis
    lines = plan_warnings(str(path), analysis.parsed.text, analysis.findings, executor.plan.steps)
    for line in lines:
        if console.is_terminal:
            console.print(Text("warning: ", style="yellow") + Text(line), soft_wrap=True)
        else:
            print(f"warning: {line}", flush=True)


@contextmanager
def _cancel_on_signals(executor: Executor) -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP (a closed terminal) cancel the run; the state stays sane."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        executor.cancel()

    previous = {
        sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def dry_run(path: Path, steps: tuple[str, ...], workers: int | None) -> int:
    """Print the plan: waves and critical path; runs nothing."""
    try:
        _, model = read_workstream(path.expanduser().resolve())
        plan = make_plan(model, steps, workers)
    except WorkstreamInvalid as error:
        print_invalid(error, path)
        return 2
    except ExecutorError as error:
        return fail(str(error))
    print(f"{plan.workstream_id}: {len(plan.steps)} steps, up to {plan.workers} at once")
    for number, wave in enumerate(plan.waves, start=1):
        print(f"  wave {number}: {', '.join(wave)}")
    print(f"  critical path ({len(plan.critical_path)} steps): {' → '.join(plan.critical_path)}")
    return 0


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


def summary_table(state: RunState, steps: tuple[str, ...]) -> Table:
    """The end-of-run table: one row per step."""
    table = Table(title=f"run {state.run_id}: {state.status}", title_justify="left")
    for column in ("", "step", "status", "time", "commit", "message"):
        table.add_column(column, overflow="fold")
    for step_id in steps:
        entry = state.steps.get(step_id)
        if entry is None:
            continue
        style = STYLES[entry.status]
        table.add_row(
            Text(ICONS[entry.status], style=style),
            step_id,
            Text(entry.status, style=style),
            seconds(entry.duration_ms),
            (entry.commit or "")[:12],
            entry.message,
        )
    return table


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


class PlainRenderer(Renderer):
    """One line per event: for pipes, files and CI logs."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.steps: tuple[str, ...] = ()
        self.began = time.monotonic()

    def _line(self, text: str) -> None:
        self.out.write(f"[{time.monotonic() - self.began:7.1f}s] {text}\n")
        self.out.flush()

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.steps = event.steps
            self._line(
                f"run {event.run_id} of {event.workstream_id}: {len(event.steps)} steps, "
                f"up to {event.workers} at once, base {event.base_commit[:12]}"
            )
            for warning in event.warnings:
                self._line(f"warning: {warning}")
        elif isinstance(event, StepStarted):
            again = f" (attempt {event.attempt})" if event.attempt > 1 else ""
            self._line(f"{ICONS['running']} {event.step_id} started{again}")
        elif isinstance(event, StepOutput):
            self.out.write(f"          {event.step_id} | {event.line}\n")
        elif isinstance(event, StepFinished):
            took = f" in {seconds(event.duration_ms)}" if event.duration_ms else ""
            self._line(
                f"{ICONS[event.status]} {event.step_id} {event.status}{took}: {event.message}"
            )
        elif isinstance(event, RunFinished):
            self._line(f"run {event.status} in {seconds(event.duration_ms)}: {event.message}")

    def summary(self, result: RunResult) -> None:
        console = Console(file=self.out, width=120, no_color=True, highlight=False)
        console.print(summary_table(result.state, self.steps or tuple(result.state.steps)))
        _print_pointers(console, result)


@dataclass
class _Row:
    status: str = "queued"
    started: float | None = None
    duration_ms: int | None = None
    line: str = ""
    attempt: int = 1


@dataclass
class _Board:
    header: str = ""
    warnings: list[str] = field(default_factory=list)
    rows: dict[str, _Row] = field(default_factory=dict)
    footer: str = ""


class LiveRenderer(Renderer):
    """A rich live table on a terminal, redrawn a few times a second."""

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
                    f"{len(event.steps)} steps · up to {event.workers} at once"
                )
                board.warnings = list(event.warnings)
                board.rows = {step_id: _Row() for step_id in event.steps}
            elif isinstance(event, StepQueued):
                board.rows.setdefault(event.step_id, _Row())
            elif isinstance(event, StepStarted):
                row = board.rows.setdefault(event.step_id, _Row())
                row.status, row.attempt = "running", event.attempt
                row.started = row.started or time.monotonic()
            elif isinstance(event, StepOutput):
                board.rows.setdefault(event.step_id, _Row()).line = event.line
            elif isinstance(event, StepFinished):
                row = board.rows.setdefault(event.step_id, _Row())
                row.status, row.duration_ms, row.line = (
                    event.status,
                    event.duration_ms,
                    event.message,
                )
            elif isinstance(event, RunFinished):
                board.footer = f"{event.status}: {event.message}"

    def _render(self) -> Group:
        with self.lock:
            table = Table.grid(padding=(0, 1))
            for _ in range(4):
                table.add_column()
            table.columns[3].overflow = "ellipsis"
            table.columns[3].no_wrap = True
            now = time.monotonic()
            for step_id, row in self.board.rows.items():
                style = STYLES[row.status]
                took = row.duration_ms
                if row.status == "running" and row.started is not None:
                    took = round((now - row.started) * 1000)
                table.add_row(
                    Text(ICONS[row.status], style=style),
                    Text(step_id, style="bold"),
                    Text(seconds(took).rjust(6), style="dim"),
                    Text(row.line, style="dim" if row.status == "running" else style),
                )
            parts: list[Text | Table] = [Text(self.board.header, style="bold")]
            parts += [Text(f"warning: {w}", style="yellow") for w in self.board.warnings]
            parts.append(table)
            return Group(*parts)

    def summary(self, result: RunResult) -> None:
        for warning in self.board.warnings:
            self.console.print(f"[yellow]warning:[/] {warning}", highlight=False)
        self.console.print(summary_table(result.state, tuple(self.board.rows)))
        _print_pointers(self.console, result)


def _print_pointers(console: Console, result: RunResult) -> None:
    state = result.state
    console.print(state.message, highlight=False)
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
