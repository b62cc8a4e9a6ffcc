"""``workstream clean``: remove the worktrees runs kept, stop what a crashed runner left.

A worktree kept by a failed step is clean as the run left it (its changes were committed to
the step branch); anything uncommitted in it now was changed by someone after the run, so it
is refused unless ``force``. A worktree of a step that was running when its runner died (even
by SIGKILL) holds that step's interrupted work: it is saved as a commit on the step branch and
removed. Processes such a runner left behind are stopped, but only after checking they still
run inside that step's worktree (a process id may have been reused since).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError, identity_env
from workstream.executor.process import group_alive, stop_group
from workstream.executor.state import INTERRUPTED, RunState, StepState
from workstream.executor.target import Target


@dataclass(slots=True)
class CleanReport:
    """What ``clean`` did."""

    removed: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    saved: list[tuple[str, str]] = field(default_factory=list)  # (branch, commit)
    stopped: list[int] = field(default_factory=list)  # process groups


def clean(target: Target, *, force: bool = False, grace: float = 2.0) -> CleanReport:
    """Remove this workstream's kept worktrees and prune; raise if a run is in progress."""
    report = CleanReport()
    with target.state_dir.lock() as acquired:
        if not acquired:
            raise ExecutorError(f"a run of {target.model.id!r} is in progress; cancel it first")
        state = target.state_dir.read()
        interrupted = state is not None and not state.finished
        if state is not None and interrupted:
            report.stopped.extend(stop_leftovers(state, target, grace))
            state.mark_interrupted()
        repo = Git(target.repo_root)
        repo = Git(target.repo_root, identity_env(repo))
        repo.prune()
        root = target.worktree_root
        prefix = f"refs/heads/workstream/{target.model.id}/step/"
        for worktree in repo.worktrees():
            ours = worktree.path.parent == root or (worktree.branch or "").startswith(prefix)
            if not ours or worktree.path == target.repo_root:
                continue
            entry = state.steps.get(worktree.path.name) if state is not None else None
            _clean_one(repo, worktree.path, entry, force, report)
            if entry is not None and not worktree.path.exists():
                entry.worktree = None
        if root.is_dir():  # directories a runner killed mid-`worktree add` may leave
            registered = {w.path for w in repo.worktrees()}
            for leftover in root.iterdir():
                if leftover.is_dir() and leftover not in registered:
                    shutil.rmtree(leftover, ignore_errors=True)
                    report.removed.append(leftover)
        repo.prune()
        if state is not None:
            target.state_dir.write(state)
    return report


def _clean_one(
    repo: Git, path: Path, entry: StepState | None, force: bool, report: CleanReport
) -> None:
    if not path.exists():
        return
    wt = repo.at(path)
    environment = set(entry.environment) if entry is not None else set()
    crashed = entry is not None and entry.message == INTERRUPTED
    try:
        changed = [p for p in wt.changed_files() if p not in environment]
    except GitError:
        changed = []  # a broken worktree: nothing readable to save
    if changed and crashed:
        _unlock_index(wt)
        try:
            wt.stage(changed)
            commit = wt.commit(f"workstream: interrupted work of {path.name}\n\n{INTERRUPTED}")
            branch = wt.run("rev-parse", "--abbrev-ref", "HEAD").strip()
            report.saved.append((branch, commit))
            changed = []
        except GitError as exc:
            if not force:
                report.refused.append((path, f"its interrupted work could not be saved: {exc}"))
                return
    if changed and not force:
        count = len(changed)
        report.refused.append(
            (path, f"{count} uncommitted change{'s' if count != 1 else ''} (use --force)")
        )
        return
    repo.remove_worktree(path)
    report.removed.append(path)


def _unlock_index(wt: Git) -> None:
    """Drop an index lock a killed git command left (no git runs there: we hold the lock)."""
    git_dir = Path(wt.run("rev-parse", "--absolute-git-dir").strip())
    lock = git_dir / "index.lock"
    if lock.exists():
        lock.unlink()


def stop_leftovers(state: RunState, target: Target, grace: float) -> list[int]:
    """Stop process groups of a dead runner's steps that still run in their worktrees."""
    stopped: list[int] = []
    for step_id, entry in state.steps.items():
        if entry.pid is None or entry.status != "running" or not group_alive(entry.pid):
            continue
        worktree = Path(entry.worktree) if entry.worktree else target.worktree_root / step_id
        if _runs_in(entry.pid, worktree):
            stop_group(entry.pid, grace)
            stopped.append(entry.pid)
        entry.pid = None
    return stopped


def _runs_in(pgid: int, worktree: Path) -> bool:
    """True when a process of group ``pgid`` has its working directory in ``worktree``."""
    proc = Path("/proc")
    if not proc.is_dir():
        return False  # cannot verify: better to leave a process than to kill a stranger
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == worktree or worktree in cwd.parents:
            return True
    return False
