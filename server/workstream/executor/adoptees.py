"""Orphans the runner adopted that carry no marker: stopped once no command that may own them runs.

Without the sandbox a command's leftovers are found by its process group and by the marker in
their environment (:mod:`orphans`). A daemon that leaves the group *and* loses the marker
escapes both: one that rewrites its process title (Perl's ``$0``, ``setproctitle``, nginx,
postgres) overwrites the memory ``/proc/<pid>/environ`` shows, one that removes the variable
simply has none. It still cannot leave the runner's process tree: the runner is the child
subreaper of everything its commands start, so such a process becomes a child of the runner
as soon as its parent exits. This module finds those *adoptees* and stops them.

Which command started an adoptee is written nowhere, so it is attributed conservatively. The
runner's tree is looked at (a *sighting*) whenever a command starts or ends; between two
sightings the set of running commands does not change, so an adoptee first seen belongs to
one of the commands running then that had started before it (a process is never older than
the command that started it). It is stopped once none of those is still running: at the end
of its own command when that command ran alone, at the latest when the last command of the
run ends. A command that is still running never loses a process this way.

What is never taken for an adoptee: a child of the runner in the runner's own session (its
git calls; a step cannot join that session), a command's own leader, a session the runner
started for itself (:func:`spawn`: a git call it may kill with its group, the sandbox's probe),
and a process older than the first command of the current busy period (a child the host
process started itself).

Limits: after the runner itself is killed with SIGKILL its adoptees belong to init, and one
that also lost its marker is not found by the next run; the sandbox's PID namespace covers it.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

from workstream.executor.orphans import children_of, stat_of, stop_rounds

#: Sightings after a stop, to catch what was reparented to the runner while it was stopping.
_SETTLE_ROUNDS = 10


@dataclass(frozen=True, slots=True)
class _Command:
    leader: int
    started: int  # the leader's start time, in clock ticks since boot


_lock = threading.Lock()
_running: dict[str, _Command] = {}
_owners: dict[tuple[int, int], frozenset[str]] = {}  # (pid, start) -> who may own it
_busy_since: int | None = None  # the start of the oldest command since the runner was idle
_exempt: dict[int, int] = {}  # pid -> start: sessions the runner started for itself (git calls)


def launch(token: str, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """Start a command with ``start`` and count it as running under ``token``.

    The start and its registration happen under the lock, so a sighting never mistakes the new
    command's leader for an adoptee.
    """
    global _busy_since
    with _lock:
        _sight()
        proc = start()
        stat = stat_of(proc.pid)
        started = stat[3] if stat is not None else 0
        _running[token] = _Command(proc.pid, started)
        if _busy_since is None or started < _busy_since:
            _busy_since = started
    return proc


def spawn(start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """Start a process of the runner's own in a session of its own (a bounded git call, the
    sandbox's probe) with ``start``: never taken for an adoptee until :func:`release`."""
    with _lock:
        proc = start()
        stat = stat_of(proc.pid)
        _exempt[proc.pid] = stat[3] if stat is not None else 0
    return proc


def release(pid: int) -> None:
    """The process :func:`spawn` started has ended (or is being waited for)."""
    with _lock:
        _exempt.pop(pid, None)


def finish(token: str, grace: float) -> int:
    """The command ``token`` ended: stop the adoptees no running command may own any more.

    SIGTERM, then SIGKILL after ``grace`` seconds; returns how many processes were stopped.
    """
    global _busy_since
    stopped = 0
    with _lock:
        doomed = _sight()
        _running.pop(token, None)
        doomed |= _unowned()
    for _ in range(_SETTLE_ROUNDS):
        if not doomed:
            break
        stopped += _stop(doomed, grace)
        with _lock:
            doomed = _sight() | _unowned()
    with _lock:
        if not _running:
            _busy_since = None
            _owners.clear()
    return stopped


def _sight() -> set[tuple[int, int]]:
    """Record the adoptees first seen now; return those no running command may own.

    Called with the lock held.
    """
    doomed: set[tuple[int, int]] = set()
    if _busy_since is None:
        return doomed
    me, own_session = os.getpid(), os.getsid(0)
    leaders = {c.leader for c in _running.values()}
    alive: set[tuple[int, int]] = set()
    for pid, (state, _ppid, sid, start) in children_of(me).items():
        if state == "Z" or sid == own_session or pid in leaders or start < _busy_since:
            continue
        if _exempt.get(pid) in (start, 0):
            continue
        key = (pid, start)
        alive.add(key)
        if key in _owners:
            continue
        owners = frozenset(t for t, c in _running.items() if c.started <= start)
        if owners:
            _owners[key] = owners
        else:
            doomed.add(key)  # started by a command that has ended already
    for key in list(_owners):
        if key not in alive:
            del _owners[key]
    return doomed


def _unowned() -> set[tuple[int, int]]:
    """The adoptees whose possible owners have all ended (forgotten here). Lock held."""
    doomed = {key for key, owners in _owners.items() if not owners & _running.keys()}
    for key in doomed:
        del _owners[key]
    return doomed


def _stop(roots: set[tuple[int, int]], grace: float) -> int:
    """SIGTERM ``roots`` and everything below them, SIGKILL what is left after ``grace``."""
    first = dict(roots)

    def alive(found: dict[int, int]) -> dict[int, int]:
        return _tree({p: s for p, s in {**first, **found}.items() if _alive(p, s)})

    return stop_rounds(alive, grace)


def _alive(pid: int, start: int) -> bool:
    stat = stat_of(pid)
    return stat is not None and stat[3] == start and stat[0] != "Z"


def _tree(roots: dict[int, int]) -> dict[int, int]:
    """``roots`` and all their live descendants: pid -> start time."""
    if not roots:
        return {}
    below: dict[int, list[tuple[int, int]]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = stat_of(int(entry.name))
            if stat is not None and stat[0] != "Z":
                below.setdefault(stat[1], []).append((int(entry.name), stat[3]))
    found = dict(roots)
    todo = list(roots)
    while todo:
        for pid, start in below.get(todo.pop(), ()):
            if pid not in found:
                found[pid] = start
                todo.append(pid)
    return found
