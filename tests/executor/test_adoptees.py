"""Daemons that leave their command's group *and* lose its marker: the runner adopted them.

Each test runs commands with run_command in this process (the runner, a child subreaper). The
daemons double-fork into a session of their own and then either rewrite their process title
(Perl's ``$0`` overwrites what ``/proc/<pid>/environ`` shows) or remove the marker from their
environment, so neither the group nor the marker finds them.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.hostile.conftest import processes_with
from workstream.executor import adoptees
from workstream.executor.orphans import TOKEN_VAR
from workstream.executor.process import run_command


def perl_daemon(marker: str) -> str:
    """A daemon whose environment reads as its new title: its marker is gone from /proc."""
    return (
        "perl -MPOSIX -e 'fork and exit; POSIX::setsid(); fork and exit; "
        f'$SIG{{TERM}}="IGNORE"; $0="kworker/{marker}" . (" " x 4000); sleep 300\''
        " </dev/null >/dev/null 2>&1"
    )


def unset_daemon(marker: str) -> str:
    """A daemon that removes the marker from its environment before it starts."""
    return (
        f"env -u {TOKEN_VAR} setsid sh -c \"trap '' TERM HUP; exec sleep {marker}\""
        " </dev/null >/dev/null 2>&1 &"
    )


def _run(script: str, cwd: Path) -> int | None:
    return run_command(
        ["sh", "-c", script],
        cwd=cwd,
        env=dict(os.environ),
        deadline=time.monotonic() + 20,
        cancel=threading.Event(),
        on_line=lambda _line: None,
        grace=0.3,
    ).returncode


def _gone(marker: str, patience: float = 3.0) -> bool:
    deadline = time.monotonic() + patience
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_with(marker) == []


@pytest.mark.parametrize("daemon", [perl_daemon, unset_daemon], ids=["title", "unset"])
def test_an_unmarked_daemon_dies_with_its_command(tmp_path: Path, daemon: object) -> None:
    marker = f"779.{os.getpid() % 1000}1"
    make, shown = (perl_daemon, "kworker/") if daemon is perl_daemon else (unset_daemon, "sleep ")
    # the command checks the daemon runs and has really lost the marker before it ends
    check = (
        f"sleep 0.5; p=$(pgrep -f '^{shown}{marker}') || exit 6; "
        f"! grep -qa {TOKEN_VAR} /proc/$p/environ || exit 7"
    )
    assert _run(f"{make(marker)}\n{check}", tmp_path) == 0
    assert _gone(marker), "a daemon without its marker outlived its command"


def test_a_running_command_keeps_its_daemon_while_another_ends(tmp_path: Path) -> None:
    """A daemon is attributed to the commands running when it appeared that are older than it."""
    long, short = "779.612", "779.613"
    results: dict[str, int | None] = {}

    def longer() -> None:
        # its daemon must be alive when it checks, after the short command has ended
        results["long"] = _run(
            f"{unset_daemon(long)} sleep 1.5; pgrep -f 'sleep {long}' >/dev/null", tmp_path
        )

    thread = threading.Thread(target=longer)
    thread.start()
    time.sleep(0.3)
    results["short"] = _run(f"{unset_daemon(short)} sleep 0.3", tmp_path)
    thread.join()
    assert results == {"long": 0, "short": 0}, "the long command lost its daemon"
    # which of the two started the short one's daemon is written nowhere: it may live until
    # the long command ends, never longer
    assert _gone(long, patience=1.0) and _gone(short, patience=0.1)


def test_a_daemon_of_a_command_that_ended_before_another_started_dies_at_once(
    tmp_path: Path,
) -> None:
    early = "779.616"
    results: dict[str, int | None] = {}
    results["early"] = _run(f"{unset_daemon(early)} sleep 0.2", tmp_path)
    thread = threading.Thread(target=lambda: results.update(late=_run("sleep 1", tmp_path)))
    thread.start()
    early_gone = _gone(early, patience=0.3)
    thread.join()
    assert results == {"early": 0, "late": 0} and early_gone


def test_a_child_the_host_started_itself_is_never_taken(tmp_path: Path) -> None:
    marker = "779.714"
    own = subprocess.Popen(["sleep", marker], start_new_session=True)
    try:
        time.sleep(0.1)
        assert _run(f"{unset_daemon('779.715')} sleep 0.2", tmp_path) == 0
        assert own.poll() is None, "the runner stopped a process it did not start for a step"
        assert _gone("779.715")
    finally:
        own.kill()
        own.wait()


def test_a_session_the_runner_spawns_for_itself_is_never_taken(tmp_path: Path) -> None:
    """The runner's own git calls run in sessions of their own (to be killed with their group
    when a snapshot overruns): one started while a step's command runs outlives its end."""
    results: dict[str, int | None] = {}
    thread = threading.Thread(target=lambda: results.update(a=_run("sleep 0.6", tmp_path)))
    thread.start()
    time.sleep(0.2)
    own = adoptees.spawn(lambda: subprocess.Popen(["sleep", "779.818"], start_new_session=True))
    try:
        thread.join()
        assert results == {"a": 0}
        time.sleep(0.3)
        assert own.poll() is None, "the runner's own process was stopped as a step's daemon"
    finally:
        own.kill()
        own.wait()
        adoptees.release(own.pid)
