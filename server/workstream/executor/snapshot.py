"""The snapshot of a step's worktree: sized, staged and hashed inside the step's bounds.

After a step's command, the executor stages its worktree into a private index (``git add
--all``) and writes the tree: that is the step's result. A step can make that work huge (a
sparse ``truncate -s 100G big`` costs nothing to write and minutes to hash; 100,000 files),
so the snapshot runs under a :class:`Bound`:

- every git call here is a child in its own process group, killed (SIGKILL, the whole group)
  as soon as the step's deadline passes or the run is cancelled (Ctrl-C, SIGTERM, the
  editor's cancel): :class:`SnapshotStopped`;
- before anything is staged, the files git could read (``git ls-files --cached --others
  --exclude-standard``: tracked and new files, ignored ones aside; listing them reads no
  file) are measured with ``lstat``; a regular file over ``execution.max_file_size``
  (default 100 MiB; its apparent size, so a sparse file counts in full) is never read:
  :class:`TooLarge` names it, or, when only the work of a failed step is being saved, it is
  left out and named in the log.

Messages name at most :data:`SHOWN` files.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from shutil import copyfile

from workstream.executor import adoptees
from workstream.executor.errors import ExecutorError
from workstream.executor.gitops import Git, GitError
from workstream.model_values import DEFAULT_MAX_FILE_SIZE

SHOWN = 10  # names listed in one message
_POLL = 0.05  # seconds between two looks at the deadline and the cancellation
_CHECK_EVERY = 512  # paths measured between two looks
_MAX_LEFT_OUT = 100  # beyond that many oversized files, a failed step's work is not saved


@dataclass(frozen=True, slots=True)
class Bound:
    """How far a snapshot may go: a ``time.monotonic()`` deadline, a cancellation, a size."""

    deadline: float | None = None
    cancel: threading.Event | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    timeout: str = ""  # e.g. "10s (the step's timeout)", for the message

    def stopped(self) -> str | None:
        """``"cancelled"``, ``"timeout"`` or None."""
        if self.cancel is not None and self.cancel.is_set():
            return "cancelled"
        if self.deadline is not None and time.monotonic() > self.deadline:
            return "timeout"
        return None


class SnapshotStopped(GitError):
    """The deadline passed or the run was cancelled while the step's files were read."""

    def __init__(self, why: str, bound: Bound) -> None:
        self.why = why
        if why == "cancelled":
            text = "cancelled while taking the snapshot of the step's files"
        else:
            limit = f" ({bound.timeout})" if bound.timeout else ""
            text = f"the snapshot of the step's files took longer than its timeout{limit}"
        super().__init__(f"{text}; git was stopped and nothing was committed")


class TooLarge(GitError):
    """Files of a step's result over ``execution.max_file_size``; git read none of them.

    A :class:`GitError` (a snapshot git was not allowed to take), like :class:`SnapshotStopped`,
    so that every caller that handles a failed snapshot handles these."""

    def __init__(self, files: Sequence[tuple[str, int]], limit: int) -> None:
        self.files = tuple(files)
        super().__init__(
            f"{plural(len(files), 'file')} over execution.max_file_size ({shown_bytes(limit)}), "
            f"not read: {listed([f'{name} ({shown_bytes(size)})' for name, size in files])}"
        )


