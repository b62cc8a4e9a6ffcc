"""One attempt of one step: worktree, setup, tool, scope check, acceptance tests, commit.

An attempt works only inside its own worktree and on its own branch, so a failing step never
damages another step's work. The order matters:

1. the start point: the base, or the first dependency's result with the others merged in
   (a conflict fails the step and names the files);
2. a fresh worktree on ``workstream/<ws>/step/<id>`` (a previous one is replaced);
3. ``execution.copy`` files and ``execution.setup``: what they create is the step's
   environment, never part of its result;
4. the tool, then the scope check of what it changed (before the tests: it is cheap);
5. the acceptance tests (what they write — caches, reports — is not committed either);
6. the commit of the tool's changes. A failed attempt's changes are committed to the step
   branch too, so the kept worktree is clean and nothing is lost when ``clean`` removes it.
"""

from __future__ import annotations

import glob
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from workstream.executor.events import Reason, Status
from workstream.executor.gitops import Git, GitError, clean_env
from workstream.executor.ports import PortPool
from workstream.executor.process import Outcome, run_command
from workstream.executor.tools import shell_argv, step_argv
from workstream.model import Step, Workstream
from workstream.scopes import in_scope


@dataclass(frozen=True, slots=True)
class RunContext:
    """What every attempt of one run shares."""

    model: Workstream
    run_id: str
    repo: Git  # at the repository root
    repo_root: Path
    worktree_root: Path
    env: Mapping[str, str]  # the base environment of every command
    shell: str
    cancel: threading.Event
    grace: float
    keep_worktrees: bool
    ports: PortPool
    emit_line: Callable[[str, str], None]  # (step id, line)
    on_pid: Callable[[str, int | None], None]  # a step's running process group, or None


@dataclass(frozen=True, slots=True)
class Inputs:
    """Where a step starts: the base, or its dependencies' results (in ``depends_on`` order)."""

    commits: tuple[str, ...]
    owners: tuple[str, ...]  # the dependency each commit comes from ("" for the base)


@dataclass(slots=True)
class AttemptResult:
    """How an attempt ended."""

    status: Status
    message: str
    reason: Reason | None = None
    start_commit: str | None = None
    commit: str | None = None
    worktree: Path | None = None  # set when the worktree is kept
    environment: tuple[str, ...] = ()

    @property
    def retryable(self) -> bool:
        """A failure another attempt could fix (not a conflict, a missing tool or a cancel)."""
        return self.status == "failed" and self.reason in ("exit", "timeout", "scope", "error")


@dataclass(slots=True)
class _Attempt:
    ctx: RunContext
    step: Step
    inputs: Inputs
    log: IO[str]
    deadline: float
    branch: str
    path: Path
    env: dict[str, str] = field(default_factory=dict)
    environment: set[str] = field(default_factory=set)

    def say(self, line: str) -> None:
        self.log.write(line + "\n")
        self.log.flush()
        self.ctx.emit_line(self.step.id, line)

    def command(self, argv: Sequence[str], label: str) -> Outcome:
        self.say(f"$ {label}")
        outcome = run_command(
            argv,
            cwd=self.path,
            env=self.env,
            deadline=self.deadline,
            cancel=self.ctx.cancel,
            on_line=self.say,
            on_start=lambda pid: self.ctx.on_pid(self.step.id, pid),
            grace=self.ctx.grace,
        )
        self.ctx.on_pid(self.step.id, None)
        return outcome


def step_branch(model: Workstream, step_id: str) -> str:
    """The branch a step's result lives on."""
    return f"workstream/{model.id}/step/{step_id}"


def result_branch(model: Workstream) -> str:
    """The branch holding the merge of every step's result."""
    return f"workstream/{model.id}/result"


