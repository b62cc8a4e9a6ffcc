"""``workstream clean``: remove the worktrees runs kept, after saving anything added since.

First what a dead runner left is recovered (:mod:`recovery`). Then each worktree of ours
(registered with git, inside this workstream's marked worktree folder) is compared with what
the run left in it; changes made since (edits, commits) are saved on a branch
``workstream/<id>/saved/<step>-<time>`` before git removes the worktree, so nothing is lost.
Anything else in the folder is left alone and named. The folder itself goes once it is empty.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError
from workstream.executor.recovery import recover
from workstream.executor.state import StepState
from workstream.executor.target import Target, target_git
from workstream.executor.worktrees import MARKER, owned, release_root, safe_save


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
        repo = target_git(target)
        state = target.state_dir.read()
        if state is not None and not state.finished:
            recovery = recover(state, target, repo, grace)
            report.stopped.extend(recovery.stopped)
            report.saved.extend(recovery.saved)
        repo.prune()
        root = target.worktree_root
        if root.is_dir() and owned(root, target.git_dir):
            registered = {w.path: w for w in repo.worktrees()}
            for path in sorted(root.iterdir()):
                if path.name == MARKER:
                    continue
                if path not in registered:
                    report.refused.append((path, "not a worktree workstream made; left alone"))
                    continue
                entry = state.steps.get(path.name) if state is not None else None
                base = (entry.kept_commit if entry is not None else None) or registered[path].head
                if _clean_one(repo, target, path, entry, base, force, report) and entry:
                    entry.worktree = None
                    entry.kept_commit = None
            repo.prune()
            release_root(root, target.git_dir)
        if state is not None:
            target.state_dir.write(state)
    return report


def _clean_one(
    repo: Git,
    target: Target,
    path: Path,
    entry: StepState | None,
    base: str | None,
    force: bool,
    report: CleanReport,
) -> bool:
    environment = frozenset(entry.environment) if entry is not None else frozenset()
    scratch = target.state_dir.root / "scratch" / f"clean-{path.name}"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    commit, error = safe_save(
        repo,
        path,
        base,
        environment,
        scratch,
        f"workstream: changes in {path} saved by clean\n",
        target.model.bookkeeping(path.name),
    )
    if error is not None and not force:
        report.refused.append((path, f"its changes could not be saved ({error}); use --force"))
        return False
    if commit is not None:
        branch = f"workstream/{target.model.id}/saved/{path.name}-{stamp}"
        repo.set_branch(branch, commit, "workstream clean: changes made in a kept worktree")
        report.saved.append((branch, commit))
    try:
        repo.remove_worktree(path)
    except GitError as exc:
        report.refused.append((path, f"git could not remove it: {exc}"))
        return False
    report.removed.append(path)
    return True
