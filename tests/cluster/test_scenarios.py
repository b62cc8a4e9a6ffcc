"""The executor's scenarios (tests/executor/test_engine.py, test_interrupts.py) on the Dask
backend: each step on a worker that cannot see the user's repository, the results back in it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.executor.conftest import git, run, statuses, ws
from tests.executor.test_engine import write
from tests.executor.test_interrupts import STUBBORN, find_pid, new_marker, wait_for
from workstream.executor import (
    Event,
    Executor,
    RunOptions,
    RunResult,
    StepFinished,
    StepOutput,
    StepStarted,
    load_state,
)

from .conftest import User, options
from .daskproc import DaskCluster


def diamond(user: User) -> dict[str, object]:
    return ws(
        write("a", "a.txt", "a"),
        write("b", "b.txt", "b", depends_on=["a"]),
        write("c", "c.txt", "c", depends_on=["a"]),
        write(
            "d",
            "d.txt",
            "d",
            depends_on=["b", "c"],
            acceptance_tests=["test -f a.txt", "test -f b.txt", "test -f c.txt"],
        ),
        max_workers=2,
    )


def test_diamond_the_result_branch_holds_every_steps_file(cluster: DaskCluster, user: User) -> None:
    result, _ = run(user.workstream(diamond(user)), cluster=cluster.address)
    assert result.status == "succeeded", result.state.steps
    assert statuses(result) == dict.fromkeys("abcd", "succeeded")
    assert result.result_branch == "workstream/ws-test/result"
    assert user.files(result.result_branch) >= {"a.txt", "b.txt", "c.txt", "d.txt"}
    for step in "abcd":
        assert user.show(result.result_branch, f"{step}.txt") == step
    d = result.state.steps["d"]
    assert user.head(result.result_branch) == d.commit
    parents = git(user.root, "rev-list", "--parents", "-n1", d.start_commit or "").split()[1:]
    assert set(parents) == {result.state.steps["b"].commit, result.state.steps["c"].commit}
    assert result.state.cluster == cluster.address
    assert result.state.remote == str(user.remote)


def test_a_failure_skips_its_dependents_while_an_independent_branch_succeeds(
    cluster: DaskCluster, user: User
) -> None:
    path = user.workstream(
        ws(
            {"id": "broken", "run": "printf partial > broken.txt; exit 3", "files": ["broken.txt"]},
            write("after-broken", "x.txt", "x", depends_on=["broken"]),
            write("independent", "z.txt", "z"),
            write("after-independent", "w.txt", "w", depends_on=["independent"]),
            max_workers=2,
        )
    )
    result, _ = run(path, cluster=cluster.address)
    assert result.status == "failed"
    assert statuses(result) == {
        "broken": "failed",
        "after-broken": "skipped",
        "independent": "succeeded",
        "after-independent": "succeeded",
    }
    broken = result.state.steps["broken"]
    assert "exit 3" in broken.message and broken.reason == "exit"
    assert "'broken' failed" in result.state.steps["after-broken"].message
    assert result.result_branch is None and not user.branch_exists("workstream/ws-test/result")
    # its partial work came back from the worker, saved on the step branch
    assert user.show("workstream/ws-test/step/broken", "broken.txt") == "partial"
    assert user.show("workstream/ws-test/step/after-independent", "z.txt") == "z"


def test_a_step_timeout_stops_its_processes_on_the_worker(cluster: DaskCluster, user: User) -> None:
    marker = new_marker()
    path = user.workstream(
        ws(
            {"id": "hangs", "run": STUBBORN.format(marker=marker), "timeout": 1},
            write("fine", "ok.txt", "ok"),
        )
    )
    began = time.monotonic()
    result, _ = run(path, cluster=cluster.address)
    hangs = result.state.steps["hangs"]
    assert hangs.status == "failed" and hangs.reason == "timeout", hangs.message
    assert "timed out after 1s" in hangs.message
    assert result.state.steps["fine"].status == "succeeded"
    wait_for(lambda: find_pid(marker) is None, timeout=2)
    assert time.monotonic() - began < 15  # TERM, 0.5 s grace, KILL: not the child's 60 s


def test_changes_outside_the_scope_are_caught_on_the_worker(
    cluster: DaskCluster, user: User
) -> None:
    path = user.workstream(
        ws(
            {
                "id": "sloppy",
                "run": "printf 1 > allowed.txt; printf 2 > stray.txt; rm README.md",
                "files": ["allowed.txt"],
            },
        )
    )
    result, _ = run(path, cluster=cluster.address)
    sloppy = result.state.steps["sloppy"]
    assert sloppy.status == "failed" and sloppy.reason == "scope", sloppy.message
    assert "README.md" in sloppy.message and "stray.txt" in sloppy.message
    assert "allowed.txt," not in sloppy.message.split("(scope")[0]
    assert "README.md" in user.files("HEAD")  # the user's tree is the user's


def test_resume_reruns_nothing_that_is_up_to_date(cluster: DaskCluster, user: User) -> None:
    path = user.workstream(diamond(user))
    first, _ = run(path, cluster=cluster.address)
    assert first.status == "succeeded"
    second, events = run(path, cluster=cluster.address, resume=True)
    assert [e.step_id for e in events if isinstance(e, StepStarted)] == []
    assert second.status == "succeeded"
    for step in "abcd":
        assert second.state.steps[step].commit == first.state.steps[step].commit
        assert "up to date" in second.state.steps[step].message
    assert second.result_branch == first.result_branch
    assert user.head(second.result_branch or "") == first.state.steps["d"].commit


def test_cancel_mid_step_stops_its_processes_on_the_worker(
    cluster: DaskCluster, user: User
) -> None:
    marker = new_marker()
    path = user.workstream(
        ws(
            {"id": "slow", "run": f"printf wip > wip.txt; {STUBBORN.format(marker=marker)}"},
            {"id": "after", "run": "true", "depends_on": ["slow"]},
        )
    )
    executor = Executor(path, RunOptions(**options(cluster)))
    outcome: list[RunResult] = []
    runner = threading.Thread(target=lambda: outcome.append(executor.run()))
    runner.start()
    try:
        wait_for(lambda: find_pid(marker) is not None, timeout=30)
        began = time.monotonic()
        executor.cancel()
        runner.join(30)
        assert not runner.is_alive(), "the run hangs after cancel"
        assert time.monotonic() - began < 15
    finally:
        executor.cancel()
        runner.join(60)
    assert find_pid(marker) is None
    state = load_state(path)
    assert state is not None and state.status == "cancelled"
    assert statuses(outcome[0]) == {"slow": "cancelled", "after": "cancelled"}
    # its work so far came back from the worker, saved on the step branch
    assert user.show("workstream/ws-test/step/slow", "wip.txt") == "wip"


def test_output_lines_stream_back_while_the_step_runs(cluster: DaskCluster, user: User) -> None:
    path = user.workstream(ws({"id": "talks", "run": "echo first-line; sleep 2; echo last-line"}))
    executor = Executor(path, RunOptions(**options(cluster)))
    seen: dict[str, float] = {}

    def note(event: Event) -> None:
        if isinstance(event, StepOutput) and event.line in ("first-line", "last-line"):
            seen[event.line] = time.monotonic()
        elif isinstance(event, StepFinished):
            seen["finished"] = time.monotonic()

    executor.subscribe(note)
    result = executor.run()
    assert result.status == "succeeded"
    assert seen["last-line"] - seen["first-line"] > 1.5  # as printed, not all at the end
    assert seen["finished"] >= seen["last-line"]
    log = Path(result.state.steps["talks"].log or "").read_text()
    assert "on worker w" in log and "first-line" in log and "last-line" in log


def test_acceptance_tests_run_on_the_worker(cluster: DaskCluster, user: User) -> None:
    path = user.workstream(
        ws(
            write("checked", "c.txt", "c", acceptance_tests=["test -f c.txt", "test -f nope"]),
            write("after", "d.txt", "d", depends_on=["checked"]),
        )
    )
    result, _ = run(path, cluster=cluster.address)
    checked = result.state.steps["checked"]
    assert checked.status == "failed" and checked.reason == "exit", checked.message
    assert "test -f nope" in checked.message
    assert statuses(result)["after"] == "skipped"
