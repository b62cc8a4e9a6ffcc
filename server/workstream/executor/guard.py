"""The agent settings guard: a run never leaves a changed agent configuration behind.

An agent CLI's own folder (``~/.claude``, ``~/.codex``, ``~/.gemini``, ``~/.aider``) is
writable for its steps: it keeps sessions and state there. The same folders hold what the
agent acts on at its next start, outside any sandbox: settings with hooks, MCP servers and
notify commands, the scripts they name, ``.env`` files loaded into its environment, its
instructions and rules, custom commands, skills, plugins, extensions and trusted folders. A
step that wrote one of them would run a command as the user the next time they start that
agent. So inside an agent folder only its data is left alone
(:data:`~workstream.analysis.home_rules.AGENT_DATA`: transcripts, histories, logs, caches,
state databases); everything else is guarded, and so are a few paths inside the data that
the agent still acts on (Claude Code's auto memory) and a few files outside the folders
(:data:`~workstream.analysis.home_rules.GUARDED_FILES_IN_HOME`).

So, with or without the sandbox, :class:`SettingsGuard` records those paths when a run starts
(content kept for files up to :data:`MAX_KEPT` bytes in all) and compares them after each
step. What changed is put back as it was; what the step made is moved, not deleted, to the
run's ``guarded/`` folder next to its logs; the step fails and the run stops launching. Under
the sandbox the paths that exist are also mounted read-only
(:func:`guarded_within`), so a step cannot change them in the first place and the guard only
ever finds what it created. Codex's system skills (``~/.codex/skills/.system``), which Codex
rewrites itself, are put back after each step without failing it, and under the sandbox each
command gets an empty folder of its own there (:func:`quiet_within`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workstream.analysis.home_rules import (
    AGENT_DATA,
    AGENT_DATA_GUARDED,
    GUARDED_FILES_IN_HOME,
    QUIET_IN_HOME,
    is_agent_data,
    is_quiet,
    may_hold_guarded,
)

#: The bytes of guarded files kept to put them back (beyond: changes are found, not undone).
MAX_KEPT = 16 * 1024 * 1024
#: Entries looked at below one guarded folder (a plugin cache can be large).
MAX_ENTRIES = 5000


@dataclass(frozen=True, slots=True)
class Entry:
    """One guarded path as it was: a file, a folder or a symbolic link."""

    kind: str  # "file", "dir", "link" or "other"
    mode: int
    digest: str = ""  # a file's content hash, a link's target
    data: bytes | None = field(default=None, compare=False)  # a file's content, when kept


def guarded_paths(home: Path) -> list[Path]:
    """What the guard records below ``home``: each agent folder (its data left out,
    :func:`~workstream.analysis.home_rules.is_agent_data`) and the guarded files."""
    return [home / name for name in AGENT_DATA] + [
        home.joinpath(*parts) for parts in GUARDED_FILES_IN_HOME
    ]


def _guarded_tops(home: Path) -> list[Path]:
    """The existing guarded paths that are not inside another: an agent folder's entries
    that are not data, the guarded paths inside its data, the guarded files."""
    out: list[Path] = []
    for name in AGENT_DATA:
        try:
            children = sorted(os.scandir(home / name), key=lambda e: e.name)
        except OSError:
            continue
        out += [Path(c.path) for c in children if not is_agent_data((name, c.name))]
    for parts in AGENT_DATA_GUARDED:
        out += sorted(home.glob("/".join(parts)))
    out += [p for p in guarded_paths(home)[len(AGENT_DATA) :] if os.path.lexists(p)]
    return out


def _inside_writable(paths: Iterable[Path], folders: Sequence[Path]) -> tuple[Path, ...]:
    reals = [Path(os.path.realpath(f)) for f in folders]
    out: list[Path] = []
    for path in paths:
        real = Path(os.path.realpath(path))
        if any(real != folder and real.is_relative_to(folder) for folder in reals):
            out.append(real)
    return tuple(out)


def guarded_within(folders: Sequence[Path], home: Path) -> tuple[Path, ...]:
    """The existing guarded paths (resolved) that lie inside one of the writable ``folders``:
    the sandbox mounts them read-only over the writable folder."""
    tops = [p for p in _guarded_tops(home) if p.exists()]
    return _inside_writable(tops, folders)


def quiet_within(folders: Sequence[Path], home: Path) -> tuple[Path, ...]:
    """The existing quietly guarded folders (Codex's system skills) inside one of the writable
    ``folders``: the sandbox gives each command an empty one of its own there."""
    quiet = [home.joinpath(*parts) for parts in QUIET_IN_HOME]
    return _inside_writable([p for p in quiet if p.is_dir() and not p.is_symlink()], folders)


class SettingsGuard:
    """The guarded paths of one run: recorded at its start, compared after each step."""

    def __init__(self, home: Path, evidence: Path) -> None:
        self.home = home
        self.evidence = evidence  # where what a step made is moved
        self.before = self._take()

    def _take(self) -> dict[Path, Entry]:
        seen: dict[Path, Entry] = {}
        budget = [MAX_KEPT]
        for root in guarded_paths(self.home):
            _record(root, seen, budget, [MAX_ENTRIES], self.home)
        return seen

    def _ignored(self, path: Path, now: dict[Path, Entry]) -> bool:
        """An agent folder that is (still) a folder: made by the sandbox or the agent, its
        entries are what is compared."""
        old, new = self.before.get(path), now.get(path)
        is_root = path.parent == self.home and path.name in AGENT_DATA
        stays_a_folder = (
            new is not None and new.kind == "dir" and (old is None or old.kind == "dir")
        )
        return is_root and stays_a_folder

    def _quiet(self, path: Path, now: dict[Path, Entry]) -> bool:
        """A change put back without failing the step: in Codex's system skills, or a folder
        made on the way to them."""
        parts = path.relative_to(self.home).parts
        entry = now.get(path)
        leads_to = any(len(parts) < len(q) and q[: len(parts)] == parts for q in QUIET_IN_HOME)
        return is_quiet(parts) or (leads_to and entry is not None and entry.kind == "dir")

    def check(self, step_id: str) -> list[str]:
        """What changed since the last check (when ``step_id`` ended), in sentences; each
        change is undone, and what was written is kept in ``evidence/<step_id>``."""
        now = self._take()
        changed = sorted(
            {
                p
                for p in (*self.before, *now)
                if self.before.get(p) != now.get(p) and not self._ignored(p, now)
            },
            key=lambda p: len(p.parts),
        )
        if not changed:
            return []
        loud = [p for p in changed if not self._quiet(p, now)]
        sentences = []
        for path in _tops(loud):
            what = "made" if path not in self.before else "changed"
            if path in self.before and path not in now:
                what = "removed"
            sentences.append(f"{what} {self._shown(path)}")
        evidence = self.evidence / step_id
        moved = self._move_aside(changed, now, evidence)
        lost = self._put_back(changed)
        self.before = self._take()
        if not loud:
            return []  # only Codex's system skills: put back, kept in evidence, not a failure
        note = (
            f"an agent's settings or instructions, acted on outside the sandbox at its next "
            f"start: {', '.join(sentences)}; put back as they were"
        )
        if moved:
            note += f", what was written kept in {evidence}"
        if lost:
            note += f"; could not put back {', '.join(self._shown(p) for p in lost)}"
        return [note]

    def _shown(self, path: Path) -> str:
        return (
            "~/" + str(path.relative_to(self.home)) if path.is_relative_to(self.home) else str(path)
        )

    def _move_aside(self, changed: Sequence[Path], now: dict[Path, Entry], evidence: Path) -> bool:
        """Move each changed or new path that exists now to the evidence folder."""
        moved = False
        for path in changed:  # parents first: a moved folder takes its children along
            if path not in now or not os.path.lexists(path):
                continue
            old = self.before.get(path)
            if old is not None and old.kind == "dir" and now[path].kind == "dir":
                if old.mode != now[path].mode:
                    os.chmod(path, old.mode)
                continue  # the folder stays; what changed inside it is moved one by one
            dest = evidence / path.relative_to(self.home)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if os.path.lexists(dest):
                shutil.rmtree(dest) if dest.is_dir() and not dest.is_symlink() else dest.unlink()
            shutil.move(str(path), str(dest))
            moved = True
        return moved

    def _put_back(self, changed: Sequence[Path]) -> list[Path]:
        """Recreate each changed path as it was; the paths that could not be."""
        lost = []
        for path in changed:  # parents first
            old = self.before.get(path)
            if old is None or (os.path.lexists(path) and old.kind == "dir"):
                continue
            try:
                if old.kind == "dir":
                    path.mkdir(mode=old.mode)
                    os.chmod(path, old.mode)
                elif old.kind == "link":
                    os.symlink(old.digest, path)
                elif old.kind == "file" and old.data is not None:
                    path.write_bytes(old.data)
                    os.chmod(path, old.mode)
                else:
                    lost.append(path)
            except OSError:
                lost.append(path)
        return lost


def _tops(paths: Iterable[Path]) -> list[Path]:
    """The paths not below another of them."""
    out: list[Path] = []
    for path in sorted(paths, key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(top) for top in out):
            out.append(path)
    return out


def _record(
    path: Path, seen: dict[Path, Entry], budget: list[int], entries: list[int], home: Path
) -> None:
    parts = path.relative_to(home).parts
    if is_agent_data(parts):  # an agent's data: not recorded, looked into only for what
        if may_hold_guarded(parts) and path.is_dir() and not path.is_symlink():  # is guarded
            for child in _children(path):
                _record(child, seen, budget, entries, home)
        return
    try:
        info = os.lstat(path)
    except OSError:
        return
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISLNK(info.st_mode):
        seen[path] = Entry("link", mode, os.readlink(path))
    elif stat.S_ISREG(info.st_mode):
        try:
            data = path.read_bytes()
        except OSError:
            seen[path] = Entry("file", mode, f"unreadable {info.st_size} {info.st_mtime_ns}")
            return
        keep = len(data) <= budget[0]
        budget[0] -= len(data) if keep else 0
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        seen[path] = Entry("file", mode, digest, data if keep else None)
    elif stat.S_ISDIR(info.st_mode):
        seen[path] = Entry("dir", mode)
        for child in _children(path):
            entries[0] -= 1
            if entries[0] < 0:
                return
            _record(child, seen, budget, entries, home)
    else:
        seen[path] = Entry("other", mode)


def _children(path: Path) -> list[Path]:
    try:
        return [Path(e.path) for e in sorted(os.scandir(path), key=lambda e: e.name)]
    except OSError:
        return []
