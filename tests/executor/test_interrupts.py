"""Timeouts, cancellation and a runner killed by SIGKILL: process groups die, state stays sane."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from workstream.executor import (
    Executor,
    RunOptions,
    StepStarted,
    load_state,
)
from workstream.executor.state import INTERRUPTED

from .conftest import PYTHON_BIN, Repo, git, run, ws

# A child that ignores SIGTERM (the ignore survives exec), so only SIGKILL stops it; the test
# finds it on the host by its unique command line (inside the sandbox, pids are its own).
STUBBORN = "(trap '' TERM; exec sleep {marker}) & wait"

_markers = iter(range(1, 10**6))


def new_marker() -> str:
    """A unique ``sleep`` duration, about a minute, that names one test's child."""
    return f"60.{os.getpid()}{next(_markers):04d}"


def find_pid(marker: str) -> int | None:
    """The host pid of the live ``sleep <marker>``, or None."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"sleep", marker.encode()] and alive(int(entry.name)):
            return int(entry.name)
    return None


@pytest.fixture(params=[True, False], ids=["sandbox", "no-sandbox"])
def sandbox(request: pytest.FixtureRequest) -> bool:
    """Each of these tests runs with the sandbox and without it."""
    return bool(request.param)


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):  # gone, even mid-read
        return False


def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_a_timeout_kills_the_whole_group_including_a_child_ignoring_term(
    repo: Repo, sandbox: bool
) -> None:
    marker = new_marker()
    path = repo.workstream(
        ws(
            {
                "id": "hangs",
                "run": f"echo $$ >/dev/null; {STUBBORN.format(marker=marker)}",
                "timeout": 1,
            },
            {"id": "fine", "run": "printf ok > ok.txt", "files": ["ok.txt"]},
            sandbox=sandbox,
        )
    )
    began = time.monotonic()
    result, _ = run(path, kill_grace=0.5)
    took = time.monotonic() - began
    hangs = result.state.steps["hangs"]
    assert hangs.status == "failed" and hangs.reason == "timeout"
    assert "timed out after 1s" in hangs.message
    assert result.state.steps["fine"].status == "succeeded"
    wait_for(lambda: find_pid(marker) is None, timeout=2)
    assert took < 10  # TERM, 0.5 s grace, KILL: not the child's 60 s


def test_cancel_mid_run_kills_running_steps_and_leaves_a_consistent_state(
    repo: Repo, sandbox: bool
) -> None:
    marker = new_marker()
    path = repo.workstream(
        ws(
            {"id": "slow", "run": f"printf wip > wip.txt; {STUBBORN.format(marker=marker)}"},
            {"id": "slower", "run": "sleep 60"},
            {"id": "after", "run": "true", "depends_on": ["slow"]},
            max_workers=2,
            sandbox=sandbox,
        )
    )
    executor = Executor(path, RunOptions(kill_grace=0.5))
    started: set[str] = set()
    both = threading.Event()

    def watch(event: object) -> None:
        if isinstance(event, StepStarted):
            started.add(event.step_id)
            if len(started) == 2:
                both.set()

    executor.subscribe(watch)
    outcome: list[object] = []
    runner = threading.Thread(target=lambda: outcome.append(executor.run()))
    runner.start()
    assert both.wait(10)
    wait_for(lambda: find_pid(marker) is not None)
    began = time.monotonic()
    executor.cancel()
    runner.join(15)
    assert not runner.is_alive() and time.monotonic() - began < 5
    state = load_state(path)
    assert state is not None and state.status == "cancelled"
    assert {k: v.status for k, v in state.steps.items()} == {
        "slow": "cancelled",
        "slower": "cancelled",
        "after": "cancelled",
    }
    assert all(entry.pid is None for entry in state.steps.values())
    assert find_pid(marker) is None
    # its work so far is saved on the step branch; the kept worktree is clean
    assert repo.show("workstream/ws-test/step/slow", "wip.txt") == "wip"
    kept = Path(state.steps["slow"].worktree or "")
    assert git(kept, "status", "--porcelain") == ""


def kill_a_runner_mid_step(repo: Repo, sandbox: bool, *, setsid: bool = False) -> tuple[Path, str]:
    """Start ``workstream run`` in a process, SIGKILL it mid-step; the child's marker.

    Without the sandbox the child is orphaned and lives on; with it, it dies with the runner.
    ``setsid``: the child is a daemon in a session of its own, outside the step's group.
    """
    marker = new_marker()
    child = STUBBORN.format(marker=marker)
    if setsid:
        child = f"setsid sh -c \"trap '' TERM HUP; exec sleep {marker}\" </dev/null & wait"
    path = repo.workstream(
        ws(
            {
                "id": "busy",
                "run": f'printf wip > wip.txt; [ -n "$NAP" ] && {child}; true',
                "files": ["wip.txt"],
            },
            {"id": "next", "run": "printf n > n.txt", "depends_on": ["busy"], "files": ["n.txt"]},
            sandbox=sandbox,
        )
    )
    env = {**os.environ, "NAP": "1", "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]}
    runner = subprocess.Popen(
        [sys.executable, "-m", "workstream", "run", str(path)],
        cwd=repo.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state_file = repo.root / ".git" / "workstream" / "ws-test" / "state.json"

    def busy_running() -> bool:
        try:
            data = json.loads(state_file.read_text())
        except (OSError, ValueError):
            return False
        return data["steps"]["busy"]["pid"] is not None and find_pid(marker) is not None

    wait_for(busy_running)
    pid = find_pid(marker)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    assert pid is not None
    if sandbox:  # --die-with-parent: the sandbox goes with its runner
        wait_for(lambda: not alive(pid), timeout=5)
    else:
        assert alive(pid)  # orphaned: nobody will time it out now
    state = load_state(path)
    assert state is not None and state.status == "cancelled"
    assert state.steps["busy"].status == "cancelled" and state.steps["busy"].message == INTERRUPTED
    return path, marker


def test_sigkill_of_the_runner_leaves_nothing_clean_cannot_tidy(repo: Repo, sandbox: bool) -> None:
    path, marker = kill_a_runner_mid_step(repo, sandbox)
    cleaned = subprocess.run(
        [sys.executable, "-m", "workstream", "clean", str(path)],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert cleaned.returncode == 0, cleaned.stderr
    wait_for(lambda: find_pid(marker) is None, timeout=5)
    assert repo.worktrees() == [str(repo.root)]
    assert repo.show("workstream/ws-test/step/busy", "wip.txt") == "wip"
    assert not (repo.root / ".git" / "workstream" / "ws-test" / "worktrees" / "busy").exists()
    # and the next run works normally
    result, _ = run(path)
    assert result.status == "succeeded"


def test_a_run_after_a_sigkilled_runner_stops_its_leftovers(repo: Repo, sandbox: bool) -> None:
    path, marker = kill_a_runner_mid_step(repo, sandbox)
    # the interrupted work was saved by load_state (status) before anything else
    assert repo.show("workstream/ws-test/step/busy", "wip.txt") == "wip"
    result, _ = run(path)  # no clean in between
    assert result.status == "succeeded"
    assert find_pid(marker) is None
    assert repo.worktrees() == [str(repo.root)]


def test_after_a_sigkilled_runner_its_setsid_daemon_is_found_by_its_marker(repo: Repo) -> None:
    """Without the sandbox a daemon that left the step's group and session is found by the
    marker the state file recorded for its command, and stopped before anything else."""
    _, marker = kill_a_runner_mid_step(repo, sandbox=False, setsid=True)
    assert find_pid(marker) is None  # load_state (status) recovered the run
    assert repo.show("workstream/ws-test/step/busy", "wip.txt") == "wip"


def test_clean_saves_what_someone_changed_in_a_kept_worktree_before_removing_it(
    repo: Repo,
) -> None:
    path = repo.workstream(ws({"id": "bad", "run": "printf x > x.txt; exit 1"}))
    result, _ = run(path)
    kept = Path(result.state.steps["bad"].worktree or "")
    (kept / "x.txt").write_text("edited by hand")
    (kept / "new.txt").write_text("new by hand")
    code = subprocess.run(
        [sys.executable, "-m", "workstream", "clean", str(path)],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert code.returncode == 0, code.stderr
    assert not kept.exists() and repo.worktrees() == [str(repo.root)]
    saved = [
        b for b in git(repo.root, "branch", "--format=%(refname:short)").split() if "/saved/" in b
    ]
    assert len(saved) == 1 and saved[0] in code.stdout
    assert repo.show(saved[0], "x.txt") == "edited by hand"
    assert repo.show(saved[0], "new.txt") == "new by hand"
    # the folder workstream made for the worktrees is gone too, now that it is empty
    assert not (repo.root / ".git" / "workstream" / "ws-test" / "worktrees").exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_cli_cancels_the_run(repo: Repo, signum: int) -> None:
    marker = new_marker()
    path = repo.workstream(
        ws(
            {"id": "long", "run": f"sleep {marker} & wait"},
            {"id": "then", "run": "true", "depends_on": ["long"]},
        )
    )
    env = {**os.environ, "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]}
    runner = subprocess.Popen(
        [sys.executable, "-m", "workstream", "run", str(path)],
        cwd=repo.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for(lambda: find_pid(marker) is not None)
    runner.send_signal(signum)
    out, _ = runner.communicate(timeout=20)
    assert runner.returncode == 130, out
    assert "Traceback" not in out and "cancelled" in out
    state = load_state(path)
    assert state is not None and state.status == "cancelled"
    assert {k: v.status for k, v in state.steps.items()} == {
        "long": "cancelled",
        "then": "cancelled",
    }
    wait_for(lambda: find_pid(marker) is None, timeout=5)
