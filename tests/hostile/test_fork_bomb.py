"""A fork bomb in a step: the runner stays responsive, stops it at the step's timeout, and
nothing it forked is left (with the sandbox: its PID namespace; without: its process group).

Safe for the machine: the bomb is bounded (a binary tree of forks nine levels deep, about a
thousand sleeping processes; a fork storm of at most 1,500), whatever the process limits (a
root user ignores RLIMIT_NPROC, so ``ulimit -u`` would bound nothing here).
"""

from __future__ import annotations

import os
import time

import pytest

from tests.executor.conftest import run, statuses, ws

from .conftest import Guarded, processes_with

BOMBS = {
    # :(){ :|:& };: with a depth bound
    "tree": "b(){{ if [ $1 -lt 9 ]; then b $(($1+1)) & b $(($1+1)) & fi; sleep {mark}; }}; b 0",
    # orphans made as fast as the shell can fork: each (… &) exits at once
    "storm": "for i in $(seq 1500); do (sleep {mark} &); done; sleep {mark}",
}


@pytest.mark.parametrize("bomb", BOMBS)
def test_a_bounded_fork_bomb_is_stopped_at_the_timeout(
    repo: Guarded, sandbox: bool, bomb: str
) -> None:
    mark = f"{600 + os.getpid() % 300}.{len(bomb)}7"  # sleep's argument: ours only
    path = repo.workstream(
        ws(
            {"id": "bomb", "files": ["x"], "timeout": 4, "run": BOMBS[bomb].format(mark=mark)},
            {"id": "calm", "files": ["y"], "run": "echo y > y"},
            sandbox=sandbox,
        )
    )
    started = time.monotonic()
    result, _ = run(path)
    took = time.monotonic() - started
    got = statuses(result)
    assert got == {"bomb": "failed", "calm": "succeeded"}, got
    assert "timed out after 4s" in result.state.steps["bomb"].message
    assert took < 30, f"the run took {took:.1f}s with a 4 s timeout"
    deadline = time.monotonic() + 5
    while processes_with(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(mark) == [], "processes of the bomb outlived its step"
