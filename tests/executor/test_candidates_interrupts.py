"""A runner SIGKILLed while two candidates of a step run: each candidate's command was recorded
on its own entry, so the next ``clean`` or ``run --resume`` stops both and saves the interrupted
work of each on its candidate branch and a saved branch of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, Repo, git, ws
from tests.executor.test_interrupts import alive, find_pid, new_marker, wait_for
from workstream.executor import load_state
from workstream.executor.state import INTERRUPTED


@pytest.fixture(params=[True, False], ids=["sandbox", "no-sandbox"])
def sandbox(request: pytest.FixtureRequest) -> bool:
    """Each of these tests runs with the sandbox and without it."""
    return bool(request.param)


def kill_the_runner_while_two_candidates_sleep(repo: Repo, sandbox: bool) -> tuple[Path, list[str]]:
    """Start ``workstream run``, SIGKILL it once both candidates sleep; their markers."""
    markers = [new_marker(), new_marker()]
    child = "(trap '' TERM; exec sleep \"$M\") & wait"
    path = repo.workstream(
        ws(
            {
                "id": "pick",
                "run": f'printf "wip$WORKSTREAM_CANDIDATE" >wip.txt; [ -n "$NAP" ] && {child}; :',
                "files": ["wip.txt"],
                "candidates": [{"env": {"M": m}} for m in markers],
                "select": "first",
            },
            max_workers=2,
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

    def both_sleep() -> bool:
        try:
            cands = json.loads(state_file.read_text())["steps"]["pick"]["candidates"]
        except (OSError, ValueError, KeyError):
            return False
        pids = [c.get("pid") for c in cands]
        return len(pids) == 2 and None not in pids and None not in map(find_pid, markers)

    try:
        wait_for(both_sleep, timeout=30)
        data = json.loads(state_file.read_text())
        pids = [find_pid(m) for m in markers]
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait()
    recorded = [(c["pid"], c["token"]) for c in data["steps"]["pick"]["candidates"]]
    assert len({pid for pid, _ in recorded}) == 2 and all(token for _, token in recorded)
    assert None not in pids
    if sandbox:  # --die-with-parent: the sandboxes go with their runner
        wait_for(lambda: not any(alive(p) for p in pids if p), timeout=5)
    else:
        assert all(alive(p) for p in pids if p)  # orphaned, both
    return path, markers


def saved_branches(repo: Repo) -> dict[int, str]:
    """The saved branch of each candidate's interrupted work, by candidate number."""
    listed = git(
        repo.root,
        "branch",
        "--list",
        "workstream/ws-test/saved/pick@*",
        "--format=%(refname:short)",
    )
    return {int(b.split("@")[1].split("-")[0]): b for b in listed.split()}


def test_clean_after_a_sigkilled_runner_stops_and_saves_every_candidate(
    repo: Repo, sandbox: bool
) -> None:
    path, markers = kill_the_runner_while_two_candidates_sleep(repo, sandbox)
    cleaned = subprocess.run(
        [sys.executable, "-m", "workstream", "clean", str(path)],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert cleaned.returncode == 0, cleaned.stderr
    assert [find_pid(m) for m in markers] == [None, None]
    for n in (1, 2):  # each candidate's work on its own branch
        assert repo.show(f"workstream/ws-test/candidate/pick/{n}", "wip.txt") == f"wip{n}"
    saved = saved_branches(repo)
    assert sorted(saved) == [1, 2]
    assert [repo.show(saved[n], "wip.txt") for n in (1, 2)] == ["wip1", "wip2"]
    assert repo.worktrees() == [str(repo.root)]
    state = load_state(path)
    assert state is not None
    cands = state.steps["pick"].candidates
    assert [c["status"] for c in cands] == ["cancelled", "cancelled"]
    assert [c["message"] for c in cands] == [INTERRUPTED, INTERRUPTED]
    assert all(c["pid"] is None and c["token"] == "" for c in cands)


def test_run_resume_after_a_sigkilled_runner_stops_and_saves_every_candidate(
    repo: Repo, sandbox: bool
) -> None:
    path, markers = kill_the_runner_while_two_candidates_sleep(repo, sandbox)
    resumed = subprocess.run(
        [sys.executable, "-m", "workstream", "run", "--resume", str(path)],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]},
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert [find_pid(m) for m in markers] == [None, None]
    saved = saved_branches(repo)  # the interrupted work outlives the new run's branches
    assert sorted(saved) == [1, 2]
    assert [repo.show(saved[n], "wip.txt") for n in (1, 2)] == ["wip1", "wip2"]
    state = load_state(path)
    assert state is not None and state.status == "succeeded"
    assert state.steps["pick"].status == "succeeded"
