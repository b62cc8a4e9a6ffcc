"""``execution.timeout``: the whole run's limit. When it passes the running step is stopped with
its changes saved, the steps not started are skipped, the run fails saying why, and nothing it
started keeps running."""

from __future__ import annotations

import subprocess
import time

from .conftest import Repo, run, statuses, ws


def test_the_run_timeout_stops_saves_and_skips(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            {"id": "quick", "run": "true", "files": []},
            {
                "id": "slow",
                "run": "printf half > slow.txt; sleep 0.1; exec sleep 37.5",
                "files": ["slow.txt"],
                "depends_on": ["quick"],
            },
            {"id": "later", "run": "true", "files": [], "depends_on": ["quick"]},
            {"id": "after", "run": "true", "files": [], "depends_on": ["slow"]},
            max_workers=1,
            timeout="${env.WS_TEST_NO_SUCH_VAR:-2}",
        )
    )
    began = time.monotonic()
    result, _ = run(path)
    took = time.monotonic() - began
    assert took < 15, took
    assert result.status == "failed"
    state = result.state
    assert state.message.startswith("timed out after 2 s (execution.timeout): ")
    note = "no result: the run timed out after 2 s (execution.timeout);"
    assert state.result_note.startswith(note)
    got = statuses(result)
    assert got["quick"] == "succeeded"
    assert got["slow"] == "cancelled"
    slow = state.steps["slow"]
    assert slow.message.startswith("stopped: the run timed out after 2 s (execution.timeout)")
    assert slow.saved_commit and repo.show(slow.saved_commit, "slow.txt") == "half"
    # 'later' and 'after' never started: skipped, saying why (which ran second is the
    # scheduler's choice: slow has the longer chain)
    for step in ("later", "after"):
        assert got[step] == "skipped", got
        assert "timed out" in state.steps[step].message
    left = subprocess.run(["pgrep", "-f", "sleep 37.5"], capture_output=True, text=True)
    assert left.stdout == "", "a step's process outlived the run's timeout"


def test_without_a_timeout_nothing_is_stopped(repo: Repo) -> None:
    path = repo.workstream(ws({"id": "a", "run": "sleep 0.3", "files": []}, timeout=60))
    result, _ = run(path)
    assert result.status == "succeeded" and result.state.result_note == ""
