"""Nothing a step starts outlives it: daemons, orphans and the runner's own death."""

from __future__ import annotations

import time

from tests.executor.conftest import run, ws

from .conftest import Guarded, processes_with


def test_a_setsid_daemon_that_ignores_term_dies_with_its_step(repo: Guarded) -> None:
    marker = "61.424242"
    daemon = f"setsid sh -c \"trap '' TERM HUP; exec sleep {marker}\" </dev/null >/dev/null 2>&1 &"
    path = repo.workstream(ws({"id": "a", "run": daemon + " sleep 0.2", "files": []}))
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert result.status == "succeeded"
    deadline = time.monotonic() + 5
    while processes_with(f"sleep {marker}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_with(f"sleep {marker}") == []


def test_a_timed_out_daemon_is_gone_too(repo: Guarded) -> None:
    marker = "62.424242"
    daemon = f"setsid sh -c \"trap '' TERM HUP; exec sleep {marker}\" </dev/null >/dev/null 2>&1 &"
    path = repo.workstream(ws({"id": "a", "run": daemon + " sleep 30", "timeout": 1}))
    repo.expected = repo.snapshot()
    result, _ = run(path, kill_grace=0.3)
    assert result.state.steps["a"].reason == "timeout"
    time.sleep(0.5)
    assert processes_with(f"sleep {marker}") == []
