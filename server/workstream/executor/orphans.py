"""What a command left behind outside its process group: found by a marker, stopped, reaped.

A command's process group does not hold everything it starts: ``setsid`` (or a double fork
into a new session) takes a daemon out of it, so signalling the group misses it. Without the
sandbox (whose PID namespace kills everything) two things catch those:

- **a marker**: each command runs with ``WORKSTREAM_STEP_TOKEN=<random>`` in its environment
  (:func:`new_token`). Every descendant inherits it, and ``setsid`` does not change a
  process's environment, so :func:`stop_marked` finds the command's leftovers by reading
  ``/proc/<pid>/environ`` and stops exactly those: the other commands running at the same
  time have other tokens and are left alone;
- **a child subreaper** (:func:`become_subreaper`, ``prctl(PR_SET_CHILD_SUBREAPER)`` on
  Linux): orphans are reparented to the runner instead of to init, so they stay in the
  runner's tree and the runner reaps the ones it killed (no zombies pile up under an init
  that does not reap, as in a container).

Reaping is careful never to take the exit status a ``subprocess.Popen`` of the runner waits
for: a zombie child is reaped only when it is a process this module killed (its pid *and*
start time match) or when its session is neither its own nor the runner's — a process the
runner started itself always has one of those two, so such a child can only be an adopted
orphan.

A process that removes the marker from its environment (or overwrites it with a new process
title) and leaves the group is not found here; it is the runner's adopted child then, which
:mod:`workstream.executor.adoptees` stops.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

#: The environment variable that marks every process of one command.
TOKEN_VAR = "WORKSTREAM_STEP_TOKEN"

_PR_SET_CHILD_SUBREAPER = 36
_subreaper_lock = threading.Lock()
_subreaper: bool | None = None
_PROC = Path("/proc")


def become_subreaper() -> bool:
    """Make the runner the subreaper of its descendants (once); False where it cannot."""
    global _subreaper
    with _subreaper_lock:
        if _subreaper is None:
            _subreaper = False
            if sys.platform.startswith("linux"):
                try:
                    libc = ctypes.CDLL(None, use_errno=True)
                    _subreaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
                except (OSError, AttributeError):
                    _subreaper = False
        return _subreaper


def new_token() -> str:
    """A fresh marker value for one command."""
    return secrets.token_hex(16)


def stat_of(pid: int) -> tuple[str, int, int, int] | None:
    """(state, parent pid, session id, start time) of a process, None when it is gone."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1]), int(fields[3]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def marked(token: str) -> dict[int, int]:
    """Live processes whose environment holds this command's token: pid -> start time."""
    needle = f"\0{TOKEN_VAR}={token}\0".encode()
    found: dict[int, int] = {}
    if not _PROC.is_dir():
        return found
    me = os.getpid()
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            environ = b"\0" + (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ + b"\0":
            stat = stat_of(int(entry.name))
            if stat is not None and stat[0] != "Z":
                found[int(entry.name)] = stat[3]
    return found


def stop_marked(token: str, grace: float) -> int:
    """SIGTERM every live process with ``token``, SIGKILL what is left after ``grace``
    seconds, and reap those that became the runner's; returns how many were found."""
    return stop_rounds(lambda _seen: marked(token), grace)


def stop_rounds(alive: Callable[[dict[int, int]], dict[int, int]], grace: float) -> int:
    """Stop what ``alive`` finds, in rounds until it finds nothing: SIGTERM, then SIGKILL
    once ``grace`` seconds have passed; then reap those that became the runner's.

    ``alive`` gets every process found so far (pid -> start time) and returns the live ones
    to signal now (pid -> start time); a process is signalled only while its start time is
    still the one found, so a reused pid is never hit. Returns how many were found.
    """
    killed: dict[int, int] = {}
    deadline = time.monotonic() + grace
    sig = signal.SIGTERM
    kills = 0
    while kills < 50:  # rounds: a process may fork while it is being stopped
        found = alive(killed)
        if not found:
            break
        killed.update(found)
        if time.monotonic() >= deadline:
            sig = signal.SIGKILL
            kills += 1
        for pid, start in found.items():
            stat = stat_of(pid)
            if stat is not None and stat[3] == start:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, sig)
        time.sleep(0.02 if sig == signal.SIGTERM else 0.05)
    reap(killed)
    return len(killed)


def reap(killed: dict[int, int] | None = None, patience: float = 2.0) -> None:
    """Reap the runner's zombie children that are adopted orphans (see the module's text);
    wait up to ``patience`` seconds for those in ``killed`` to become reapable."""
    waiting = dict(killed or {})
    me, deadline = os.getpid(), time.monotonic() + patience
    own_session = os.getsid(0)
    while True:
        for pid, (state, _ppid, sid, start) in children_of(me).items():
            if state != "Z":
                continue
            if waiting.get(pid) == start or sid not in (pid, own_session):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
        waiting = {p: s for p, s in waiting.items() if _pending(p, s, me)}
        if not waiting or time.monotonic() >= deadline:
            return
        time.sleep(0.02)


def reap_session(session: int, patience: float = 1.0) -> None:
    """Reap the runner's adopted children in ``session`` (one a command of the runner leads)
    as they end, for up to ``patience`` seconds: bubblewrap's inner process can outlive the
    outer one by a moment, and is then the runner's (its subreaper's) to reap."""
    me, deadline = os.getpid(), time.monotonic() + patience
    while True:
        alive = False
        for pid, (state, _ppid, sid, _start) in children_of(me).items():
            if sid != session or pid == session:
                continue
            if state == "Z":
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            else:
                alive = True
        if not alive or time.monotonic() >= deadline:
            return
        time.sleep(0.01)


def _pending(pid: int, start: int, me: int) -> bool:
    """True while a killed process is still to be reaped by the runner (or still dying)."""
    stat = stat_of(pid)
    if stat is None or stat[3] != start:
        return False  # gone, and its pid maybe taken by another process
    return stat[0] != "Z" or stat[1] == me  # a zombie of another parent is that parent's


def children_of(parent: int) -> dict[int, tuple[str, int, int, int]]:
    out: dict[int, tuple[str, int, int, int]] = {}
    if not _PROC.is_dir():
        return out
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            stat = stat_of(int(entry.name))
            if stat is not None and stat[1] == parent:
                out[int(entry.name)] = stat
    return out
