"""Where steps run: workers that cannot see the user's repository, both used, placement by
resources, a worker killed mid-step."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path
from typing import Any

from tests.executor.conftest import run, statuses, ws
from tests.executor.test_interrupts import wait_for
from workstream.executor import Executor, RunOptions, RunResult, StepStarted

from .conftest import User, options, who
from .daskproc import DaskCluster


def test_a_step_on_a_worker_cannot_see_the_users_repository(
    cluster: DaskCluster, user: User
) -> None:
    path = user.workstream(
        ws(
            {
                "id": "look",
                "run": f"ls {user.root} > seen.txt 2>&1; echo $? > code.txt; pwd > where.txt",
                "files": ["seen.txt", "code.txt", "where.txt"],
            }
        )
    )
    result, _ = run(path, cluster=cluster.address)
    assert result.status == "succeeded", result.state.steps["look"].message
    commit = result.state.steps["look"].commit or ""
    assert user.show(commit, "code.txt").strip() != "0"
    assert "No such file or directory" in user.show(commit, "seen.txt")
    # it ran in a worktree on the worker, not in the user's repository
    assert str(user.root) not in user.show(commit, "where.txt")


def test_steps_land_on_both_workers(cluster: DaskCluster, user: User) -> None:
    path = user.workstream(ws(*(who(f"s{n}") for n in range(4)), max_workers=4))
    result, _ = run(path, cluster=cluster.address)
    assert result.status == "succeeded", statuses(result)
    names = {user.show(result.result_branch or "", f"s{n}.who") for n in range(4)}
    assert names == {"w1", "w2"}


def test_a_step_needing_a_resource_lands_only_on_a_worker_that_offers_it(
    cluster: DaskCluster, user: User
) -> None:
    gpu = {"gpu": 1}
    path = user.workstream(
        ws(
            *(who(f"g{n}", 0.5, resources=gpu) for n in range(3)),
            *(who(f"c{n}", 0.5) for n in range(3)),
            max_workers=4,
        )
    )
    result, _ = run(path, cluster=cluster.address)
    assert result.status == "succeeded", statuses(result)
    branch = result.result_branch or ""
    assert {user.show(branch, f"g{n}.who") for n in range(3)} == {"w2"}  # started gpu=1
    # w2 has one gpu: they ran one at a time there (Dask queued them, not the run)
    spans = sorted(tuple(map(float, user.show(branch, f"g{n}.when").split())) for n in range(3))
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans)), spans


def test_a_step_needing_a_resource_no_worker_offers_fails_at_once_naming_it(
    cluster: DaskCluster, user: User
) -> None:
    path = user.workstream(
        ws(who("needs-tpu", 0, resources={"tpu": 2}), who("plain", 0), max_workers=2)
    )
    began = time.monotonic()
    result, _ = run(path, cluster=cluster.address)
    assert time.monotonic() - began < 10  # refused, not waited for
    step = result.state.steps["needs-tpu"]
    assert step.status == "failed" and step.reason == "refused", step.message
    assert "tpu=2" in step.message and "--resources" in step.message
    assert result.state.steps["plain"].status == "succeeded"


def test_max_workers_still_caps_the_run(cluster: DaskCluster, user: User) -> None:
    path = user.workstream(ws(*(who(f"s{n}", 0.4) for n in range(3)), max_workers=1))
    result, _ = run(path, cluster=cluster.address)
    assert result.status == "succeeded", statuses(result)
    branch = result.result_branch or ""
    spans = sorted(tuple(map(float, user.show(branch, f"s{n}.when").split())) for n in range(3))
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans)), spans


def test_a_tools_resources_place_its_steps(cluster: DaskCluster, user: User) -> None:
    user.write("gpu_tool.sh", 'sleep 0.3; printf %s "$WORKSTREAM_WORKER" > "$2.who"\n')
    user.commit_all("a tool")
    document = ws(
        *(
            {"id": f"t{n}", "tool": "on-gpu", "tasks": [f"t{n}"], "files": [f"t{n}.who"]}
            for n in range(3)
        ),
        *(who(f"c{n}", 0.3) for n in range(3)),
        max_workers=4,
    )
    document["tools"] = {
        "on-gpu": {"command": ["sh", "gpu_tool.sh", "--", "{prompt}"], "resources": {"gpu": 1}}
    }
    result, _ = run(user.workstream(document), cluster=cluster.address)
    assert result.status == "succeeded", [s.message for s in result.state.steps.values()]
    branch = result.result_branch or ""
    assert {user.show(branch, f"t{n}.who") for n in range(3)} == {"w2"}


def test_cancelling_a_step_still_queued_for_its_resource_ends_at_once(
    cluster: DaskCluster, user: User, tmp_path: Path
) -> None:
    import distributed

    dist: Any = distributed  # untyped
    # w2's one gpu is busy with a task of someone else's until the test releases it
    release = dist.Event(f"release-{time.monotonic_ns()}", client=cluster.client)
    holder = cluster.client.submit(release.wait, 60, resources={"gpu": 1}, pure=False)
    runner: threading.Thread | None = None
    try:
        wait_for(lambda: holder.key in str(cluster.client.processing()), timeout=30)
        ran = tmp_path / "ran" / "queued"
        ran.parent.mkdir()
        queued_step = {"id": "queued", "run": f"touch {ran}", "writable": [str(ran.parent)]}
        path = user.workstream(ws({**queued_step, "resources": {"gpu": 1}}))
        executor = Executor(path, RunOptions(**options(cluster)))
        started = threading.Event()
        executor.subscribe(lambda e: started.set() if isinstance(e, StepStarted) else None)
        outcome: list[RunResult] = []
        runner = threading.Thread(target=lambda: outcome.append(executor.run()))
        runner.start()
        assert started.wait(30)
        time.sleep(0.5)  # submitted, waiting for the gpu
        executor.cancel()
        runner.join(3)
        at_once = not runner.is_alive()
    finally:
        release.set()
        if runner is not None:
            runner.join(60)
        holder.result(timeout=30)  # the gpu is free again for the next tests
    assert at_once, "the run still waits, 3 s after its cancel"
    queued = outcome[0].state.steps["queued"]
    assert queued.status == "cancelled" and "did not confirm" not in queued.message
    time.sleep(2)  # the gpu is free: a task still queued would run now
    assert not ran.exists(), "the cancelled step ran once its resource was free"
