"""A worker's cache clone is its process's own: the workers of one machine (a ``local:N``
cluster's, or several ``dask worker`` processes sharing ``WORKSTREAM_WORKER_DIR``) and the
threads of one worker never trip on each other's git worktree administration.

Before, every worker process of a machine shared one clone per remote, each attempt with a lock
of its own: a ``worktree prune`` removed the ``worktrees`` folder another process was adding
to, ``worktree list`` read a half-written admin folder, and a fetch failed on the HEAD of a
worktree being added ("bad object worktrees/<id>/HEAD", "did not send all necessary
objects"): about one run in two of 16 steps on ``local:2`` failed a step.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import Repo, run, ws
from workstream.executor.cluster_worker import cache_clone

HOLD = (
    "import sys; from pathlib import Path; "
    "from workstream.executor.cluster_worker import cache_clone; "
    "repo, _ = cache_clone(Path(sys.argv[1]), sys.argv[2]); "
    "print(repo.git_dir, flush=True); sys.stdin.readline()"
)


def holding(base: Path, url: str) -> tuple[subprocess.Popen[str], str]:
    """A process that took its clone of ``url`` and keeps it until its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(base), url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def test_each_worker_process_has_a_clone_of_its_own_and_a_dead_ones_is_taken_over(
    tmp_path: Path,
) -> None:
    base, url = tmp_path / "worker", str(tmp_path / "remote.git")
    first, a = holding(base, url)
    second, b = holding(base, url)
    try:
        assert a != b
        assert Path(a, "objects").is_dir() and Path(b, "objects").is_dir()
    finally:
        for proc in (first, second):
            assert proc.stdin is not None
            proc.stdin.close()
            assert proc.wait(timeout=30) == 0
    third, c = holding(base, url)  # both slots are free again: the first one's clone is reused
    assert third.stdin is not None
    third.stdin.close()
    assert third.wait(timeout=30) == 0
    assert c == a


def test_the_threads_of_a_process_share_its_clone_and_its_lock(tmp_path: Path) -> None:
    base, url = tmp_path / "worker", str(tmp_path / "remote.git")
    one, lock = cache_clone(base, url)
    two, again = cache_clone(base, url)
    assert one is two and lock is again
    other, _ = cache_clone(base, str(tmp_path / "other.git"))
    assert other.git_dir != one.git_dir


@pytest.mark.parametrize(
    "cluster", ["local:2", "local:1"], ids=["two-processes", "two-threads-of-one"]
)
def test_steps_of_workers_sharing_a_folder_never_trip_on_each_other(
    tmp_path: Path, cluster: str
) -> None:
    (tmp_path / "repo").mkdir()
    repo = Repo(tmp_path / "repo")
    steps = [
        {"id": f"s{n:02}", "run": f"echo {n} > s{n:02}.txt", "files": [f"s{n:02}.txt"]}
        for n in range(16)
    ]
    path = repo.workstream(ws(*steps, max_workers=2))
    shared = {"WORKSTREAM_WORKER_DIR": str(tmp_path / "worker")}  # as local:N workers share it
    for _ in range(3):
        result, _ = run(path, cluster=cluster, env=shared)
        failed = {k: v.message for k, v in result.state.steps.items() if v.status != "succeeded"}
        assert result.status == "succeeded", failed
        assert repo.files(result.result_branch or "") >= {f"s{n:02}.txt" for n in range(16)}
