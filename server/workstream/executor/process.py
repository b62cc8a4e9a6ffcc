"""Run one command in its own process group, with output lines, a deadline and cancellation.

Each command starts a new session (so a new process group): a timeout or a cancel sends
SIGTERM to the whole group, then SIGKILL to whatever is left after a grace period, which
covers a child that ignores SIGTERM and grandchildren the tool started. Leftovers of a command
that exited on its own (a dev server sent to the background) are stopped the same way, so no
step leaves processes behind or holds its output pipe open. Processes that left the group
(``setsid`` daemons) carry the command's marker in their environment and are stopped after
the group (:mod:`workstream.executor.orphans`; the runner is their subreaper); those that lost
the marker too are the runner's adopted children, stopped once no running command may own them
(:mod:`workstream.executor.adoptees`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from workstream.executor import adoptees
from workstream.executor.orphans import (
    TOKEN_VAR,
    become_subreaper,
    new_token,
    reap_session,
    stop_marked,
)

#: Output lines longer than this are cut (the rest is counted, not kept).
MAX_LINE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a command ended."""

    returncode: int | None  # None when it never started
    timed_out: bool = False
    cancelled: bool = False
    missing: str | None = None  # the binary that could not be found or executed

    @property
    def ok(self) -> bool:
        """True for a command that ran and exited 0."""
        return self.returncode == 0 and not (self.timed_out or self.cancelled)


def find_binary(program: str, env: Mapping[str, str], cwd: Path) -> str | None:
    """The path ``program`` resolves to with this environment, or None when there is none."""
    if os.sep in program:
        path = Path(program) if os.path.isabs(program) else cwd / program
        return str(path) if os.access(path, os.X_OK) and path.is_file() else None
    return shutil.which(program, path=env.get("PATH", os.defpath))


def group_alive(pgid: int) -> bool:
    """True while some process of the group exists and is not a zombie.

    Zombies count as gone: a sandbox's inner processes are reparented when it exits, and an
    init that reaps slowly must not make a finished step look alive.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def stop_group(pgid: int, grace: float) -> None:
    """SIGTERM the group, then SIGKILL it if anything is left after ``grace`` seconds."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not group_alive(pgid):
            return
        time.sleep(0.02)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return


def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    deadline: float,
    cancel: threading.Event,
    on_line: Callable[[str], None],
    on_start: Callable[[int], None] | None = None,
    token: str | None = None,
    grace: float = 5.0,
    wrap: Callable[[list[str]], list[str]] | None = None,
) -> Outcome:
    """Run ``argv`` until it exits, ``deadline`` (monotonic) passes or ``cancel`` is set.

        Output (stdout and stderr merged) goes to ``on_line`` one line at a time, from a reader
        thread, each cut at :data:`MAX_LINE_BYTES`. ``on_start`` receives the process group id
        once the command runs. ``token`` marks every process of the command (default: a new one;
    see :mod:`orphans`). ``wrap`` turns the resolved argv into the one to execute (the
        sandbox).
    """
    binary = find_binary(argv[0], env, cwd)
    if binary is None:
        return Outcome(None, missing=argv[0])
    resolved = [binary, *argv[1:]]
    become_subreaper()
    token = token or new_token()
    command = wrap(resolved) if wrap is not None else resolved
    try:
        proc = adoptees.launch(
            token,
            lambda: subprocess.Popen(
                command,
                cwd=cwd,
                env={**env, TOKEN_VAR: token},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
        )
    except OSError:
        return Outcome(None, missing=argv[0])
    pgid = proc.pid  # the leader of a new session is its group's id
    if on_start is not None:
        on_start(pgid)
    assert proc.stdout is not None
    reader = threading.Thread(target=_pump, args=(proc.stdout, on_line), daemon=True)
    reader.start()
    exited = threading.Event()

    def wait() -> None:
        proc.wait()
        exited.set()

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    timed_out = cancelled = False
    while not exited.wait(min(max(deadline - time.monotonic(), 0.0), 0.05)):
        if cancel.is_set():
            cancelled = True
            break
        if time.monotonic() >= deadline:
            timed_out = True
            break
    # Whether it finished or not, nothing of its group may outlive it.
    stop_group(pgid, grace if (timed_out or cancelled) else min(grace, 1.0))
    waiter.join()
    # Then what left the group (setsid daemons): found by the command's token, on any end.
    stop_marked(token, grace if (timed_out or cancelled) else min(grace, 1.0))
    reap_session(pgid)  # what its session leaves to the runner (bubblewrap's inner process)
    # And what lost its marker too: the runner adopted it; stopped once no command may own it.
    adoptees.finish(token, grace if (timed_out or cancelled) else min(grace, 1.0))
    # A process that left the group without its token may still hold the pipe: do not wait.
    reader.join(timeout=grace + 1.0)
    if reader.is_alive():
        on_line("(output still held open by a process outside the step's group; not waiting)")
    return Outcome(proc.returncode, timed_out=timed_out, cancelled=cancelled)


def _pump(stream: IO[bytes], on_line: Callable[[str], None]) -> None:
    """Read a byte stream line by line until EOF, decoding leniently, lines capped."""
    cut: int | None = None  # bytes left out of the current over-long line
    try:
        while raw := stream.readline(MAX_LINE_BYTES):
            ended = raw.endswith(b"\n")
            if cut is not None:  # the rest of an over-long line: counted, not kept
                cut += len(raw)
                if ended:
                    on_line(f"[workstream: {cut} more bytes of that line left out]")
                    cut = None
                continue
            on_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
            if not ended and len(raw) >= MAX_LINE_BYTES:
                cut = 0
        if cut:
            on_line(f"[workstream: {cut} more bytes of that line left out]")
    except (OSError, ValueError):  # the log was closed under an abandoned reader
        pass
    finally:
        stream.close()
