"""The sandbox's processes, on real bubblewrap: nothing a step starts outlives it.

Inside the sandbox pids are the PID namespace's own, so each test finds the host pids of its
processes by a unique marker in their command lines, and checks through the ``NSpid`` line of
``/proc/<pid>/status`` that the daemon it found is the one that wrote its (namespace) pid into
the worktree.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from workstream.executor.sandbox import SandboxSpec, find_bwrap, sandbox_argv

BWRAP = find_bwrap()
pytestmark = pytest.mark.skipif(
    BWRAP is None, reason="bubblewrap is missing or cannot create namespaces here"
)

# A daemon in its own session that ignores SIGTERM (so do its children: an ignored signal
# stays ignored across exec), and a plain child; then the command waits.
SCRIPT = (
    "setsid sh -c 'trap \"\" TERM; echo $$ > daemon.pid; while :; do sleep 1; done' {m}-daemon &"
    " sh -c 'while :; do sleep 1; done' {m}-child &"
    " {tail}"
)


def host_pids(marker: str) -> list[int]:
    """Live (not zombie) host processes whose command line holds ``marker``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            out.append(int(entry.name))
    return out


def nspid(pid: int) -> list[int]:
    """The pids of ``pid`` from the host's namespace inward (the ``NSpid`` line)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("NSpid:"):
            return [int(x) for x in line.split()[1:]]
    return []


def wait_for(predicate: object, timeout: float = 10.0) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    path = tmp_path / "worktree"
    path.mkdir()
    return path


@pytest.fixture
def marker() -> Iterator[str]:
    value = f"wsmark{uuid.uuid4().hex}"
    yield value
    for pid in host_pids(value):  # never leave one behind, whatever failed
        os.kill(pid, signal.SIGKILL)


def start(worktree: Path, marker: str, tail: str = "wait") -> subprocess.Popen[bytes]:
    """Start the script sandboxed, in a new session (so its own process group)."""
    assert BWRAP is not None
    argv = sandbox_argv(
        BWRAP, SandboxSpec(worktree=worktree), ["/bin/sh", "-c", SCRIPT.format(m=marker, tail=tail)]
    )
    proc = subprocess.Popen(argv, cwd=worktree, stdin=subprocess.DEVNULL, start_new_session=True)
    assert wait_for(lambda: (worktree / "daemon.pid").is_file() and len(host_pids(marker)) >= 4)
    return proc


def daemon_host_pid(worktree: Path, marker: str) -> int:
    """The daemon's host pid, checked against the namespace pid it wrote."""
    inner = int((worktree / "daemon.pid").read_text())
    assert wait_for(lambda: any(nspid(p)[-1:] == [inner] for p in host_pids(f"{marker}-daemon")))
    [pid] = [p for p in host_pids(f"{marker}-daemon") if nspid(p)[-1:] == [inner]]
    assert len(nspid(pid)) >= 2 and nspid(pid)[0] == pid != inner  # a namespace of its own
    return pid


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_killing_the_group_kills_a_setsid_daemon_that_ignores_term(
    worktree: Path, marker: str, sig: signal.Signals
) -> None:
    proc = start(worktree, marker)
    daemon = daemon_host_pid(worktree, marker)
    os.killpg(proc.pid, sig)
    proc.wait(timeout=10)
    assert wait_for(lambda: not host_pids(marker)), host_pids(marker)
    with pytest.raises(ProcessLookupError):
        os.kill(daemon, 0)  # reaped by now, or a zombie at most until its reaper runs


def test_a_command_that_exits_takes_its_daemons_with_it(worktree: Path, marker: str) -> None:
    proc = start(worktree, marker, tail="sleep 0.2; exit 3")
    assert proc.wait(timeout=10) == 3
    assert wait_for(lambda: not host_pids(marker)), host_pids(marker)


def test_the_group_signal_reaches_the_step_directly(worktree: Path, marker: str) -> None:
    """No --new-session: the command is in the group the executor signals (a TERM handler runs)."""
    proc = start(worktree, marker, tail="trap 'echo got-term > term.txt; exit 0' TERM; wait")
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
    assert wait_for(lambda: (worktree / "term.txt").is_file(), timeout=2) or proc.returncode in (
        -signal.SIGTERM,
        143,
    )
    assert wait_for(lambda: not host_pids(marker))


RUNNER = """
import json, subprocess, sys, threading, time
argv, cwd, mode = json.loads(sys.stdin.read())
def spawn():
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, start_new_session=True)
    print(p.pid, flush=True)
    if mode == "waiting-thread":
        p.wait()
if mode == "main-thread":
    spawn()
else:
    threading.Thread(target=spawn, daemon=True).start()
time.sleep(600)
"""


def runner(worktree: Path, marker: str, mode: str) -> subprocess.Popen[str]:
    """A stand-in runner process that starts the sandbox (from ``mode``'s thread) and sleeps."""
    assert BWRAP is not None
    argv = sandbox_argv(
        BWRAP,
        SandboxSpec(worktree=worktree),
        ["/bin/sh", "-c", SCRIPT.format(m=marker, tail="wait")],
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps([argv, str(worktree), mode]))
    proc.stdin.close()
    return proc


@pytest.mark.parametrize("mode", ["main-thread", "waiting-thread"])
def test_everything_dies_when_the_runner_is_sigkilled(
    worktree: Path, marker: str, mode: str
) -> None:
    proc = runner(worktree, marker, mode)
    assert wait_for(lambda: (worktree / "daemon.pid").is_file() and len(host_pids(marker)) >= 4)
    daemon = daemon_host_pid(worktree, marker)
    time.sleep(0.3)
    assert host_pids(marker), "the sandbox should live while its runner does"
    proc.kill()
    proc.wait(timeout=10)
    assert wait_for(lambda: not host_pids(marker)), host_pids(marker)
    with pytest.raises(ProcessLookupError):
        os.kill(daemon, 0)
