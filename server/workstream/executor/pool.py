"""The worktree pool (``execution.reuse``): worktrees made once and moved from step to step.

With ``"reuse": "clean"`` (the default) or ``"keep-ignored"``, a run keeps up to
``max_workers`` worktrees of its own, ``<worktree root>/.pool-<n>`` (a step id never starts
with a dot, so none collides with a step's). Each is registered with git like a fresh
worktree, in the executor's marked worktree folder, and is used by one running step at a
time. A step gets an idle one moved to its start point by git's own checkout:

1. its ``.git`` file, HEAD and admin files rewritten by the executor and stale ``*.lock``
   files of its admin directory removed (whatever the last step did to them);
2. ``git read-tree --reset -u <start>`` with the pool's own index of it (kept in the state
   folder, which no step may write): only files that differ from the index, or whose stat
   data changed since git wrote them, are rewritten, so the cost follows the change, not the
   repository's size;
3. ``git clean -ffdx`` (``clean``: untracked and ignored files removed) or, for
   ``keep-ignored``, untracked ``.gitignore`` files removed first and then ``git clean
   -ffd`` (so ignored files such as ``.venv`` survive, but only those the start point's own
   ignore rules name);
4. the index copied into the worktree's admin directory, so the step's git sees a clean tree.

After a succeeded step the worktree is tidied the same way to the step's result and goes
back to the pool; its index file in the state folder marks it idle (only an idle worktree is
ever reused, in this run or a later one). A failed, cancelled or kept step's worktree leaves
the pool (no index file): it is kept for inspection like a fresh one and ``clean`` removes it
after saving what changed there. A worktree that cannot be moved (a step removed its files'
permissions, broke its ``.git``) is handed to the reaper and replaced by a new one.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError
from workstream.executor.reaper import Reaper
from workstream.executor.worktrees import clear_path, registered, reset_admin

PREFIX = ".pool-"


@dataclass(slots=True)
class Slot:
    """One pooled worktree, held by one step."""

    name: str
    path: Path
    admin: Path | None  # known once git or the executor made it; else read from git's side
    index: Path  # the pool's own index of it while a step holds it


class Pool:
    """The pooled worktrees of one run: at most ``size`` at once, never shared."""

    def __init__(
        self, repo: Git, root: Path, state: Path, size: int, mode: str, reaper: Reaper
    ) -> None:
        self._repo = repo
        self._root = root
        self._state = state  # <state dir>/pool: the idle worktrees' indexes
        self._size = max(1, size)
        self._mode = mode
        self._reaper = reaper
        self._lock = threading.Lock()
        self._held: set[str] = set()
        self._busy = self._state / "busy"

    def acquire(self, start: str) -> Slot:
        """A worktree of the pool at ``start``, for one step; raise ExecutorError."""
        for _ in range(3):
            slot, fresh = self._take()
            try:
                if fresh:
                    self._create(slot, start)
                else:
                    self._move(slot, start)
                return slot
            except (GitError, OSError) as exc:
                self._drop(slot, start)
                problem: Exception = exc
        raise ExecutorError(f"no pooled worktree could be made at {start[:12]}: {problem}")

    def release(self, slot: Slot, commit: str) -> None:
        """A succeeded step is done with ``slot``: tidy it to ``commit``; back to the pool."""
        try:
            self._move(slot, commit)
        except (GitError, OSError):
            self._drop(slot, commit)
            return
        os.replace(slot.index, self._state / f"{slot.name}.index")
        with self._lock:
            self._held.discard(slot.name)

    def keep(self, slot: Slot, at: Path, commit: str) -> Path:
        """``slot`` is kept for inspection: it leaves the pool (never reused, clean removes it).

        Git moves it to ``at`` (where a fresh worktree of the step would be) when that place
        is free; returns where it is.
        """
        slot.index.unlink(missing_ok=True)
        with self._lock:
            self._held.discard(slot.name)
        if slot.admin is None:
            return slot.path
        try:
            reset_admin(slot.admin, slot.path, commit)  # git checks it before it moves it
            clear_path(self._repo, at)
            self._repo.move_worktree(slot.path, at)
        except (GitError, ExecutorError, OSError):
            return slot.path
        return at

    def close(self) -> None:
        """The run is over: the reaper removes every idle worktree of the pool."""
        with self._lock:
            names = [p.name[: -len(".index")] for p in self._state.glob(f"{PREFIX}*.index")]
        for name in names:
            if name in self._held:
                continue
            slot = self._slot(name)
            (self._state / f"{name}.index").unlink(missing_ok=True)
            try:
                slot.admin = self._repo.admin_dir(slot.path)
                head = (slot.admin / "HEAD").read_text(encoding="utf-8").strip()
            except (GitError, OSError):
                continue  # not a worktree of ours (any more): left alone
            self._reaper.remove(slot.path, slot.admin, head)  # the executor wrote that HEAD

    # -- inside ---------------------------------------------------------------------------

    def _take(self) -> tuple[Slot, bool]:
        """An idle slot (False) or a new name (True); waits for none: at most size run."""
        with self._lock:
            self._busy.mkdir(parents=True, exist_ok=True)
            idle = sorted(p.name[: -len(".index")] for p in self._state.glob(f"{PREFIX}*.index"))
            for name in idle:
                if name in self._held:
                    continue
                slot = self._slot(name)
                os.replace(self._state / f"{name}.index", slot.index)
                self._held.add(name)
                if slot.path.is_dir() and not slot.path.is_symlink():
                    return slot, False
                slot.index.unlink(missing_ok=True)  # its folder is gone: a new one
                return slot, True
            n = 0
            while f"{PREFIX}{n}" in self._held or (self._root / f"{PREFIX}{n}").exists():
                n += 1
            name = f"{PREFIX}{n}"
            self._held.add(name)
            return self._slot(name), True

    def _slot(self, name: str) -> Slot:
        path = self._root / name
        return Slot(name, path, None, self._busy / name)

    def _create(self, slot: Slot, start: str) -> None:
        if registered(self._repo, slot.path):
            self._repo.prune()
        slot.admin = self._repo.add_worktree(slot.path, start)
        shutil.copyfile(slot.admin / "index", slot.index)

    def _move(self, slot: Slot, commit: str) -> None:
        """Git's own checkout of ``commit`` into the slot, then what is not tracked removed."""
        if slot.admin is None:  # an idle one: tidied by the executor, its gitdir is true
            slot.admin = self._repo.admin_dir(slot.path)
        reset_admin(slot.admin, slot.path, commit)  # before git looks: what a step broke
        if not registered(self._repo, slot.path):
            raise GitError(f"{slot.path} is no longer a registered worktree")
        for lock in slot.admin.glob("*.lock"):
            lock.unlink(missing_ok=True)
        _writable(slot.path)  # a folder a step made read-only would fail the next one
        git = self._repo.on(slot.path, slot.index)
        git.run("read-tree", "--reset", "-u", "--no-recurse-submodules", commit)
        if self._mode == "keep-ignored":
            listed = git.run("ls-files", "-z", "--others", "--", ":(glob)**/.gitignore")
            for name in filter(None, listed.split("\0")):
                (slot.path / name).unlink(missing_ok=True)  # listed by git: inside, no link
            _clean(git, "-ffdq")
        else:
            _clean(git, "-ffdxq")
        shutil.copyfile(slot.index, slot.admin / "index")

    def _drop(self, slot: Slot, commit: str) -> None:
        """The slot cannot be used again: the reaper removes it, its name is freed later."""
        slot.index.unlink(missing_ok=True)
        if slot.admin is not None and slot.path.is_dir() and not slot.path.is_symlink():
            try:
                reset_admin(slot.admin, slot.path, commit)
                if registered(self._repo, slot.path):
                    _writable(slot.path)
                    self._reaper.remove(slot.path, slot.admin, commit)
            except (GitError, OSError):
                pass  # left registered: clean, or git worktree prune once it is gone
        with self._lock:
            self._held.discard(slot.name)


def _clean(git: Git, flags: str) -> None:
    """``git clean``; what it could not remove (git only warns) is an error: nothing stays."""
    code, _, err = git.call("clean", flags)
    if code != 0 or err.strip():
        last = (err.strip().splitlines() or [""])[-1]
        raise GitError(f"git clean could not empty {git.work_tree}: {last}")


def _writable(path: Path) -> None:
    """Give back write permission to the folders of a worktree of ours (a step took it)."""
    _owner_rwx(path)
    for folder, dirs, _files in os.walk(path):  # never follows symbolic links
        for name in dirs:
            _owner_rwx(Path(folder) / name)


def _owner_rwx(folder: Path) -> None:
    try:
        mode = folder.lstat().st_mode
        if stat.S_ISDIR(mode) and mode & stat.S_IRWXU != stat.S_IRWXU:
            folder.chmod(mode | stat.S_IRWXU)
    except OSError:
        pass