def run_attempt(ctx: RunContext, step: Step, inputs: Inputs, log: IO[str]) -> AttemptResult:
    """Run one attempt of ``step`` from ``inputs``; never raises for a step's own failure."""
    timeout = step.timeout or ctx.model.execution.timeout_per_step
    attempt = _Attempt(
        ctx,
        step,
        inputs,
        log,
        deadline=time.monotonic() + timeout,
        branch=step_branch(ctx.model, step.id),
        path=ctx.worktree_root / step.id,
    )
    port = ctx.ports.acquire()
    try:
        return _run(attempt, timeout, port)
    except GitError as exc:
        attempt.say(f"error: {exc}")
        return AttemptResult("failed", str(exc), "error", worktree=_kept(attempt))
    except OSError as exc:
        attempt.say(f"error: {exc}")
        return AttemptResult("failed", f"{exc}", "error", worktree=_kept(attempt))
    finally:
        ctx.ports.release(port)


def _kept(attempt: _Attempt) -> Path | None:
    return attempt.path if attempt.path.exists() else None


def _run(a: _Attempt, timeout: float, port: int) -> AttemptResult:
    ctx, step = a.ctx, a.step
    # 1. The start point.
    start = a.inputs.commits[0]
    if len(a.inputs.commits) > 1:
        merged = ctx.repo.merge(a.inputs.commits, f"workstream: start point of {step.id}")
        if merged.commit is None:
            owners = dict(zip(a.inputs.commits, a.inputs.owners, strict=True))
            left, right = merged.between or ("", "")
            names = _names(owners, left) + " and " + _names(owners, right)
            message = f"merge conflict between {names} in: {', '.join(merged.conflicts)}"
            a.say(message)
            return AttemptResult("failed", message, "merge_conflict")
        start = merged.commit
    if ctx.cancel.is_set():
        return AttemptResult("cancelled", "cancelled before it started", start_commit=start)
    # 2. A fresh worktree.
    if a.path.exists():
        ctx.repo.remove_worktree(a.path)
    a.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        ctx.repo.add_worktree(a.path, a.branch, start)
    except GitError:  # registered still, its directory gone (a crash): forget it, try again
        ctx.repo.prune()
        ctx.repo.add_worktree(a.path, a.branch, start)
    a.say(f"worktree {a.path} on {a.branch} at {start[:12]}")
    a.env = clean_env(ctx.env)
    a.env.update(step.env)
    a.env.update(
        WORKSTREAM_ID=ctx.model.id,
        WORKSTREAM_STEP=step.id,
        WORKSTREAM_RUN=ctx.run_id,
        WORKSTREAM_PORT=str(port),
    )
    wt = ctx.repo.at(a.path)
    # 3. The step's environment: copied files and setup.
    a.environment.update(_copy(ctx.repo_root, a.path, ctx.model.execution.copy, a.say))
    if ctx.model.execution.setup:
        setup = ctx.model.execution.setup
        outcome = a.command(shell_argv(setup, ctx.shell), setup)
        failed = _failure(a, outcome, f"setup `{setup}`", timeout)
        if failed:
            return _keep(a, wt, failed, start)
        a.environment.update(wt.changed_files())
    # 4. The tool, then the scope.
    argv = step_argv(ctx.model, step, ctx.shell)
    label = step.run if step.tool == "shell" and isinstance(step.run, str) else _show(argv)
    outcome = a.command(argv, label)
    failed = _failure(a, outcome, f"tool {step.tool!r}" if step.tool != "shell" else "run", timeout)
    if failed:
        return _keep(a, wt, failed, start)
    changed = [p for p in wt.changed_files() if p not in a.environment]
    if step.files is not None:
        outside = [p for p in changed if not in_scope(step.files, p)]
        if outside:
            scope = ", ".join(step.files) if step.files else "nothing (files: [])"
            message = f"changed files outside its scope: {', '.join(outside)} (scope: {scope})"
            a.say(message)
            return _keep(a, wt, AttemptResult("failed", message, "scope"), start)
    if changed:
        wt.stage(None if not a.environment else changed)
    # 5. Acceptance tests.
    for test in step.acceptance_tests:
        outcome = a.command(shell_argv(test, ctx.shell), test)
        failed = _failure(a, outcome, f"acceptance test `{test}`", timeout)
        if failed:
            return _keep(a, wt, failed, start)
    # 6. The result.
    commit = wt.commit(_commit_message(ctx, step)) if changed else start
    files = f"{len(changed)} file{'s' if len(changed) != 1 else ''} changed"
    message = files if changed else "no changes"
    a.say(f"{files}, committed {commit[:12]}" if changed else "no changes: its result is its start")
    kept: Path | None = a.path
    if not ctx.keep_worktrees:
        ctx.repo.discard_worktree(a.path)  # the run prunes once at its end
        kept = None
    return AttemptResult(
        "succeeded", message, None, start, commit, kept, tuple(sorted(a.environment))
    )


