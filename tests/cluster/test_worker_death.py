"""A worker killed (SIGKILL) mid-step: the step fails naming the worker, or with retries it
runs again on the other worker and succeeds; the run never hangs; the worker's nanny brings
the worker back for the next tests. What a killed attempt leaves on its worker (its folder,
worktree and clone refs; without the sandbox, its processes) is swept when the worker is back."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.executor.conftest import git, run, statuses, ws
from tests.executor.test_interrupts import alive, find_pid, new_marker, wait_for
from workstream.executor import Event, Executor, RunOptions, RunResult, StepOutput, StepStarted

from .conftest import User, options, who
from .daskproc import DaskCluster


def victim(marker: str, count: Path, retries: int) -> dict[str, object]:
    """Sleeps (``sleep <marker>``) on its first attempt only; then writes its worker's name."""
    return {
        "id": "victim",
        "writable": [str(count.parent)],
        "run": f"echo x >> {count}; [ $(wc -l < {count}) -ge 2 ] || exec sleep {marker}; "
        'printf %s "$WORKSTREAM_WORKER" > who.txt',
        "files": ["who.txt"],
        "retries": retries,
    }


@dataclass
class Killed:
    result: RunResult
    events: list[Event]
    worker: str  # the worker killed
    took: float  # seconds from the kill to the run's end
    sleeper: int  # the host pid of the step's ``sleep``


def kill_its_worker(cluster: DaskCluster, path: Path, marker: str) -> Killed:
    """Run ``path``; once the victim sleeps, SIGKILL the process of the worker it is on."""
    executor = Executor(path, RunOptions(**options(cluster)))
    events: list[Event] = []
    executor.subscribe(events.append)
    outcome: list[RunResult] = []
    runner = threading.Thread(target=lambda: outcome.append(executor.run()))
    runner.start()
    try:
        wait_for(lambda: find_pid(marker) is not None, timeout=30)
        lines = [e.line for e in events if isinstance(e, StepOutput) and e.step_id == "victim"]
        where = [line.split()[2] for line in lines if line.startswith("on worker ")]
        assert where, lines
        sleeper = find_pid(marker)
        assert sleeper is not None
        os.kill(cluster.worker_pid(where[0]), signal.SIGKILL)
        killed = time.monotonic()
        runner.join(60)
        assert not runner.is_alive(), "the run hangs after its worker died"
        took = time.monotonic() - killed
    finally:
        executor.cancel()
        runner.join(60)
    return Killed(outcome[0], events, where[0], took, sleeper)


def forget(cluster: DaskCluster, killed: Killed) -> None:
    """Remove what the killed attempt left on its worker: its processes, its folder, its refs
    and worktree in the worker's clone (the sweep does it only at that worker's next attempt,
    which the tests below check)."""
    if alive(killed.sleeper):
        os.kill(killed.sleeper, signal.SIGKILL)
    base = cluster.workers[killed.worker].worker_dir
    for folder in (base / "runs" / killed.worker).glob(killed.result.run_id):
        shutil.rmtree(folder)
    for clone in (base / "clones").glob("*.git"):
        for ref in git(clone, "for-each-ref", "--format=%(refname)").split():
            git(clone, "update-ref", "-d", ref)
        git(clone, "worktree", "prune")


@pytest.mark.parametrize("retries", [0, 1], ids=["fails", "retried"])
def test_a_worker_killed_mid_step(
    cluster: DaskCluster, user: User, tmp_path: Path, retries: int
) -> None:
    marker = new_marker()
    (tmp_path / "count").mkdir()
    path = user.workstream(
        ws(
            victim(marker, tmp_path / "count" / "attempts", retries),
            {"id": "after", "run": "true", "depends_on": ["victim"]},
        )
    )
    killed = kill_its_worker(cluster, path, marker)
    try:
        assert killed.took < 30
        # the step's sandbox went with its worker (bubblewrap's --die-with-parent)
        wait_for(lambda: not alive(killed.sleeper), timeout=10)
        result, step = killed.result, killed.result.state.steps["victim"]
        if retries == 0:
            assert statuses(result) == {"victim": "failed", "after": "skipped"}
            assert step.reason == "error" and step.attempts == 1
            assert f"worker {killed.worker} died while it ran victim" in step.message
            assert Path(step.log or "").read_text().count(f"worker {killed.worker} died") == 1
        else:
            assert statuses(result) == {"victim": "succeeded", "after": "succeeded"}
            assert step.attempts == 2
            assert [e.attempt for e in killed.events if isinstance(e, StepStarted)][:2] == [1, 2]
            # retried at once, while the killed worker's nanny still starts it again
            other = ({"w1", "w2"} - {killed.worker}).pop()
            assert user.show(step.commit or "", "who.txt") == other
        cluster.wait_ready()  # its nanny starts it again
        assert killed.worker in cluster.names().values()
    finally:
        forget(cluster, killed)


def test_a_killed_attempt_leaves_no_folder_on_its_worker_once_the_worker_is_back(
    cluster: DaskCluster, user: User
) -> None:
    marker = new_marker()
    # only w2 (gpu=1) takes these steps: the second one runs where the first was killed
    path = user.workstream(
        ws({"id": "victim", "run": f"exec sleep {marker}", "resources": {"gpu": 1}})
    )
    killed = kill_its_worker(cluster, path, marker)
    try:
        assert killed.worker == "w2" and killed.result.state.steps["victim"].status == "failed"
        cluster.wait_ready()
        again = user.workstream(ws(who("next", 0, resources={"gpu": 1}), ws_id="ws-next"))
        assert run(again, cluster=cluster.address)[0].status == "succeeded"
        base = cluster.workers[killed.worker].worker_dir
        assert sorted(str(p) for p in (base / "runs").glob("*/*")) == []
        for clone in (base / "clones").glob("*.git"):
            assert git(clone, "for-each-ref") == ""
    finally:
        forget(cluster, killed)


def test_without_the_sandbox_a_killed_workers_step_processes_stop_too(
    cluster: DaskCluster, user: User, tmp_path: Path
) -> None:
    marker = new_marker()
    (tmp_path / "count").mkdir()
    path = user.workstream(ws(victim(marker, tmp_path / "count" / "attempts", 0), sandbox=False))
    killed = kill_its_worker(cluster, path, marker)
    try:
        assert killed.result.state.steps["victim"].status == "failed"
        cluster.wait_ready()
        time.sleep(2)
        assert not alive(killed.sleeper), "the step's process lives on on the worker"
    finally:
        forget(cluster, killed)
