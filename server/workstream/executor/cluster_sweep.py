"""What a dead worker process left on its machine, found and removed by the next attempt.

Each attempt on a worker has a folder of its own, ``<worker dir>/runs/<worker>/<run>/<key>``
(its worktree, scratch space, log). :class:`AttemptFolder` holds ``busy.lock`` in it (an
``flock``, released by the kernel however the process ends), and records there which clone
its worktree and refs are in (``meta.json``) and the marker of its running command
(``command``, as a local run records it in its state file). When a worker is SIGKILLed
mid-step (out of memory, a node going away) none of its ``finally`` runs: the folder, the
worktree registered in the clone, the clone's refs of that attempt and, without the
sandbox, the step's processes stay. :func:`sweep`, run by every attempt before its own,
takes each folder whose lock nobody holds: it stops the processes that carry the recorded
marker (never a process group by number: the number may belong to someone else by now),
removes the worktree and the refs through git when the clone is this process's (another
process's clone is that process's to administer), then the folder. A worker that starts (a
nanny bringing a killed one back) stops such processes at once (:class:`SweepOnStart`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from distributed import WorkerPlugin

from workstream.executor.gitops import Git, GitError
from workstream.executor.orphans import stop_marked
from workstream.executor.state import lock_held

#: Seconds a leftover process has between SIGTERM and SIGKILL.
SWEEP_GRACE = 2.0
#: Seconds after which a folder without a lock file is taken for abandoned.
UNLOCKED_AGE = 300.0


def worker_base(env: Mapping[str, str]) -> Path:
    """Where this machine's workers keep their clones and attempt folders."""
    own = env.get("WORKSTREAM_WORKER_DIR")
    if own:
        return Path(own)
    cache = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(cache) / "workstream" / "worker"


class AttemptFolder:
    """One attempt's folder on a worker, locked while the attempt runs."""

    def __init__(self, path: Path, clone: Path, refs: list[str]) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        meta = {"clone": str(clone), "refs": refs}
        (path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        # locked before it gets its name: a sweep never finds busy.lock unlocked while we live
        unnamed = path / f"busy.lock.{os.getpid()}"
        self._lock: IO[str] | None = open(unnamed, "w")  # noqa: SIM115 - held till release
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        unnamed.rename(path / "busy.lock")

    def on_pid(self, step_id: str, pid: int | None, token: str) -> None:
        """The attempt's running command (``RunContext.on_pid``): its marker, or none."""
        del step_id
        command = self.path / "command"
        if pid is None:
            command.unlink(missing_ok=True)
        else:
            command.write_text(token, encoding="utf-8")

    def release(self) -> None:
        """The attempt is over and left nothing: its folder goes, then the lock."""
        shutil.rmtree(self.path, ignore_errors=True)  # ours, and empty but for our files
        for parent in (self.path.parent, self.path.parent.parent):
            with contextlib.suppress(OSError):
                parent.rmdir()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class SweepOnStart(WorkerPlugin):
    """Registered by the coordinator on every worker, and on each that joins later (a worker
    a nanny starts again after a crash): stops, at once, the processes a dead worker's steps
    left on the machine (without the sandbox they outlive it). Their folders and worktrees
    go with the next attempt's :func:`sweep`, which has the clone."""

    def setup(self, worker: Any) -> None:
        """Sweep in a thread of its own (stopping a process may take its grace)."""
        del worker
        base = worker_base(os.environ)
        threading.Thread(target=stop_left_processes, args=(base,), daemon=True).start()


def stop_left_processes(base: Path) -> None:
    """Stop the processes the attempts of dead worker processes left (by their marker)."""
    for folder in _abandoned_folders(base):
        _stop(folder)


def _abandoned_folders(base: Path) -> list[Path]:
    """The attempt folders below ``base/runs`` (never a link) whose lock nobody holds."""
    folders = sorted((base / "runs").glob("*/*/*"))
    return [f for f in folders if f.is_dir() and not f.is_symlink() and _abandoned(f)]


def _stop(folder: Path) -> None:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        token = (folder / "command").read_text(encoding="utf-8").strip()
        if token:
            stop_marked(token, SWEEP_GRACE)


def sweep(base: Path, clone: Git) -> list[Path]:
    """Remove what attempts of dead processes left below ``base/runs``; the folders removed.
    ``clone``'s worktree administration takes its own lock (never held around these calls:
    it is not reentrant)."""
    removed: list[Path] = []
    for folder in _abandoned_folders(base):
        _stop(folder)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        where = Path(str(meta.get("clone", "")))
        if where != clone.git_dir and (where / "objects").is_dir():
            continue  # another live process's clone: its own sweep does it
        if where == clone.git_dir:
            _forget(clone, folder, [str(r) for r in meta.get("refs", ())])
        shutil.rmtree(folder, ignore_errors=True)
        for parent in (folder.parent, folder.parent.parent):
            with contextlib.suppress(OSError):
                parent.rmdir()
        removed.append(folder)
    return removed


def _abandoned(folder: Path) -> bool:
    """True when no process holds the folder's lock (or, made long ago, it has none: a new
    folder gets its lock right after it is made)."""
    try:
        return not lock_held(folder / "busy.lock", follow=False)
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            return time.time() - folder.stat().st_mtime > UNLOCKED_AGE
        return False
    except OSError:
        return False


def _forget(clone: Git, folder: Path, refs: list[str]) -> None:
    """The worktrees below ``folder`` and the attempt's refs, out of ``clone``."""
    for worktree in clone.worktrees():
        if worktree.path.is_relative_to(folder):
            with contextlib.suppress(GitError):
                clone.remove_worktree(worktree.path)
    clone.prune()
    for ref in refs:
        clone.call("update-ref", "-d", ref)