def plural(count: int, word: str) -> str:
    """``1 file``, ``3 files``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def listed(names: Sequence[str], most: int = SHOWN) -> str:
    """``a, b, c`` or ``a, b, … and 99,990 more``: a message never lists them all."""
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most:,} more" if len(names) > most else "")


def shown_bytes(size: int) -> str:
    """``512 bytes``, ``100.0 MiB``, ``100.0 GiB``."""
    if size < 2**10:
        return f"{size} bytes"
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover


def bounded_call(
    git: Git, args: Sequence[str], bound: Bound, stdin: bytes | None = None
) -> tuple[int, str, str]:
    """``git args...`` as :meth:`Git.call`, killed with its process group when ``bound``
    stops (:class:`SnapshotStopped`)."""
    try:
        proc = adoptees.spawn(  # its own session, to kill with its group; not a step's daemon
            lambda: subprocess.Popen(
                git.argv(*args),
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=git.env,
                cwd=git.cwd,
                start_new_session=True,
            )
        )
    except FileNotFoundError:
        raise ExecutorError("git is not installed (no 'git' on PATH)") from None
    except OSError as exc:
        raise GitError(f"git {' '.join(args[:3])} could not start: {exc}") from None
    pending = stdin
    try:
        while True:
            try:
                out, err = proc.communicate(pending, timeout=_POLL)
                break
            except subprocess.TimeoutExpired:
                pending = None  # sent by the first call
                why = bound.stopped()
                if why is not None:
                    raise SnapshotStopped(why, bound) from None
    finally:
        if proc.returncode is None:  # stopped, or an exception (KeyboardInterrupt) on the way
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.kill()
            proc.communicate()
        adoptees.release(proc.pid)
    return proc.returncode, os.fsdecode(out), os.fsdecode(err)


def _checked(git: Git, args: Sequence[str], bound: Bound) -> str:
    code, out, err = bounded_call(git, args, bound)
    if code != 0:
        last = (err.strip().splitlines() or [out.strip()])[-1:] or [""]
        raise GitError(f"git {' '.join(args[:3])} failed in {git.cwd}: {last[0]}")
    return out


def oversized(git: Git, pathspecs: Sequence[str], bound: Bound) -> list[tuple[str, int]]:
    """The files ``git add --all`` could read that are over ``bound.max_file_size``.

    Tracked files are measured too, not only those git reports as modified: to tell whether
    a file whose index entry has no size (a fresh ``read-tree``, an empty file) changed,
    ``ls-files --modified`` would hash it."""
    assert git.work_tree is not None
    listing = _checked(
        git,
        ("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".", *pathspecs),
        bound,
    )
    root = os.fsencode(git.work_tree)
    found: list[tuple[str, int]] = []
    previous = ""
    for i, name in enumerate(listing.split("\0")):
        if i % _CHECK_EVERY == 0:
            why = bound.stopped()
            if why is not None:
                raise SnapshotStopped(why, bound)
        if not name or name == previous:
            continue  # an unmerged path is listed once per stage
        previous = name
        try:
            info = os.lstat(os.path.join(root, os.fsencode(name)))
        except OSError:
            continue  # deleted: nothing to read
        if stat.S_ISREG(info.st_mode) and info.st_size > bound.max_file_size:
            found.append((name, info.st_size))
    return found


def write_tree(
    git: Git,
    exclude: Sequence[str],
    bound: Bound,
    left_out: list[tuple[str, int]] | None = None,
) -> str:
    """Stage the whole work tree into ``git``'s private index and write its tree.

    ``exclude`` globs (repository-relative, as in ``files``) and everything below them are
    left as the index has them: neither staged nor hashed. Files over the size limit raise
    :class:`TooLarge`, or with ``left_out`` are left as the index has them and listed there.
    """
    assert git.index_file is not None and git.work_tree is not None
    pathspecs = [
        spec
        for pattern in exclude
        for spec in (f":(exclude,glob){pattern}", f":(exclude,glob){pattern}/**")
    ]
    large = oversized(git, pathspecs, bound)
    if large and (left_out is None or len(large) > _MAX_LEFT_OUT):
        raise TooLarge(large, bound.max_file_size)
    if large and left_out is not None:
        left_out.extend(large)
        pathspecs += [f":(exclude,literal){name}" for name, _ in large]
    add = ("add", "--all", "--ignore-errors", "--", ".", *pathspecs)
    code, _, err = bounded_call(git, add, bound)
    # git (2.39) exits 1 when an exclude pathspec matches an ignored path (a gitignored
    # .venv or tool folder), having staged everything else: only that is not an error.
    lines = err.splitlines()
    complaint = any(line.startswith("The following paths are ignored") for line in lines)
    failed = any(line.startswith(("error:", "fatal:")) for line in lines)
    if code != 0 and (failed or not (pathspecs and complaint)):
        last = (lines or [""])[-1]
        raise GitError(f"git add --all --ignore-errors failed in {git.work_tree}: {last}")
    return _checked(git, ("write-tree",), bound).strip()


def snapshot_tree(
    repo: Git,
    path: Path,
    scratch: Path,
    seed_index: Path | None = None,
    *,
    base: str | None = None,
    exclude: Sequence[str] = (),
    bound: Bound | None = None,
    left_out: list[tuple[str, int]] | None = None,
) -> str:
    """The tree of everything in the worktree at ``path`` (ignored files aside).

    Staged into a private index (a copy of ``seed_index`` when given, so unchanged files are
    not hashed again; else ``base``'s tree when given), through the repository's own git
    dir: the worktree's ``.git`` is not consulted, whatever the step did to it. Paths under
    ``exclude`` (a tool's bookkeeping) keep what the seed has: they never count as changes.
    Without ``bound``: no deadline, the default size limit.
    """
    bound = bound or Bound()
    scratch.mkdir(parents=True, exist_ok=True)
    index = scratch / f"snapshot-{time.monotonic_ns()}.index"
    try:
        git = repo.on(path, index)
        if seed_index is not None and seed_index.is_file():
            copyfile(seed_index, index)
        elif base is not None:
            _checked(git, ("read-tree", base), bound)
        return write_tree(git, exclude, bound, left_out)
    finally:
        index.unlink(missing_ok=True)
