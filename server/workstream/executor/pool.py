"""The worktree pool (``execution.reuse``): worktrees made once and moved from step to step.

With ``"reuse": "clean"`` (the default) or ``"keep-ignored"``, a workstream keeps up to
``max_workers`` worktrees of its own, ``<worktree root>/.pool-<n>`` (a step id never starts
with a dot, so none collides with a step's). Each is registered with git like a fresh
worktree, in the executor's marked worktree folder, and is used by one running step at a
time. The pool keeps its own index of each (in the state folder, which no step may write).

**Tidy, after a succeeded step** — in the background, right after its result is committed,
so that cleanup is never on the critical path of the step (and the next step finds the
worktree ready); until it is done the worktree is not handed out:

1. its ``.git`` file, HEAD and admin files rewritten by the executor and stale ``*.lock``
   files of its admin directory removed (whatever the step did to them);
2. ``git read-tree --reset -u <result>`` with the pool's index: every tracked file whose
   stat data changed since git wrote it is compared and rewritten, the others are left as
   they are, so the cost follows the change, not the repository's size;
3. ``git clean -ffdx`` (``clean``: untracked and ignored files removed) or, for
   ``keep-ignored``, untracked ``.gitignore`` files removed first and then ``git clean
   -ffd`` (so ignored files such as ``.venv`` survive, but only those the result's own
   ignore rules name);
4. the folders given back their permissions (a step may have made one read-only): with
   ``clean`` only the tracked folders are left, so only those are looked at; with
   ``keep-ignored`` every folder; git failing on a folder a step locked is retried after a
   walk of the whole worktree;
5. the index copied into the worktree's admin directory, so the step's git sees a clean tree.

**Move, before a step** — a worktree tidied in this run holds its result's files and nothing
else, and no step can write it since (the sandbox gives each step its own worktree only), so
it is moved to the next start point with git's two-tree checkout (``read-tree -m -u``), which
rewrites only the files that differ between the two commits and refuses when a file is not as
the index says (then the whole tidy above is done at the start point instead); with
``keep-ignored`` and ``.gitignore`` files that differ, the clean of step 3 follows. An idle
worktree from an earlier run gets the whole tidy at the start point.

**Between runs** the idle worktrees stay, so a run pays no checkout of every file (only the
next step's whole tidy, whose cost follows what differs); ``workstream clean`` removes them.
Git's stat check is what makes that tidy sound for files touched since: any write changes a
file's ctime, which no process can set back, and the executor's git always compares it
(``core.trustctime``, ``core.checkStat`` and ``core.ignoreStat`` pinned, whatever the user's
configuration says).

A worktree's index file in the state folder marks it idle (only an idle worktree is ever
reused). A failed, cancelled or kept step's worktree leaves the pool (no index file): it is
kept for inspection like a fresh one and ``clean`` removes it after saving what changed there.
A worktree that cannot be tidied (a step removed its files' permissions, broke its ``.git``)
is handed to the reaper and replaced by a new one.
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
from workstream.executor.worktrees import (
    clear_path,
    put_index,
    real_folder,
    registered,
    reset_admin,
)

PREFIX = ".pool-"


@dataclass(slots=True)
class Slot:
    """One pooled worktree, held by one step (or being tidied)."""

    name: str
    path: Path
    admin: Path | None  # known once git or the executor made it; else read from git's side
    index: Path  # the pool's own index of it while a step holds it
    at: str | None = None  # tidied in this run to this commit: its files and nothing else


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
        self._cond = threading.Condition()
        self._held: set[str] = set()  # held by a step or being tidied
        self._tidied: dict[str, tuple[str, Path]] = {}  # idle, tidied now: (commit, admin)
        self._tidying: list[threading.Thread] = []
        self._busy = self._state / "busy"

    def acquire(self, start: str) -> Slot:
        """A worktree of the pool at ``start``, for one step; raise ExecutorError."""
        for _ in range(3):
            slot, fresh = self._take()
            try:
                if fresh:
                    self._create(slot, start)
                else:
                    self._advance(slot, start)
                return slot
            except (GitError, OSError) as exc:
                self._drop(slot, start)
                problem: Exception = exc
        raise ExecutorError(f"no pooled worktree could be made at {start[:12]}: {problem}")

    def release(self, slot: Slot, commit: str) -> None:
        """A succeeded step is done with ``slot``: tidied to ``commit`` in the background,
        then back in the pool; returns at once."""
        thread = threading.Thread(
            target=self._tidy, args=(slot, commit), name=f"workstream-tidy{slot.name}"
        )
        with self._cond:
            self._tidying = [t for t in self._tidying if t.is_alive()] + [thread]
        thread.start()

    def keep(self, slot: Slot, at: Path, commit: str) -> Path:
        """``slot`` is kept for inspection: it leaves the pool (never reused, clean removes it).

        Git moves it to ``at`` (where a fresh worktree of the step would be) when that place
        is free; returns where it is.
        """
        slot.index.unlink(missing_ok=True)
        self._free(slot)
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
        """The run is over: once tidied, the idle worktrees stay for the next run (``clean``
        removes them), but for those past the pool's size (``max_workers`` went down), which
        the reaper removes."""
        with self._cond:
            tidying = list(self._tidying)
        for thread in tidying:
            thread.join()
        with self._cond:
            names = [p.name[: -len(".index")] for p in self._state.glob(f"{PREFIX}*.index")]
        for name in names:
            number = name[len(PREFIX) :]
            if name in self._held or (number.isdigit() and int(number) < self._size):
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
        """An idle slot (False) or a new name (True); at most ``size`` exist at once, so
        while all are held and one is being tidied, it waits for that one."""
        with self._cond:
            while True:
                self._busy.mkdir(parents=True, exist_ok=True)
                idle = sorted(
                    p.name[: -len(".index")] for p in self._state.glob(f"{PREFIX}*.index")
                )
                for name in idle:
                    if name in self._held:
                        continue
                    slot = self._slot(name)
                    os.replace(self._state / f"{name}.index", slot.index)
                    self._held.add(name)
                    slot.at, slot.admin = self._tidied.pop(name, (None, None))
                    if slot.path.is_dir() and not slot.path.is_symlink():
                        return slot, False
                    slot.index.unlink(missing_ok=True)  # its folder is gone: a new one
                    return slot, True
                if len(self._held) < self._size or not any(t.is_alive() for t in self._tidying):
                    break
                self._cond.wait(0.5)
            n = 0
            while f"{PREFIX}{n}" in self._held or (self._root / f"{PREFIX}{n}").exists():
                n += 1
            name = f"{PREFIX}{n}"
            self._held.add(name)
            return self._slot(name), True

    def _free(self, slot: Slot, tidied: str | None = None) -> None:
        with self._cond:
            self._held.discard(slot.name)
            if tidied is not None and slot.admin is not None:
                self._tidied[slot.name] = (tidied, slot.admin)
            self._cond.notify_all()

    def _slot(self, name: str) -> Slot:
        path = self._root / name
        return Slot(name, path, None, self._busy / name)

    def _create(self, slot: Slot, start: str) -> None:
        real_folder(self._root, "the folder of the worktrees")  # not a link a step made
        if registered(self._repo, slot.path):
            self._repo.prune()
        slot.admin = self._repo.add_worktree(slot.path, start)
        shutil.copyfile(slot.admin / "index", slot.index)

    def _tidy(self, slot: Slot, commit: str) -> None:
        """The background tidy after a succeeded step (module docstring), then idle."""
        try:
            self._move(slot, commit)
            os.replace(slot.index, self._state / f"{slot.name}.index")
        except BaseException:
            self._drop(slot, commit)
            return
        self._free(slot, tidied=commit)

    def _advance(self, slot: Slot, start: str) -> None:
        """Move an idle slot to ``start``: from the commit it was tidied to in this run by
        the two-tree checkout, else (or when git refuses) the whole tidy."""
        at, slot.at = slot.at, None
        if at is None or slot.admin is None:
            self._move(slot, start)
            return
        try:
            if at != start:
                git = self._repo.on(slot.path, slot.index)
                _strict(git, "read-tree", "-m", "-u", "--no-recurse-submodules", at, start)
                if self._mode == "keep-ignored" and _ignore_rules_differ(git, at, start):
                    self._untrack(git)
                put_index(slot.index, slot.admin)
            reset_admin(slot.admin, slot.path, start)
        except (GitError, OSError):
            self._move(slot, start)

    def _move(self, slot: Slot, commit: str) -> None:
        """The whole tidy: git's own checkout of ``commit`` into the slot, what is not
        tracked removed, the folders' permissions given back (module docstring)."""
        if slot.admin is None:  # an idle one: tidied by the executor, its gitdir is true
            slot.admin = self._repo.admin_dir(slot.path)
        reset_admin(slot.admin, slot.path, commit)  # before git looks: what a step broke
        if not registered(self._repo, slot.path):
            raise GitError(f"{slot.path} is no longer a registered worktree")
        for lock in slot.admin.glob("*.lock"):
            lock.unlink(missing_ok=True)
        git = self._repo.on(slot.path, slot.index)
        try:
            _strict(git, "read-tree", "--reset", "-u", "--no-recurse-submodules", commit)
            self._untrack(git)
        except GitError:  # a folder a step made read-only or unreadable: give it back, again
            _writable(slot.path)
            _strict(git, "read-tree", "--reset", "-u", "--no-recurse-submodules", commit)
            self._untrack(git)
        if self._mode == "keep-ignored":
            _writable(slot.path)  # ignored folders stay: any of them
        else:
            _owner_rwx(slot.path)  # only tracked folders are left
            listed = git.run("ls-tree", "-r", "-d", "-z", "--name-only", commit)
            for name in filter(None, listed.split("\0")):
                _owner_rwx(slot.path / name)
        put_index(slot.index, slot.admin)  # never through a link a step left there

    def _untrack(self, git: Git) -> None:
        """Remove what is not tracked (``keep-ignored``: but the ignored files)."""
        if self._mode == "keep-ignored":
            listed = git.run("ls-files", "-z", "--others", "--", ":(glob)**/.gitignore")
            assert git.work_tree is not None
            for name in filter(None, listed.split("\0")):
                (git.work_tree / name).unlink(missing_ok=True)  # listed by git: inside
            _clean(git, "-ffdq")
        else:
            _clean(git, "-ffdxq")

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
        self._free(slot)


def _strict(git: Git, *args: str) -> None:
    """Run git; a failure or any complaint (git only warns about a file it could not
    write) is an error."""
    code, _, err = git.call(*args)
    if code != 0 or err.strip():
        last = (err.strip().splitlines() or [""])[-1]
        raise GitError(f"git {' '.join(args[:3])} failed in {git.work_tree}: {last}")


def _clean(git: Git, flags: str) -> None:
    """``git clean``; what it could not remove (git only warns) is an error: nothing stays."""
    code, _, err = git.call("clean", flags)
    if code != 0 or err.strip():
        last = (err.strip().splitlines() or [""])[-1]
        raise GitError(f"git clean could not empty {git.work_tree}: {last}")


def _ignore_rules_differ(git: Git, old: str, new: str) -> bool:
    """True when a ``.gitignore`` differs between two commits."""
    out = git.run("diff-tree", "-r", "-z", "--name-only", old, new, "--", ":(glob)**/.gitignore")
    return bool(out.strip("\0"))


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
