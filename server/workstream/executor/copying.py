"""``execution.copy``: untracked files (``.env`` and the like) copied into a step's worktree.

Every source must resolve inside the user's working tree and outside its git dir (a symbolic
link that leads out is refused, not followed), and every destination must resolve inside the
step's worktree (a tracked symbolic link in the worktree cannot redirect a copy elsewhere).
The analysis reports bad entries (WS205) before a run; this is the runtime guard.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from workstream.executor.errors import ExecutorError


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def copy_into(
    root: Path, git_dir: Path, dest: Path, entries: Sequence[str], say: Callable[[str], None]
) -> set[str]:
    """Copy the matches of ``entries`` from ``root`` into ``dest``; return what was copied."""
    copied: set[str] = set()
    real_root, real_git, real_dest = root.resolve(), git_dir.resolve(), dest.resolve()
    for entry in entries:
        if entry.startswith(("/", "~")) or ".." in Path(entry).parts or "\0" in entry:
            raise ExecutorError(f"copy: {entry!r} must be a path inside the repository")
        matches = sorted(glob.glob(entry, root_dir=root, recursive=True, include_hidden=True))
        if not matches:
            say(f"copy: {entry} not found in {root}, skipped")
            continue
        for rel in matches:
            source = Path(os.path.realpath(root / rel))
            if not _inside(source, real_root) or _inside(source, real_git):
                raise ExecutorError(f"copy: {rel} leads outside the working tree ({source})")
            target = real_dest / rel
            if (
                not _inside(Path(os.path.realpath(target.parent)), real_dest)
                and target.parent != real_dest
            ):
                raise ExecutorError(f"copy: {rel} would be written outside the step's worktree")
            copied |= _copy_one(source, target, real_dest, real_root, real_git)
    return copied


def _copy_one(source: Path, target: Path, dest: Path, root: Path, git_dir: Path) -> set[str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not _inside(Path(os.path.realpath(target.parent)), dest):
        raise ExecutorError(f"copy: {target} would be written outside the step's worktree")
    if target.is_symlink():
        target.unlink()
    if source.is_dir():
        for dirpath, dirnames, filenames in os.walk(source):
            here = Path(dirpath)
            for name in list(dirnames):
                if Path(os.path.realpath(here / name)) != here / name:
                    dirnames.remove(name)  # a link inside the folder: not followed
            for name in filenames:
                real = Path(os.path.realpath(here / name))
                if _inside(real, root) and not _inside(real, git_dir):
                    _copy_one(real, target / (here / name).relative_to(source), dest, root, git_dir)
        return {str(p.relative_to(dest)) for p in target.rglob("*") if not p.is_dir()}
    shutil.copyfile(source, target)
    shutil.copymode(source, target)
    return {str(target.relative_to(dest))}
