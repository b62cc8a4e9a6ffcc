"""Before a run: the changes in the user's working tree that the run will not see.

A run starts from a commit (``execution.base``), so uncommitted changes in the user's tree are
not part of it; the run says so first, as the editor does before it starts one. The workstream
file itself (or a new folder holding only it) does not count: a user often runs a file they
have not committed yet.
"""

from __future__ import annotations

import os
from pathlib import Path

from workstream.executor.gitops import Git
from workstream.executor.target import Target


def unseen_changes(repo: Git, target: Target, base_name: str, base: str) -> tuple[str, ...]:
    """The warning about uncommitted changes the run cannot see (none when there are none)."""
    work = repo.on(target.repo_root)
    own = Path(os.path.relpath(target.file, target.repo_root)).as_posix()
    dirty = [p for p in _changed_paths(work.uncommitted()) if not _only_own(work, p, own)]
    if not dirty:
        return ()
    count = len(dirty)
    return (
        f"{count} uncommitted change{'s' if count != 1 else ''} in {target.repo_root} "
        f"will not be seen by this run: it starts from {base_name} ({base[:12]})",
    )


def _changed_paths(entries: list[str]) -> list[tuple[str, str]]:
    """``(XY, path)`` per change of ``git status --porcelain -z`` (a rename counts once)."""
    changes: list[tuple[str, str]] = []
    skip = False
    for entry in entries:
        if skip:  # the source path of a rename or copy
            skip = False
            continue
        code, path = entry[:2], entry[3:]
        skip = "R" in code or "C" in code
        changes.append((code, path))
    return changes


def _only_own(work: Git, change: tuple[str, str], own: str) -> bool:
    """True when a change is the workstream file itself (or a new folder holding only it)."""
    code, path = change
    if path == own:
        return True
    if code != "??" or not path.endswith("/") or not own.startswith(path):
        return False
    listed = work.run("ls-files", "--others", "--exclude-standard", "-z", "--", f":(top){path}")
    return [p for p in listed.split("\0") if p] == [own]
