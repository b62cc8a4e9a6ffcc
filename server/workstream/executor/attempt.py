"""One attempt of one step: worktree, setup, tool, scope check, acceptance tests, commit.

An attempt works only inside its own worktree, so a failing step never damages another
step's work. The order matters:

1. the start point: the base, or the first dependency's result with the others merged in
   (a conflict fails the step and names the files);
2. a fresh, detached worktree of ours at ``<worktree root>/<id>`` (see :mod:`worktrees`);
3. ``execution.copy`` files and ``execution.setup``: what they create is the step's
   environment, never part of its result;
4. the tool; then its result is judged as a whole: the tree of its worktree (whatever the step
   committed, reset or checked out on the way) against its start point, so its own commits
   are its work and an out-of-scope change is seen however it was made;
5. the acceptance tests (what they write — caches, reports — is not committed);
6. the result commit, made by the executor from that tree (``commit-tree``: no hooks) on
   ``workstream/<ws>/step/<id>``. A failed attempt's changes are saved on that branch too.

A candidate of a step (:mod:`candidates`) is an attempt of the step as the candidate changes
it, with a ``name`` of its own (its worktree, scratch folder and transcript) and its own
``branch``; with a ``score`` command, that runs after the acceptance tests (in the sandbox,
like them) and the number its last line prints is the result's ``score``.

Every command runs through :class:`~workstream.executor.commands.StepCommands`: in the
sandbox when there is one, with a private object directory for the step's own git.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from workstream.executor.commands import StepCommands, failure
from workstream.executor.context import AttemptResult, Inputs, RunContext, step_branch
from workstream.executor.copying import copy_into
from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError
from workstream.executor.judge import scope_failure
from workstream.executor.logs import CappedLog
from workstream.executor.pool import Slot
from workstream.executor.pyenv import VENV_DIR
from workstream.executor.results import (
    commit_message,
    kept_transcript,
    move_branch,
    read_score,
    start_point,
)
from workstream.executor.snapshot import Bound, SnapshotStopped, TooLarge, listed, snapshot_tree
from workstream.executor.strays import keep_needed
from workstream.executor.tools import (
    option_hazard,
    shell_argv,
    show_argv,
    step_argv,
    uses_transcript,
)
from workstream.executor.worktrees import clear_path, registered, reset_admin
from workstream.model import Step

#: Seconds the save of a failed attempt's work may take (its snapshot, bounded like a step's).
SAVE_GRACE = 30.0

__all__ = ["AttemptResult", "Inputs", "RunContext", "move_branch", "run_attempt", "step_branch"]


@dataclass(slots=True)
class _Attempt:
    ctx: RunContext
    step: Step
    inputs: Inputs
    log: CappedLog
    commands: StepCommands
    branch: str
    path: Path
    scratch: Path
    name: str  # its worktree's and scratch folder's name: the step id, or a candidate's
    admin: Path | None = None
    start: str | None = None
    environment: set[str] = field(default_factory=set)
    exclude: tuple[str, ...] = ()  # the tool's bookkeeping: never a change
    transcript: Path | None = None
    slot: Slot | None = None  # the pooled worktree it holds (execution.reuse)
    score: str | None = None  # a candidate's score command
    unsaved: bool = False  # its snapshot ran out of time: saving it would too

    def bound(self, grace: float | None = None) -> Bound:
        """The snapshot's bounds: the step's deadline and the run's cancellation; for the
        save of a failed attempt, ``grace`` seconds from now (and no cancellation when the
        run is already cancelled: that save is how a cancelled step keeps its work)."""
        cancel = self.ctx.cancel
        if grace is None:
            deadline = self.commands.deadline
            limit = f"{self.commands.timeout:g}s, {self.commands.timeout_source}"
        else:
            deadline = time.monotonic() + grace
            limit = f"{grace:g}s to save a failed step's work"
        return Bound(
            deadline,
            None if grace is not None and cancel.is_set() else cancel,
            self.ctx.model.execution.max_file_size,
            limit,
        )

    def say(self, line: str) -> None:
        self.commands.say(line)


def run_attempt(
    ctx: RunContext,
    step: Step,
    inputs: Inputs,
    log: CappedLog,
    name: str | None = None,
    branch: str | None = None,
    score: str | None = None,
) -> AttemptResult:
    """Run one attempt of ``step`` from ``inputs``; never raises for a step's own failure.

    ``name``, ``branch`` and ``score`` are a candidate's (see the module's docstring)."""
    timeout = step.timeout or ctx.model.execution.timeout_per_step
    name = name or step.id
    path = ctx.worktree_root / name
    scratch = ctx.scratch_root / name
    commands = StepCommands(ctx, step, log, deadline=time.monotonic() + timeout, timeout=timeout)
    branch = branch or step_branch(ctx.model, step.id)
    a = _Attempt(ctx, step, inputs, log, commands, branch, path, scratch, name)
    a.score = score
    hazard = option_hazard(ctx.model, step)
    if hazard is not None:
        a.say(f"not run: {hazard}")
        return AttemptResult("failed", f"not run: {hazard}", "refused")
    # The tool's bookkeeping and the per-worktree Python environment (docs/python.md).
    tool = ctx.model.tool_def(step) if step.tool != "shell" else None  # a candidate's own
    a.exclude = (*(tool.bookkeeping if tool is not None else ()), VENV_DIR)
    template = ctx.model.tool_command(step) if step.tool != "shell" else None
    if template is not None and uses_transcript(template):
        a.transcript = log.path.with_name(f"{name}.transcript.md")
        a.transcript.touch()
    port = ctx.ports.acquire()
    try:
        result = _run(a, port)
    except (GitError, ExecutorError, OSError) as exc:
        a.say(f"error: {exc}")
        if a.admin is not None and a.start is not None:
            result = _keep(a, AttemptResult("failed", str(exc), "error"))
        else:
            result = AttemptResult("failed", str(exc), "error", start_commit=a.start)
    finally:
        ctx.ports.release(port)
        if _keep_needed_objects(a, scratch / "objects"):
            shutil.rmtree(scratch, ignore_errors=True)  # our own scratch folder, never the user's
    result.transcript = kept_transcript(a.transcript)
    return result


def _keep_needed_objects(a: _Attempt, objects: Path) -> bool:
    """Before the scratch folder goes: objects the step's git wrote there that the user's
    repository names (a ``git -C <repo> commit`` without the sandbox) go to its object store
    (:mod:`strays`). False when that failed: the folder is kept, and the log says so."""
    try:
        copied = keep_needed(a.ctx.repo, objects)
    except (GitError, OSError) as exc:
        a.say(f"warning: {objects} is kept: your repository may need its objects ({exc})")
        return False
    if copied:
        a.say(
            f"warning: your repository names objects this step's git wrote ({copied} copied "
            f"into {a.ctx.git_dir / 'objects'} so that nothing of yours points at a missing one)"
        )
    return True


def _run(a: _Attempt, port: int) -> AttemptResult:
    ctx, step = a.ctx, a.step
    # 1. The start point.
    start = start_point(ctx, step, a.inputs, a.say)
    if isinstance(start, AttemptResult):
        return start
    # 2. A worktree of ours: a fresh one, or one of the pool moved to the start point.
    if ctx.pool is not None:
        if registered(ctx.repo, a.path):  # its worktree an earlier run kept (saved by now)
            clear_path(ctx.repo, a.path)
        a.slot = ctx.pool.acquire(start)
        assert a.slot.admin is not None
        a.path, a.admin = a.slot.path, a.slot.admin
    else:
        clear_path(ctx.repo, a.path)
        a.admin = ctx.repo.add_worktree(a.path, start)
    a.start = start
    ctx.on_worktree(step.id, a.path, start)
    a.say(f"worktree {a.path} at {start[:12]} (branch {a.branch})")
    a.scratch.mkdir(parents=True, exist_ok=True)
    seed = a.scratch / "checkout.index"
    shutil.copyfile(a.admin / "index", seed)
    a.commands.prepare(a.path, a.admin, a.scratch, port, a.transcript)
    # 3. The step's environment: copied files and setup.
    a.environment.update(
        copy_into(
            ctx.repo_root,
            ctx.git_dir,
            a.path,
            ctx.model.execution.copy,
            a.say,
            deadline=a.commands.deadline,
            cancel=ctx.cancel,
        )
    )
    if ctx.model.execution.setup:
        setup = ctx.model.execution.setup
        failed = failure(
            a.commands, a.commands.run(shell_argv(setup, ctx.shell), setup), f"setup `{setup}`"
        )
        if failed:
            return _keep(a, failed)
        replaced = reset_admin(a.admin, a.path, start)
        if replaced:
            return _keep(a, _replaced(a, replaced))
        tree = _snapshot(a, seed)
        if isinstance(tree, AttemptResult):
            return _keep(a, tree)
        a.environment.update(ctx.repo.changed_between(start, tree))
    a.commands.enter_worktree_venv()  # setup made <worktree>/.venv: the tool and tests use it
    # 4. The tool, then its whole result against the start point.
    argv = step_argv(ctx.model, step, ctx.shell, str(a.transcript or os.devnull))
    label = step.run if step.tool == "shell" and isinstance(step.run, str) else show_argv(argv)
    what = f"tool {step.tool!r}" if step.tool != "shell" else "run"
    failed = failure(a.commands, a.commands.run(argv, label), what)
    if failed:
        failed.tool_failed = failed.status == "failed"  # for the tool's circuit breaker
        return _keep(a, failed)
    replaced = reset_admin(a.admin, a.path, start)
    if replaced:
        return _keep(a, _replaced(a, replaced))
    tree = _snapshot(a, seed)
    if isinstance(tree, AttemptResult):
        return _keep(a, tree)
    changed = [p for p in ctx.repo.changed_between(start, tree) if p not in a.environment]
    if step.files is not None:
        judged = scope_failure(step.files, changed, a.commands, ctx.cancel)
        if judged is not None:
            a.say(judged.message)
            return _keep(a, judged, saved_tree=tree if judged.reason == "scope" else None)
    result_tree = _result_tree(ctx.repo, a, start, tree, changed)
    # 5. Acceptance tests.
    for test in step.acceptance_tests:
        failed = failure(
            a.commands,
            a.commands.run(shell_argv(test, ctx.shell), test),
            f"acceptance test `{test}`",
        )
        if failed:
            return _keep(a, failed, saved_tree=tree)
    value: float | None = None
    if a.score is not None:  # a candidate's score, in its worktree after its tests
        failed = failure(
            a.commands,
            a.commands.run(shell_argv(a.score, ctx.shell), a.score),
            f"score command `{a.score}`",
        )
        if failed:
            return _keep(a, failed, saved_tree=tree)
        value = read_score(a.commands.tail)
        if value is None:
            last = next((line for line in reversed(a.commands.tail) if line.strip()), "")
            message = f"score command `{a.score}` printed no number (its last line: {last!r})"
            a.say(message)
            return _keep(a, AttemptResult("failed", message, "exit"), saved_tree=tree)
        a.say(f"score: {value:g}")
    # 6. The result.
    commit = (
        ctx.repo.commit_tree(result_tree, [start], commit_message(ctx, step)) if changed else start
    )
    note = move_branch(ctx.repo, a.branch, commit, f"workstream: run {ctx.run_id}: {a.name}")
    files = f"{len(changed)} file{'s' if len(changed) != 1 else ''} changed"
    message = (files if changed else "no changes") + note
    a.say(
        f"{files}, committed {commit[:12]}{note}"
        if changed
        else "no changes: its result is its start"
    )
    kept: Path | None = a.path
    if ctx.keep_worktrees:
        _settle(a, commit)
    elif a.slot is not None and ctx.pool is not None:
        ctx.pool.release(a.slot, commit)  # tidied to its result, back in the pool
        kept = None
    else:
        assert a.admin is not None
        ctx.reaper.remove(a.path, a.admin, commit)  # git removes it while the next steps run
        kept = None
    result = AttemptResult(
        "succeeded", message, None, start, commit, kept, tuple(sorted(a.environment))
    )
    result.score = value
    return result


def _snapshot(a: _Attempt, seed: Path) -> str | AttemptResult:
    """The tree of the worktree within the step's bounds (:mod:`snapshot`), or the failure."""
    try:
        return snapshot_tree(
            a.ctx.repo, a.path, a.scratch, seed, exclude=a.exclude, bound=a.bound()
        )
    except SnapshotStopped as exc:
        a.say(str(exc))
        a.unsaved = True
        if exc.why == "cancelled":
            return AttemptResult("cancelled", str(exc))
        return AttemptResult("failed", str(exc), "timeout")
    except TooLarge as exc:
        a.say(str(exc))
        return AttemptResult("failed", str(exc), "scope")


