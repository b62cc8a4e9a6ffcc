"""``workstream run``: run a workstream, with progress that suits the terminal it is in.

Thin: the arguments become :class:`~workstream.executor.RunOptions`, the executor's events
become output (:mod:`progress`): a live board where the terminal can redraw, plain lines with
heartbeats otherwise (a pipe, a file, CI, ``TERM=dumb``; ``--progress`` forces either). Both
end with the summary table (:mod:`summary`), with the last lines a failed command printed
under its row. Exit 0 only when every selected step succeeded; 1 when one failed; 2 for bad
input; 130 when cancelled (Ctrl-C).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.text import Text

from workstream.commands.candidates_text import candidate_lines
from workstream.commands.check import format_row, rows_of
from workstream.commands.live import LiveRenderer
from workstream.commands.plan_warnings import checks_passed, plan_warnings
from workstream.commands.progress import Mode, PlainRenderer, Renderer, wants_live
from workstream.commands.summary import ICONS, STYLES, plural, seconds, summary_table
from workstream.executor import (
    Executor,
    ExecutorError,
    Plan,
    RunOptions,
    WorkstreamInvalid,
    load_state,
    make_plan,
)
from workstream.executor.estimate import durations, estimate, units_of
from workstream.executor.target import read_workstream

__all__ = [
    "ICONS",
    "STYLES",
    "execute",
    "fail",
    "main",
    "print_invalid",
    "seconds",
    "summary_table",
]


def main(args: argparse.Namespace) -> int:
    """Run ``workstream run``."""
    steps = list(args.steps)
    if args.path is None:  # ``run --step a b plan.json``: the ids took the path along
        if not steps or not Path(steps[-1]).exists():
            return fail("run needs the PATH of a workstream file")
        args.path = steps.pop()
    path = Path(args.path)
    if args.max_workers is not None and args.max_workers < 1:
        return fail("--max-workers must be at least 1")
    if args.dry_run:
        return dry_run(path, tuple(steps), args.max_workers)
    options = RunOptions(
        steps=tuple(steps),
        max_workers=args.max_workers,
        resume=args.resume,
        keep_worktrees=args.keep_worktrees,
        fail_fast=args.fail_fast,
        cluster=args.cluster,
        remote=args.remote,
    )
    return execute(path, options, progress=getattr(args, "progress", "auto"))


def fail(message: str, code: int = 2) -> int:
    """Print a one-line error; return the exit code."""
    print(f"workstream: {message}", file=sys.stderr)
    return code


def print_invalid(error: WorkstreamInvalid, path: Path) -> None:
    """The errors of a workstream that cannot run, as ``check`` prints them."""
    for row in rows_of(str(path), error.text, list(error.findings)):
        print(format_row(row), file=sys.stderr)
    print(f"workstream: {error}", file=sys.stderr)


def execute(
    path: Path, options: RunOptions, console: Console | None = None, progress: Mode = "auto"
) -> int:
    """Run a workstream with progress output (``progress``: auto, live or plain); the exit
    code."""
    try:
        executor = Executor(path, options)
    except WorkstreamInvalid as error:
        print_invalid(error, path)
        return 2
    except ExecutorError as error:
        return fail(str(error))
    console = console or Console(force_terminal=True if progress == "live" else None)
    _print_plan_warnings(executor, path, console)
    renderer: Renderer = (
        LiveRenderer(console) if wants_live(progress, console) else PlainRenderer(sys.stdout)
    )
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
    """The checks passed, then what ``check`` warns about in this plan, before anything runs
    (nothing is asked)."""
    analysis = executor.target.analysis
    model, plan = executor.model, executor.plan
    scoped = sum(1 for s in plan.steps if (step := model.step(s)) and step.files is not None)
    for line in checks_passed(analysis.findings, plan, scoped):
        if console.is_terminal:
            text = Text(line[:1], style="green") + Text(line[1:])
            console.print(text, no_wrap=True, overflow="ellipsis", crop=True)
        else:
            print(line, flush=True)
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
    units = sum(step.units for step in model.steps if step.id in plan.steps)
    print(plan_title(plan, len(model.steps), units))
    for number, wave in enumerate(plan.waves, start=1):
        print(f"  wave {number}: {', '.join(wave)}")
        for step_id in wave:
            for line in candidate_lines(model, step_id, plan.workers):
                print(f"    {line}")
    path_ = plan.critical_path
    print(f"  critical path ({plural(len(path_), 'step')}): {' → '.join(path_)}")
    for name, expression, now in model.execution.conditional:
        print(f"  execution.{name}: {now or '(empty)'}, from {expression}")
    try:
        previous = load_state(path.expanduser().resolve())
    except ExecutorError:
        previous = None  # an unreadable state file: no estimate, the plan stands
    weighed = estimate(plan, *durations(previous), units_of(model, plan, previous))
    if weighed is not None:
        for line in weighed.lines(plan.workers, len(plan.steps)):
            print(f"  {line}")
    return 0


def plan_title(plan: Plan, total: int, units: int = 0) -> str:
    """The first line of a dry run: which steps, how many units of work (a step with
    candidates is one per candidate), and how many at once."""
    at_once = f"up to {plan.workers} at once"
    if units > len(plan.steps):  # candidates: each one a unit of work for a worker
        at_once = f"{units} units of work with candidates, {at_once}"
    if not plan.requested:
        return f"{plan.workstream_id}: {plural(len(plan.steps), 'step')}, {at_once}"
    needs = [s for s in plan.steps if s not in plan.requested]
    they = "it needs" if len(plan.requested) == 1 else "they need"
    what = " ".join(plan.requested) + (f" and what {they} ({', '.join(needs)})" if needs else "")
    return f"{plan.workstream_id}: --step {what}: {len(plan.steps)} of {total} steps, {at_once}"
