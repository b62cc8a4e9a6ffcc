"""Fixtures for the Dask backend's tests: a real cluster, users' repositories it cannot see.

``dask_cluster`` (one for the folder: starting it costs seconds) is a ``dask scheduler`` and two
``dask worker`` processes on 127.0.0.1 (:mod:`tests.cluster.daskproc`), w1 and w2 (w2 offers
the resource ``gpu=1``), each under bubblewrap with the folder of the users' repositories
hidden. ``user`` is a user's repository (real git) in that folder, its ``origin`` a bare
repository outside it (so the workers reach it), with hooks in both that record any run of
theirs. At each test's end the user's tree, index, HEAD and remote-tracking refs are as the
test left them, the remote's refs are exactly as before (nothing left under
``refs/workstream/``, no branch moved), no hook ran and no worker kept a run's folder.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.executor.conftest import PYTHON_BIN, Repo, git
from workstream.executor.sandbox import find_bwrap

from .daskproc import DaskCluster

#: Hooks that would run on a push to the remote, or on the user's side of a run.
REMOTE_HOOKS = ("pre-receive", "update", "post-receive", "reference-transaction", "post-update")
USER_HOOKS = (
    *REMOTE_HOOKS,
    "pre-push",
    "pre-commit",
    "commit-msg",
    "post-commit",
    "post-checkout",
    "post-merge",
    "pre-auto-gc",
    "post-rewrite",
)

_serial = itertools.count(1)


@pytest.fixture(scope="package")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    if find_bwrap() is None:  # CI installs it (scripts/test.sh)
        pytest.skip("bubblewrap is not usable here: it hides the users' repositories")
    root = tmp_path_factory.mktemp("dask")
    (root / "users").mkdir()
    (root / "remotes").mkdir()
    (root / "hooks-ran").mkdir()
    cluster = DaskCluster(root, hidden=root / "users")
    try:
        cluster.start({"w1": None, "w2": "gpu=1"})
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def cluster(dask_cluster: DaskCluster) -> Iterator[DaskCluster]:
    """The folder's cluster with both workers in it (one a test killed has come back);
    afterwards no worker holds a folder of a run, nor a ref or worktree in its clones."""
    dask_cluster.wait_ready()
    yield dask_cluster
    for worker in dask_cluster.workers.values():
        left = sorted(str(p) for p in (worker.worker_dir / "runs").glob("*/*"))
        assert not left, f"worker {worker.name} kept a run's folder: {left}"
        for clone in (worker.worker_dir / "clones").glob("*.git"):
            assert git(clone, "for-each-ref") == "", f"refs left in {clone}"
            assert list(clone.glob("worktrees/*")) == [], f"worktrees left in {clone}"


class User(Repo):
    """A user's repository in the hidden folder, with a bare ``origin`` the workers reach."""

    def __init__(self, cluster: DaskCluster, origin: bool = True) -> None:
        n = next(_serial)
        root = cluster.hidden / f"u{n}" / "repo"
        root.mkdir(parents=True)
        super().__init__(root)
        self.hooks_ran = cluster.root / "hooks-ran" / f"u{n}"
        self.hooks_ran.mkdir()
        self.remote: Path | None = None
        if origin:
            self.remote = cluster.root / "remotes" / f"u{n}.git"
            git(cluster.root, "init", "-q", "--bare", "-b", "main", str(self.remote))
            git(root, "remote", "add", "origin", str(self.remote))
            git(root, "push", "-q", "origin", "main")
            git(root, "fetch", "-q", "origin")
            plant_hooks(self.remote / "hooks", REMOTE_HOOKS, self.hooks_ran, "remote")
        plant_hooks(root / ".git" / "hooks", USER_HOOKS, self.hooks_ran, "user")
        self.remote_before = self.remote_refs()
        self.tracking_before = self.refs("refs/remotes/")

    def git(self, *args: str) -> str:
        """git in the user's repository as the test (not a run) does it: no hook runs."""
        return git(self.root, "-c", "core.hooksPath=/dev/null", *args)

    def commit_all(self, message: str) -> str:
        """Commit everything, as :meth:`Repo.commit_all` does, without the user's hooks."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        self.expected = self.snapshot()
        return self.head()

    def remote_refs(self) -> str:
        """Every ref on the bare remote, with its object (``git for-each-ref``)."""
        return git(self.remote, "for-each-ref") if self.remote else ""

    def refs(self, prefix: str) -> str:
        return git(self.root, "for-each-ref", prefix)

    def hooks_that_ran(self) -> list[str]:
        return sorted(p.name for p in self.hooks_ran.iterdir())

    def check(self) -> None:
        """Nothing of the user's changed; nothing of the run's is left on the remote."""
        assert self.snapshot() == self.expected, "the run touched the user's repository"
        assert self.remote_refs() == self.remote_before, "the remote's refs changed"
        assert self.refs("refs/remotes/") == self.tracking_before
        assert self.refs("refs/workstream/") == ""
        assert self.hooks_that_ran() == [], "a hook ran"


def plant_hooks(folder: Path, names: tuple[str, ...], record: Path, side: str) -> None:
    """Executable hooks that each leave a file named after themselves in ``record``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        hook = folder / name
        hook.write_text(f"#!/bin/sh\ntouch '{record}/{side}-{name}'\ncat >/dev/null\nexit 0\n")
        hook.chmod(0o755)


@pytest.fixture
def user(cluster: DaskCluster) -> Iterator[User]:
    scratch = User(cluster)
    yield scratch
    scratch.check()


def options(cluster: DaskCluster | str, **extra: Any) -> dict[str, Any]:
    """RunOptions' keywords for a run on ``cluster`` (the tests' PATH, a short kill grace)."""
    env = dict(extra.pop("env", {}))
    env.setdefault("PATH", PYTHON_BIN + os.pathsep + os.environ.get("PATH", ""))
    address = cluster if isinstance(cluster, str) else cluster.address
    return {"cluster": address, "env": env, "kill_grace": 0.5, **extra}


def who(step_id: str, nap: float = 1.0, **extra: object) -> dict[str, object]:
    """A step that writes the name of the worker it ran on, after a nap (so steps overlap),
    and when its nap began and ended on that worker."""
    return {
        "id": step_id,
        "run": f"date +%s.%N > {step_id}.when; sleep {nap}; date +%s.%N >> {step_id}.when; "
        f'printf %s "$WORKSTREAM_WORKER" > {step_id}.who',
        "files": [f"{step_id}.who", f"{step_id}.when"],
        **extra,
    }
