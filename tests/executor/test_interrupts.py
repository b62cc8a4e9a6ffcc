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

from workstream.executor import (
    Executor,
    RunOptions,
    StepStarted,
    load_state,
)
from workstream.executor.state import INTERRUPTED

from .conftest import PYTHON_BIN, Repo, git, run, ws

# A child that ignores SIGTERM (the ignore survives exec), so only SIGKILL stops it; it
# records its pid where the test can check it.
STUBBORN = "(trap '' TERM; exec sleep 60) & echo $! > {pidfile}; wait"


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_a_timeout_kills_the_whole_group_including_a_child_ignoring_term(
    repo: Repo, tmp_path: Path
) -> None:
    pidfile = tmp_path / "child.pid"
    path = repo.workstream(
        ws(
            {"id": "hangs", "run": STUBBORN.format(pidfile=pidfile), "timeout": 1},
            {"id": "fine", "run": "printf ok > ok.txt", "files": ["ok.txt"]},
        )
    )
    began = time.monotonic()
    result, _ = run(path, kill_grace=0.5)
    took = time.monotonic() - began
    hangs = result.state.steps["hangs"]
    assert hangs.status == "failed" and hangs.reason == "timeout"
    assert "timed out after 1s" in hangs.message
    assert result.state.steps["fine"].status == "succeeded"
    child = int(pidfile.read_text())
    wait_for(lambda: not alive(child), timeout=2)
    assert took < 10  # TERM, 0.5 s grace, KILL: not the child's 60 s


def test_cancel_mid_run_kills_running_steps_and_leaves_a_consistent_state(
    repo: Repo, tmp_path: Path
) -> None:
    pidfile = tmp_path / "child.pid"
    path = repo.workstream(
        ws(
            {"id": "slow", "run": f"printf wip > wip.txt; {STUBBORN.format(pidfile=pidfile)}"},
            {"id": "slower", "run": "sleep 60"},
            {"id": "after", "run": "true", "depends_on": ["slow"]},
            max_workers=2,
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
    wait_for(pidfile.exists)
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
    assert not alive(int(pidfile.read_text()))
    # its work so far is saved on the step branch; the kept worktree is clean
    assert repo.show("workstream/ws-test/step/slow", "wip.txt") == "wip"
    kept = Path(state.steps["slow"].worktree or "")
    assert git(kept, "status", "--porcelain") == ""


def kill_a_runner_mid_step(repo: Repo, tmp_path: Path) -> tuple[Path, int]:
    """Start ``workstream run`` in a process, SIGKILL it mid-step; the orphaned child's pid."""
    pidfile = tmp_path / "child.pid"
    path = repo.workstream(
        ws(
            {
                "id": "busy",
                "run": "printf wip > wip.txt; "
                f'[ -n "$NAP" ] && {STUBBORN.format(pidfile=pidfile)}; true',
                "files": ["wip.txt"],
            },
            {"id": "next", "run": "printf n > n.txt", "depends_on": ["busy"], "files": ["n.txt"]},
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
        return data["steps"]["busy"]["pid"] is not None and pidfile.exists()

    wait_for(busy_running)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    child = int(pidfile.read_text())
    assert alive(child)  # orphaned: nobody will time it out now
    state = load_state(path)
    assert state is not None and state.status == "cancelled"
    assert state.steps["busy"].status == "cancelled" and state.steps["busy"].message == INTERRUPTED
    return path, child


def test_sigkill_of_the_runner_leaves_nothing_clean_cannot_tidy(repo: Repo, tmp_path: Path) -> None:
    path, child = kill_a_runner_mid_step(repo, tmp_path)
    cleaned = subprocess.run(
        [sys.executable, "-m", "workstream", "clean", str(path)],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert cleaned.returncode == 0, cleaned.stderr
    assert "saved interrupted work" in cleaned.stdout
    wait_for(lambda: not alive(child), timeout=5)
    assert repo.worktrees() == [str(repo.root)]
    assert repo.show("workstream/ws-test/step/busy", "wip.txt") == "wip"
    assert not (repo.root / ".git" / "workstream" / "ws-test" / "worktrees" / "busy").exists()
    # and the next run works normally
    result, _ = run(path)
    assert result.status == "succeeded"


def test_a_run_after_a_sigkilled_runner_stops_its_leftovers(repo: Repo, tmp_path: Path) -> None:
    path, child = kill_a_runner_mid_step(repo, tmp_path)
    result, _ = run(path)  # no clean in between
    assert result.status == "succeeded"
    assert not alive(child)
    assert repo.worktrees() == [str(repo.root)]


def test_clean_refuses_a_kept_worktree_someone_changed_unless_forced(repo: Repo) -> None:
    path = repo.workstream(ws({"id": "bad", "run": "printf x > x.txt; exit 1"}))
    result, _ = run(path)
    kept = Path(result.state.steps["bad"].worktree or "")
    (kept / "x.txt").write_text("edited by hand")
    code = subprocess.run(
        [sys.executable, "-m", "workstream", "clean", str(path)],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert code.returncode == 1 and "uncommitted" in code.stderr and kept.exists()
    code = subprocess.run(
        [sys.executable, "-m", "workstream", "clean", "--force", str(path)],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert code.returncode == 0 and not kept.exists()
    assert repo.worktrees() == [str(repo.root)]


def test_ctrl_c_in_the_cli_cancels_the_run_and_exits_130(repo: Repo, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    path = repo.workstream(
        ws(
            {"id": "long", "run": f"sleep 60 & echo $! > {pidfile}; wait"},
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
    wait_for(pidfile.exists)
    runner.send_signal(signal.SIGINT)
    out, _ = runner.communicate(timeout=20)
    assert runner.returncode == 130, out
    assert "Traceback" not in out and "cancelled" in out
    state = load_state(path)
    assert state is not None and state.status == "cancelled"
    assert {k: v.status for k, v in state.steps.items()} == {
        "long": "cancelled",
        "then": "cancelled",
    }
    wait_for(lambda: not alive(int(pidfile.read_text())), timeout=5)
