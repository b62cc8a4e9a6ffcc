"""Find what a command acts on: the workstream file, its model, its repository, its state dir.

Every face goes through :func:`load_target`, so "file not found", "not a git repository" and
"the workstream has errors" read the same everywhere.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from workstream.analysis import Analysis, analyze
from workstream.executor.errors import ExecutorError, WorkstreamInvalid
from workstream.executor.gitops import Git, clean_env, identity_env
from workstream.executor.state import StateDir
from workstream.model import Workstream


@dataclass(frozen=True, slots=True)
class Target:
    """A workstream file inside a git repository."""

    file: Path
    analysis: Analysis
    model: Workstream
    repo_root: Path  # the top of the working tree holding the file
    git_dir: Path  # the common git dir (shared by all worktrees)
    state_dir: StateDir

    @property
    def default_worktree_root(self) -> bool:
        """True when the worktrees go to the default place inside the git dir."""
        return not self.model.execution.worktree_dir

    @property
    def worktree_root(self) -> Path:
        """Where this workstream's step worktrees go (``execution.worktree_dir`` or the git dir)."""
        configured = self.model.execution.worktree_dir
        if configured:
            return (
                Path(os.path.realpath(self.repo_root / Path(configured).expanduser()))
                / self.model.id
            )
        return self.state_dir.worktrees


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def check_paths(target: Target) -> None:
    """Refuse settings that would let a run write into the user's repository or above it.

    The analysis reports these too (WS204, WS207); this guard resolves them on the disk.
    """
    root = Path(os.path.realpath(target.repo_root))
    git_dir = Path(os.path.realpath(target.git_dir))
    if not target.default_worktree_root:
        where = target.worktree_root
        if _inside(where, git_dir) and not _inside(git_dir, root):
            # a git dir of its own outside the tree (--separate-git-dir): a link named by
            # worktree_dir into it would put worktrees among its refs and objects
            raise ExecutorError(
                f"execution.worktree_dir {target.model.execution.worktree_dir!r} puts the "
                f"worktrees at {where}, inside the repository's git dir {git_dir}; choose a "
                "folder outside it"
            )
        if _inside(where, root) or _inside(root, where) or _inside(git_dir, where):
            raise ExecutorError(
                f"execution.worktree_dir {target.model.execution.worktree_dir!r} puts the "
                f"worktrees at {where}, which "
                f"{'is inside' if _inside(where, root) else 'contains'} "
                f"the repository {root}; choose a folder outside it"
            )
        if where.parent == Path(where.anchor) or where == Path.home():
            raise ExecutorError(
                f"execution.worktree_dir resolves to {where}: choose a folder of its own"
            )
    writable = [
        *target.model.execution.writable,
        *(w for s in target.model.steps for w in s.writable),
    ]
    for entry in writable:
        path = Path(os.path.realpath(Path(entry).expanduser()))
        if not Path(entry).expanduser().is_absolute():
            raise ExecutorError(f"writable {entry!r}: must be an absolute path or start with ~/")
        if (
            path == Path(path.anchor)
            or path == Path.home()
            or _inside(root, path)
            or _inside(path, root)
            or _inside(path, git_dir)
        ):
            raise ExecutorError(
                f"writable {entry!r} ({path}) would let steps write your repository or your "
                "whole home or file system; name a folder of its own, e.g. ~/.cache/pip"
            )


def read_workstream(path: Path, *, refuse_errors: bool = True) -> tuple[Analysis, Workstream]:
    """Read and analyse a workstream file; raise :class:`ExecutorError` when it is unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExecutorError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ExecutorError(f"{path}: is a directory, not a workstream file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExecutorError(f"{path}: cannot read: {exc}") from None
    analysis = analyze(text)
    if refuse_errors and analysis.errors:
        count = len(analysis.errors)
        plural = "s" if count != 1 else ""
        raise WorkstreamInvalid(
            f"{path}: {count} error{plural}; a workstream with errors does not run",
            analysis.errors,
            text,
        )
    if analysis.model is None or not analysis.model.id:
        raise ExecutorError(f'{path}: not a workstream (no object with an "id")')
    return analysis, analysis.model


def find_repository(start: Path) -> tuple[Path, Path]:
    """The working-tree top and the common git dir of the repository holding ``start``."""
    try:
        out = subprocess.run(
            [
                "git",
                "-c",
                "core.fsmonitor=false",
                "rev-parse",
                "--show-toplevel",
                "--git-common-dir",
            ],
            cwd=start,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise ExecutorError("git is not installed (no 'git' on PATH)") from None
    lines = out.stdout.splitlines()
    if out.returncode != 0 or len(lines) < 2:
        raise ExecutorError(f"{start}: not inside a git repository (a run needs one)")
    top = Path(lines[0])
    common = Path(lines[1])
    if not common.is_absolute():
        common = (start / common).resolve()
    return top.resolve(), common.resolve()


def load_target(path: Path | str, *, refuse_errors: bool = True) -> Target:
    """Resolve a workstream file into a :class:`Target`; raise :class:`ExecutorError`."""
    file = Path(path).expanduser().resolve()
    analysis, model = read_workstream(file, refuse_errors=refuse_errors)
    repo_root, git_dir = find_repository(file.parent)
    state_dir = StateDir(git_dir / "workstream" / model.id)
    target = Target(file, analysis, model, repo_root, git_dir, state_dir)
    check_paths(target)
    return target


def target_git(target: Target) -> Git:
    """The repository's git, pinned to its git dir, with an identity for commits."""
    repo = Git(target.git_dir)
    return Git(target.git_dir, None, {**os.environ, **identity_env(repo)})
