"""The git side of a cluster run: refs under refs/workstream/ on the remote while it runs and
none after, the user's branches and the remote's untouched, no hook run anywhere; without a
remote, a ``local:N`` run relays through a bare repository of its own."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.executor.conftest import git, run, statuses, ws
from tests.executor.test_engine import write
from workstream.executor import RunResult

from .conftest import User
from .daskproc import DaskCluster


def watching(remote: Path, path: Path, **options: Any) -> tuple[RunResult, set[str]]:
    """Run ``path``, reading the refs under refs/workstream/ of ``remote`` (a bare
    repository) while it runs; the result and every such ref seen."""
    seen: set[str] = set()
    done = threading.Event()

    def watch() -> None:
        argv = ["git", "for-each-ref", "--format=%(refname)", "refs/workstream/"]
        while not done.wait(0.05):  # (a relay is made by the run, and removed)
            out = subprocess.run(
                argv,
                cwd=remote.parent,
                env={**os.environ, "GIT_DIR": str(remote)},
                capture_output=True,
                text=True,
            )
            seen.update(out.stdout.split())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result, _ = run(path, **options)
    finally:
        done.set()
        watcher.join()
    return result, seen


def looked_at(user: User) -> Path:
    """a, then look after it: look naps so that the refs of both can be seen meanwhile."""
    return user.workstream(
        ws(
            write("a", "a.txt", "a"),
            {"id": "look", "depends_on": ["a"], "run": "sleep 1; printf l > l.txt"},
        )
    )


def test_the_run_goes_through_the_remote_and_leaves_nothing_there(
    cluster: DaskCluster, user: User
) -> None:
    assert user.remote is not None
    before = user.remote_refs()
    result, seen = watching(user.remote, looked_at(user), cluster=cluster.address)
    assert result.status == "succeeded", statuses(result)
    prefix = f"refs/workstream/ws-test/{result.run_id}/"
    assert {f"{prefix}a.1/start", f"{prefix}a.1/result"} <= seen
    # look starts at a's result, which a ref of the run holds already: not pushed again
    assert f"{prefix}look.2/start" not in seen
    # afterwards: the remote's refs exactly as before, the results only in the user's repo
    assert user.remote_refs() == before
    assert git(user.remote, "for-each-ref", "refs/workstream/") == ""
    assert user.show("workstream/ws-test/step/a", "a.txt") == "a"
    assert user.show(result.result_branch or "", "l.txt") == "l"
    assert user.hooks_that_ran() == []


def test_no_hook_of_the_remote_or_of_the_user_runs(cluster: DaskCluster, user: User) -> None:
    path = user.workstream(ws(write("a", "a.txt", "a"), write("b", "b.txt", "b")))
    result, _ = run(path, cluster=cluster.address)
    assert result.status == "succeeded", statuses(result)
    assert user.hooks_that_ran() == []
    # the hooks are live: a push of the user's own runs the remote's, and the user's pre-push
    git(user.root, "push", "-q", "origin", "main:refs/heads/pushed-by-the-user")
    ran = user.hooks_that_ran()
    for hook in ("pre-receive", "update", "post-receive"):
        assert f"remote-{hook}" in ran
    assert "user-pre-push" in ran
    git(user.root, "push", "-q", "--no-verify", "origin", ":refs/heads/pushed-by-the-user")
    for marker in user.hooks_ran.iterdir():
        marker.unlink()  # the test's own push, not the run's


def test_a_local_cluster_without_a_remote_relays_and_runs_no_hook_of_the_user(
    dask_cluster: DaskCluster,
) -> None:
    user = User(dask_cluster, origin=False)
    path = user.workstream(
        ws(
            {"id": "a", "run": 'printf %s "$WORKSTREAM_WORKER" > a.who', "files": ["a.who"]},
            {"id": "look", "depends_on": ["a"], "run": "sleep 1; printf l > l.txt"},
        )
    )
    relay = user.root / ".git" / "workstream" / "ws-test" / "relay.git"
    result, seen = watching(relay, path, cluster="local:2")
    assert result.status == "succeeded", statuses(result)
    assert result.state.remote == str(relay)
    prefix = f"refs/workstream/ws-test/{result.run_id}/"
    assert {f"{prefix}a.1/start", f"{prefix}a.1/result"} <= seen
    assert f"{prefix}look.2/start" not in seen  # a's result serves as its start
    branch = result.result_branch or ""
    assert user.show(branch, "a.who") != ""  # it ran on one of the LocalCluster's workers
    assert user.show(branch, "l.txt") == "l"
    assert not relay.exists()  # removed at the run's end
    assert user.hooks_that_ran() == []
    user.check()  # nothing under refs/workstream/ here either, the tree as it was


def test_the_remote_may_be_named_by_its_url(dask_cluster: DaskCluster) -> None:
    user = User(dask_cluster, origin=False)
    elsewhere = dask_cluster.root / "remotes" / f"{user.root.parent.name}-by-url.git"
    git(dask_cluster.root, "init", "-q", "--bare", str(elsewhere))
    path = user.workstream(ws(write("a", "a.txt", "a")))
    result, _ = run(path, cluster=dask_cluster.address, remote=str(elsewhere))
    assert result.status == "succeeded", statuses(result)
    assert result.state.remote == str(elsewhere)
    assert git(elsewhere, "for-each-ref") == ""
    user.check()
