"""setsid daemons that ignore TERM and HUP, with and without the sandbox: none outlives its step.

Without the sandbox the daemon leaves its step's process group; the runner (a child
subreaper) finds it by its command's marker in ``/proc/<pid>/environ``, kills it and reaps
it. Two steps at once each get their own marker: one step's end never stops the other's
processes (tests/executor/test_orphans.py checks that on run_command itself).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.executor.conftest import run, statuses, ws

from .conftest import Guarded, processes_with


def _daemon(marker: str) -> str:
    return f"setsid sh -c 'trap \"\" TERM HUP; sleep {marker}' </dev/null >/dev/null 2>&1 &"


def _gone(marker: str, patience: float = 5.0) -> bool:
    deadline = time.monotonic() + patience
    while processes_with(f"sleep {marker}") and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_with(f"sleep {marker}") == []


@pytest.fixture(autouse=True)
def _earlier_zombies() -> Iterator[None]:
    """Zombies another test left under this process (adopted, unreaped) do not count here."""
    _EARLIER.clear()
    _EARLIER.update(_zombies())
    yield


_EARLIER: set[str] = set()


def _zombie_children() -> list[str]:
    """The daemons' zombies this test's run left under this process (the subreaper reaps them)."""
    return sorted(z for z in _zombies() if z not in _EARLIER)


def _zombies() -> set[str]:
    me, found = os.getpid(), set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()  # once: the process may be reaped meanwhile
            fields = text.rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        comm = text.split(" (", 1)[-1].split(")")[0]
        if fields[0] == "Z" and int(fields[1]) == me and comm in ("sh", "sleep"):
            found.add(f"{entry.name} {comm} {fields[19]}")  # pid, name, start time
    return found


def test_a_setsid_daemon_of_a_succeeding_step_is_stopped(repo: Guarded, sandbox: bool) -> None:
    marker = "777.31" + ("1" if sandbox else "2")
    step = {"id": "a", "run": _daemon(marker) + " echo hi > x.txt", "files": ["x.txt"]}
    path = repo.workstream(ws(step, sandbox=sandbox))
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert result.status == "succeeded"
    assert repo.show("workstream/ws-test/step/a", "x.txt") == "hi\n"
    assert _gone(marker), "the daemon outlived its step"
    assert _zombie_children() == []


def test_two_steps_at_once_each_with_a_daemon(repo: Guarded, sandbox: bool) -> None:
    marks = {"a": "777.41" + str(int(sandbox)), "b": "777.42" + str(int(sandbox))}
    steps = [
        {
            "id": s,
            # a: its daemon starts, then a waits for b's daemon to exist; b lives longer than a
            "run": _daemon(m) + (f" sleep {0.3 if s == 'a' else 1.5}; echo {s} > {s}.txt"),
            "files": [f"{s}.txt"],
        }
        for s, m in marks.items()
    ]
    path = repo.workstream(ws(*steps, sandbox=sandbox, max_workers=2))
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert statuses(result) == {"a": "succeeded", "b": "succeeded"}
    assert all(_gone(m) for m in marks.values())
    assert _zombie_children() == []


def test_a_daemon_of_a_timed_out_step_without_the_sandbox(repo: Guarded) -> None:
    marker = "777.513"
    path = repo.workstream(
        ws({"id": "a", "run": _daemon(marker) + " sleep 30", "timeout": 1}, sandbox=False)
    )
    repo.expected = repo.snapshot()
    result, _ = run(path, kill_grace=0.3)
    assert result.state.steps["a"].reason == "timeout"
    assert _gone(marker, patience=2.0)
    assert _zombie_children() == []


def _unmarked(marker: str) -> str:
    """A daemon that leaves the group and rewrites its title over its environment (Perl's $0),
    and one that removes its marker: neither the group nor the marker finds them."""
    return (
        "perl -MPOSIX -e 'fork and exit; POSIX::setsid(); fork and exit; "
        f'$SIG{{TERM}}="IGNORE"; $0="kworker/{marker}" . (" " x 4000); sleep 300\''
        " </dev/null >/dev/null 2>&1; "
        f"env -u WORKSTREAM_STEP_TOKEN setsid sh -c \"trap '' TERM HUP; exec sleep {marker}\""
        " </dev/null >/dev/null 2>&1 &"
    )


@pytest.mark.parametrize("end", ["succeeds", "fails", "times out"])
def test_a_daemon_without_its_marker_does_not_outlive_the_run(
    repo: Guarded, sandbox: bool, end: str
) -> None:
    marker = "777.61" + str(int(sandbox)) + str(len(end))
    tail = {"succeeds": "echo hi > x.txt", "fails": "exit 3", "times out": "sleep 30"}[end]
    step = {"id": "a", "run": f"{_unmarked(marker)} sleep 0.3; {tail}", "files": ["x.txt"]}
    if end == "times out":
        step["timeout"] = 2
    path = repo.workstream(ws(step, sandbox=sandbox))
    repo.expected = repo.snapshot()
    result, _ = run(path, kill_grace=0.3)
    expected = {"succeeds": "succeeded", "fails": "failed", "times out": "failed"}[end]
    assert statuses(result) == {"a": expected}
    assert _gone(marker, patience=2.0), "a daemon without its marker outlived its step"
    assert _zombie_children() == []
