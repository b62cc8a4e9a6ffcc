"""Removing a worktree of ours, by git, off the critical path of the next step.

A worktree whose work is recorded (a succeeded step's, a pooled one that is discarded) is
handed to a :class:`Reaper`: one background thread removes them one at a time while the next
steps run. Git removes each (never a Python ``rmtree`` of every file), in two parts so that
the worktree administration lock (which every step's ``git worktree add`` needs) is held only
for a moment:

1. outside the lock, ``git clean -ffdx`` on the worktree with an empty private index: every
   file but ``.git`` is untracked then, so git deletes them all, inside the worktree only
   (git never follows a symbolic link out of it, and ``.git`` is never cleaned);
2. under the lock, ``git worktree remove --force --force``: git checks that the folder is a
   registered worktree of this repository, deletes what is left and its admin directory.

Only a real folder that git has registered as a worktree is handed over (the caller checks;
:func:`remove_now` checks again), so nothing the executor did not create is removed. Before
anything, the worktree's ``.git`` file and admin files are rewritten by the executor
(:func:`~workstream.executor.worktrees.reset_admin`), so a step that broke them cannot stop
git from recognising its worktree, nor point git anywhere else.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from workstream.executor.gitops import Git, GitError
from workstream.executor.worktrees import registered, reset_admin


@dataclass(frozen=True, slots=True)
class Doomed:
    """A worktree to remove: its folder, its admin directory, the commit it was last at."""

    path: Path
    admin: Path
    commit: str


def remove_now(repo: Git, doomed: Doomed) -> None:
    """Remove one worktree of ours through git (see the module's docstring); raise GitError."""
    path = doomed.path
    if path.is_symlink() or not path.is_dir() or not registered(repo, path):
        repo.prune()  # its folder is gone (or was never ours): git forgets it, nothing else
        return
    reset_admin(doomed.admin, path, doomed.commit)
    index = doomed.admin / "workstream-empty.index"
    index.unlink(missing_ok=True)  # no index: every file is untracked for this clean
    try:
        repo.on(path, index).call("clean", "-ffdxq")  # what fails here, remove deletes
    finally:
        index.unlink(missing_ok=True)
    repo.remove_worktree(path)


class Reaper:
    """One background thread removing the worktrees handed to it, in order."""

    def __init__(self, repo: Git) -> None:
        self._repo = repo
        self._queue: queue.Queue[Doomed | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.problems: list[str] = []

    def remove(self, path: Path, admin: Path, commit: str) -> None:
        """Remove the worktree at ``path`` soon; returns at once."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="workstream-reaper", daemon=True
                )
                self._thread.start()
        self._queue.put(Doomed(path, admin, commit))

    def join(self) -> list[str]:
        """Wait until every worktree handed over is removed; what could not be, said."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()
        return list(self.problems)

    def _work(self) -> None:
        while True:
            doomed = self._queue.get()
            if doomed is None:
                return
            try:
                remove_now(self._repo, doomed)
            except (GitError, OSError) as exc:  # left registered: clean or the next run
                self.problems.append(f"{doomed.path} could not be removed: {exc}")