def _replaced(a: _Attempt, what: str) -> AttemptResult:
    """A step that removed or replaced its worktree folder fails: nothing it left is its work."""
    message = f"{what}: an empty folder is back in its place, and nothing was followed"
    a.say(message)
    return AttemptResult("failed", message, "tripwire")


def _result_tree(repo: Git, a: _Attempt, start: str, tree: str, changed: list[str]) -> str:
    """The tree to commit: the start with the step's changes (environment files left out)."""
    if not a.environment:
        return tree
    return repo.on(a.path, a.scratch / "result.index").tree_with(start, tree, changed)


def _keep(a: _Attempt, result: AttemptResult, saved_tree: str | None = None) -> AttemptResult:
    """Save a failed attempt's changes on its branch and keep its worktree for inspection."""
    ctx = a.ctx
    result.start_commit = a.start
    result.environment = tuple(sorted(a.environment))
    if a.admin is None or a.start is None:
        return result
    if a.slot is not None and ctx.pool is not None:  # kept for inspection: out of the pool
        a.path = ctx.pool.keep(a.slot, ctx.worktree_root / a.name, a.start)
        ctx.on_worktree(a.step.id, a.path, a.start)
    try:
        reset_admin(a.admin, a.path, a.start)
        if a.unsaved:
            a.say("its changes are not saved (`workstream clean` saves a kept worktree's)")
            result.message += "; worktree kept, its changes not saved"
            result.worktree = a.path
            return result
        large: list[tuple[str, int]] = []
        tree = saved_tree or snapshot_tree(
            ctx.repo,
            a.path,
            a.scratch,
            base=a.start,
            exclude=a.exclude,
            bound=a.bound(SAVE_GRACE),
            left_out=large,
        )
        if large:
            a.say(f"not saved, over execution.max_file_size: {listed([n for n, _ in large])}")
        changed = [p for p in ctx.repo.changed_between(a.start, tree) if p not in a.environment]
        commit = a.start
        if changed:
            kept = _result_tree(ctx.repo, a, a.start, tree, changed)
            commit = ctx.repo.commit_tree(
                kept,
                [a.start],
                f"workstream: unfinished work of {a.name} ({result.status})\n\n"
                f"{result.message}\n\nRun: {ctx.run_id}\n",
            )
            note = move_branch(
                ctx.repo,
                a.branch,
                commit,
                f"workstream: run {ctx.run_id}: {a.name} (unfinished)",
            )
            a.say(f"its changes are saved on {a.branch} ({commit[:12]}){note}")
            result.saved_commit = commit
        _settle(a, commit)
    except (GitError, OSError) as exc:  # keep the worktree as it is; clean can still save it
        a.say(f"could not save its changes: {exc}")
    result.worktree = a.path
    result.message += "; worktree kept"
    return result


def _settle(a: _Attempt, commit: str) -> None:
    """Leave a kept worktree at ``commit`` with an index that matches it."""
    assert a.admin is not None
    reset_admin(a.admin, a.path, commit)
    # From no index: git compares nothing with the work tree, so a file the step grew past
    # max_file_size (its old entry could not tell by size) is never read here.
    (a.admin / "index").unlink(missing_ok=True)
    a.ctx.repo.on(a.path, a.admin / "index").run("read-tree", "--reset", commit)
