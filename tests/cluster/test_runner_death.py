"""The runner (``workstream run --cluster``) SIGKILLed mid-step: a local run's sandbox dies
with its runner (bubblewrap's --die-with-parent); a step on a worker does not outlive it
either, and ``clean`` deletes the refs the killed run left on the remote."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from tests.executor.conftest import PYTHON_BIN, ws
from tests.executor.test_interrupts import STUBBORN, alive, find_pid, new_marker, wait_for

from .conftest import User
from .daskproc import DaskCluster


def test_a_step_on_a_worker_stops_when_its_runner_is_killed(
    cluster: DaskCluster, user: User
) -> None:
    marker = new_marker()
    path = user.workstream(ws({"id": "busy", "run": STUBBORN.format(marker=marker)}))
    env = {**os.environ, "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]}
    runner = subprocess.Popen(
        [sys.executable, "-m", "workstream", "run", str(path), "--cluster", cluster.address],
        cwd=user.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: find_pid(marker) is not None, timeout=30)
        sleeper = find_pid(marker)
        assert sleeper is not None
        runner.send_signal(signal.SIGKILL)
        runner.wait()
        try:
            wait_for(lambda: not alive(sleeper), timeout=15)
        finally:
            if alive(sleeper):
                os.kill(sleeper, signal.SIGKILL)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()

    def attempt_over() -> bool:  # its worker has pushed what it saved and tidied up
        runs = [w.worker_dir / "runs" for w in cluster.workers.values()]
        return not any(any(r.glob("*/*")) for r in runs)

    wait_for(attempt_over, timeout=15)
    assert "refs/workstream/ws-test/" in user.remote_refs()  # what the killed run left
    cleaned = subprocess.run(
        [sys.executable, "-m", "workstream", "clean", str(path)],
        cwd=user.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert re.search(r"deleted \d+ refs? a cluster run left on", cleaned.stdout), cleaned.stdout
    # the fixture checks the remote's refs are as before, the user's tree untouched