def _failure(a: _Attempt, outcome: Outcome, what: str, timeout: float) -> AttemptResult | None:
    """None for a success; otherwise the attempt's result, with a one-line message."""
    if outcome.ok:
        return None
    if outcome.missing is not None:
        message = f"{what}: command not found: {outcome.missing!r} is not on PATH"
        reason: Reason = "missing_tool"
    elif outcome.cancelled:
        a.say("cancelled: stopped its processes")
        return AttemptResult("cancelled", f"cancelled during {what}")
    elif outcome.timed_out:
        message = f"timed out after {timeout:g}s during {what}; its processes were killed"
        reason = "timeout"
    else:
        code = outcome.returncode
        detail = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
        message = f"{what} failed ({detail})"
        reason = "exit"
    a.say(message)
    return AttemptResult("failed", message, reason)


def _keep(a: _Attempt, wt: Git, result: AttemptResult, start: str) -> AttemptResult:
    """Save a failed attempt's changes on its branch and keep its worktree for inspection."""
    result.start_commit = start
    result.environment = tuple(sorted(a.environment))
    try:
        changed = [p for p in wt.changed_files() if p not in a.environment]
        if changed:
            wt.stage(changed)
            saved = wt.commit(
                f"workstream: unfinished work of {a.step.id} ({result.status})\n\n"
                f"{result.message}\n\nRun: {a.ctx.run_id}"
            )
            a.say(f"its changes are saved on {a.branch} ({saved[:12]})")
    except GitError as exc:  # keep the worktree as it is; clean --force can still remove it
        a.say(f"could not save its changes: {exc}")
    result.worktree = a.path
    result.message += "; worktree kept"
    return result


def _copy(root: Path, dest: Path, entries: Sequence[str], say: Callable[[str], None]) -> set[str]:
    """Copy untracked files (paths or globs) from the user's tree; return what was copied."""
    copied: set[str] = set()
    for entry in entries:
        matches = sorted(glob.glob(entry, root_dir=root, recursive=True, include_hidden=True))
        if not matches:
            say(f"copy: {entry} not found in {root}, skipped")
            continue
        for rel in matches:
            source, target = root / rel, dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)
                copied.update(str(p.relative_to(dest)) for p in target.rglob("*") if not p.is_dir())
            else:
                shutil.copy2(source, target, follow_symlinks=False)
                copied.add(rel)
    return copied


def _commit_message(ctx: RunContext, step: Step) -> str:
    run = step.run if isinstance(step.run, str) else " ".join(step.run or ())
    title = step.description or (step.tasks[0] if step.tasks else run) or step.id
    body = "\n".join(f"- {task}" for task in step.tasks)
    return (
        f"{step.id}: {title.splitlines()[0][:72]}\n\n"
        + (body + "\n\n" if body else "")
        + f"Workstream: {ctx.model.id}\nRun: {ctx.run_id}\n"
    )


def _names(owners: Mapping[str, str], commit: str) -> str:
    owner = owners.get(commit)
    return f"{owner!r}" if owner else f"the merged results ({commit[:12]})"


def _show(argv: Sequence[str]) -> str:
    """An argv shown shell-quoted, for the log."""
    import shlex

    shown = shlex.join(argv)
    return shown if len(shown) <= 200 else shown[:197] + "..."
