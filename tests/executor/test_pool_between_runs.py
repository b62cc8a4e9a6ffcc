"""The worktree pool outlives its run: the next run reuses it, and nothing leaks through it.

Between two runs anything may write an idle pooled worktree (the user, an editor, a stray
process). The next run's first step there must still see exactly its start point: a tracked
file changed with its size and times put back (git's stat check sees the ctime), untracked
files, and ignored ones unless ``keep-ignored`` — all gone. ``clean`` removes the pool, and
a smaller ``max_workers`` shrinks it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.executor.conftest import Repo, run, statuses, ws
from workstream.executor.clean import clean
from workstream.executor.target import load_target

LOOK = (
    "{ pwd; cat README.md keep.txt; for f in planted.txt cache/planted .venv/marker; do "
    "test -e $f && echo has $f; done; true; } > seen.txt"
)


def one_step(repo: Repo, reuse: str, step_id: str, **execution: object) -> Path:
    return repo.workstream(
        ws({"id": step_id, "run": LOOK, "files": ["seen.txt"]}, reuse=reuse, **execution)
    )


@pytest.mark.parametrize("reuse", ["clean", "keep-ignored"])
def test_the_next_run_reuses_the_pool_and_sees_only_its_start_point(repo: Repo, reuse: str) -> None:
    repo.write(".gitignore", "cache/\n.venv/\n")
    repo.write("keep.txt", "original\n")  # the same in both runs' start points
    first = one_step(repo, reuse, "a", max_workers=1)
    result, _ = run(first)
    assert statuses(result) == {"a": "succeeded"}
    pooled = [Path(p) for p in repo.worktrees(pool=True)[1:]]
    assert [p.name for p in pooled] == [".pool-0"]
    slot = pooled[0]
    # Between the runs: a tracked file rewritten with the same size and its times put back,
    # an untracked file and two ignored ones planted.
    keep = slot / "keep.txt"
    before = keep.stat()
    keep.write_text("tampered\n")  # as long as "original\n"
    os.utime(keep, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert keep.stat().st_size == before.st_size
    (slot / "planted.txt").write_text("x")
    (slot / "cache").mkdir()
    (slot / "cache" / "planted").write_text("x")
    (slot / ".venv").mkdir()
    (slot / ".venv" / "marker").write_text("x")
    repo.write("README.md", "# a new start\n")  # and the user moves on: a new base
    second = one_step(repo, reuse, "b", max_workers=1)
    result, _ = run(second)
    assert statuses(result)["b"] == "succeeded", result.state.message
    seen = repo.show("workstream/ws-test/step/b", "seen.txt").splitlines()
    assert seen[0] == str(slot)  # the same worktree, not a new checkout
    assert seen[1:3] == ["# a new start", "original"]  # the start point's, not the tampered
    kept = ["has cache/planted", "has .venv/marker"] if reuse == "keep-ignored" else []
    assert seen[3:] == kept  # the untracked file never; ignored ones only with keep-ignored
    assert repo.files("workstream/ws-test/step/b") == {
        ".gitignore",
        "README.md",
        "keep.txt",
        "plan.workstream.json",
        "seen.txt",
    }


def test_clean_removes_the_idle_pool_and_the_next_run_makes_it_again(repo: Repo) -> None:
    path = one_step(repo, "clean", "a", max_workers=1)
    result, _ = run(path)
    assert result.status == "succeeded", result.state.message
    assert len(repo.worktrees(pool=True)) == 2
    report = clean(load_target(path))
    assert [p.name for p in report.removed] == [".pool-0"]
    assert repo.worktrees(pool=True) == [str(repo.root)]
    result, _ = run(path)
    assert result.status == "succeeded", result.state.message
    assert [Path(p).name for p in repo.worktrees(pool=True)[1:]] == [".pool-0"]


def test_a_smaller_max_workers_shrinks_the_pool(repo: Repo) -> None:
    two = repo.workstream(
        ws(
            {"id": "a", "run": "sleep 1; pwd > a.txt", "files": ["a.txt"]},
            {"id": "b", "run": "sleep 1; pwd > b.txt", "files": ["b.txt"]},
            max_workers=2,
            reuse="clean",
        )
    )
    result, _ = run(two)
    assert result.status == "succeeded", result.state.message
    names = sorted(Path(p).name for p in repo.worktrees(pool=True)[1:])
    assert names == [".pool-0", ".pool-1"]
    one = repo.workstream(
        ws(
            {"id": "a", "run": "pwd > a.txt", "files": ["a.txt"]},
            {"id": "b", "run": "pwd > b.txt", "files": ["b.txt"]},
            max_workers=1,
            reuse="clean",
        )
    )
    result, _ = run(one)
    assert result.status == "succeeded", result.state.message
    assert [Path(p).name for p in repo.worktrees(pool=True)[1:]] == [".pool-0"]
