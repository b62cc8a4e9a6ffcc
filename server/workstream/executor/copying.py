"""``execution.copy``: untracked files (``.env`` and the like) copied into a step's worktree.

Every source must resolve inside the user's working tree and outside its git dir (a symbolic
link that leads out is refused, not followed), and every destination must resolve inside the
step's worktree (a tracked symbolic link in the worktree cannot redirect a copy elsewhere).
The analysis reports bad entries (WS205) before a run; this is the runtime guard.

Matching is bounded work. An entry is split into segments (consecutive ``**`` are one) and
matched by :func:`workstream.wildcard.wildcard_match`, the linear two-pointer matcher the file
scopes use, during one walk of the tree below the entry's literal prefix: each folder is read
once, a folder that cannot lead to a match is not entered, a matching folder is copied whole
and not walked again, and links to folders are not followed. The walk stops, failing the step
with a message that says why, when the step's deadline passes, when the run is cancelled
(Ctrl-C, SIGTERM) or past :data:`MAX_FILES` files (copy is for a few files, not a tree).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from workstream.executor.errors import ExecutorError
from workstream.wildcard import segment_matches, wildcard_match

#: The most files one step's ``execution.copy`` may copy.
MAX_FILES = 10_000
#: How many folder entries are read between two looks at the clock and the cancel event.
_CHECK_EVERY = 64
_GLOBSTAR: object = object()
_MAGIC = frozenset("*?[")


class _Budget:
    """The bounds of one step's copy: a deadline, the run's cancel event, a file count."""

    def __init__(self, deadline: float | None, cancel: threading.Event | None) -> None:
        self.deadline, self.cancel = deadline, cancel
        self.files = self.ticks = 0

    def tick(self, entry: str) -> None:
        """One folder entry read: every :data:`_CHECK_EVERY`, a look at the bounds."""
        self.ticks += 1
        if self.ticks % _CHECK_EVERY == 0:
            self.check(entry)

    def check(self, entry: str) -> None:
        """Raise when the run was cancelled or the deadline passed."""
        if self.cancel is not None and self.cancel.is_set():
            raise ExecutorError(f"copy: stopped while copying {entry!r}: the run was cancelled")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ExecutorError(
                f"copy: timed out while copying {entry!r} (the step's timeout passed)"
            )

    def count(self, entry: str) -> None:
        """One more file to copy (a copy may be slow: the bounds are checked before each)."""
        self.check(entry)
        self.files += 1
        if self.files > MAX_FILES:
            raise ExecutorError(
                f"copy: more than {MAX_FILES} files to copy ({entry!r}); execution.copy is for "
                "a few untracked files such as .env: name them, or narrow the entry"
            )


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _tokens(entry: str) -> list[object]:
    """The entry's segments, ``**`` as :data:`_GLOBSTAR` (consecutive ones merged)."""
    tokens: list[object] = []
    for segment in entry.split("/"):
        if segment in ("", "."):
            continue
        if segment == "**":
            if not tokens or tokens[-1] is not _GLOBSTAR:
                tokens.append(_GLOBSTAR)
        else:
            tokens.append(segment)
    return tokens


def _one(token: object, name: str) -> bool:
    assert isinstance(token, str)
    return segment_matches(token, name)


def _may_lead_to(tokens: list[object], parts: list[str]) -> bool:
    """Whether something below the folder ``parts`` may match: its parts match the tokens
    before the first ``**`` (past that, anything may)."""
    for i, part in enumerate(parts):
        if i >= len(tokens):
            return False
        token = tokens[i]
        if token is _GLOBSTAR:
            return True
        if not _one(token, part):
            return False
    return len(parts) < len(tokens)


def _matches(root: Path, entry: str, budget: _Budget) -> Iterator[str]:
    """The paths below ``root`` that ``entry`` matches, top-down; no match below another."""
    tokens = _tokens(entry)
    if not tokens:
        return
    literal: list[str] = []
    for token in tokens:
        if token is _GLOBSTAR or _MAGIC & set(str(token)):
            break
        literal.append(str(token))
    if len(literal) == len(tokens):  # a plain path
        if os.path.lexists(root.joinpath(*literal)):
            yield "/".join(literal)
        return
    start = root.joinpath(*literal)
    if not start.is_dir() or start.is_symlink():
        return
    stack = [literal]
    while stack:
        parts = stack.pop()
        try:
            with os.scandir(root.joinpath(*parts)) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        below = []
        for child in children:
            budget.tick(entry)
            rel = [*parts, child.name]
            if wildcard_match(tokens, rel, _GLOBSTAR, _one):
                yield "/".join(rel)
            elif child.is_dir(follow_symlinks=False) and _may_lead_to(tokens, rel):
                below.append(rel)
        stack.extend(reversed(below))


def copy_into(
    root: Path,
    git_dir: Path,
    dest: Path,
    entries: Sequence[str],
    say: Callable[[str], None],
    *,
    deadline: float | None = None,
    cancel: threading.Event | None = None,
) -> set[str]:
    """Copy the matches of ``entries`` from ``root`` into ``dest``; return what was copied.

    Raises :class:`ExecutorError` for an entry that leads out, and when the copy passes
    ``deadline`` (``time.monotonic()``), ``cancel`` is set or :data:`MAX_FILES` is exceeded."""
    copied: set[str] = set()
    real_root, real_git, real_dest = root.resolve(), git_dir.resolve(), dest.resolve()
    budget = _Budget(deadline, cancel)
    for entry in entries:
        if entry.startswith(("/", "~")) or ".." in Path(entry).parts or "\0" in entry:
            raise ExecutorError(f"copy: {entry!r} must be a path inside the repository")
        found = False
        for rel in _matches(root, entry, budget):
            found = True
            source = Path(os.path.realpath(root / rel))
            if not _inside(source, real_root) or _inside(source, real_git):
                raise ExecutorError(f"copy: {rel} leads outside the working tree ({source})")
            target = real_dest / rel
            if (
                not _inside(Path(os.path.realpath(target.parent)), real_dest)
                and target.parent != real_dest
            ):
                raise ExecutorError(f"copy: {rel} would be written outside the step's worktree")
            copied |= _copy_one(source, target, real_dest, real_root, real_git, budget, entry)
        if not found:
            say(f"copy: {entry} not found in {root}, skipped")
    return copied


def _copy_one(
    source: Path, target: Path, dest: Path, root: Path, git_dir: Path, budget: _Budget, entry: str
) -> set[str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not _inside(Path(os.path.realpath(target.parent)), dest):
        raise ExecutorError(f"copy: {target} would be written outside the step's worktree")
    if target.is_symlink():
        target.unlink()
    if source.is_dir():
        copied: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(source):
            here = Path(dirpath)
            for name in list(dirnames):
                budget.tick(entry)
                if Path(os.path.realpath(here / name)) != here / name:
                    dirnames.remove(name)  # a link inside the folder: not followed
            for name in filenames:
                budget.tick(entry)
                real = Path(os.path.realpath(here / name))
                if _inside(real, root) and not _inside(real, git_dir):
                    into = target / (here / name).relative_to(source)
                    copied |= _copy_one(real, into, dest, root, git_dir, budget, entry)
        return copied
    budget.count(entry)
    shutil.copyfile(source, target)
    shutil.copymode(source, target)
    return {str(target.relative_to(dest))}
