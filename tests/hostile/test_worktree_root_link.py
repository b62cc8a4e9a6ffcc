"""``execution.worktree_dir`` that is, or becomes, a link into the user's repository.

A link named by ``worktree_dir`` is resolved when the run starts, and a run whose worktrees
would then land inside the repository is refused. Without the sandbox a step can swap the
workstream's worktree folder for a link to the user's repository afterwards: the executor then
put a worktree's ``.git`` file into the user's folder of the step's name (``src/``), and a
reaped worktree there would have been emptied by ``git clean``. The folder holding the
worktrees is checked before anything is written below it: a link there fails the step.
"""

from __future__ import annotations

import os

import pytest

from tests.executor.conftest import run, statuses, ws
from workstream.executor.errors import ExecutorError

from .conftest import Guarded


def test_a_worktree_dir_linked_into_the_repository_is_refused(repo: Guarded, sandbox: bool) -> None:
    os.symlink(repo.root / "src", repo.root.parent / "wt")
    path = repo.workstream(
        ws({"id": "a", "files": ["a"], "run": "echo a > a"}, sandbox=sandbox, worktree_dir="../wt")
    )
    with pytest.raises(ExecutorError, match="inside"):
        run(path)


@pytest.mark.parametrize("swapped", ["workstream-folder", "worktree_dir"])
def test_a_step_that_swaps_the_worktree_folder_for_a_link(
    repo: Guarded, sandbox: bool, swapped: str
) -> None:
    wt = repo.root.parent / "wt"
    wt.mkdir()
    folder = wt / "ws-test" if swapped == "workstream-folder" else wt
    swap = f"mv {folder} {folder}.old && ln -s {repo.root} {folder}; echo a > a"
    path = repo.workstream(
        ws(
            {"id": "src", "files": ["a"], "run": swap},  # src: a folder of the user's
            {"id": "b", "depends_on": ["src"], "files": ["b"], "run": "echo b > b"},
            sandbox=sandbox,
            worktree_dir="../wt",
        )
    )
    result, _ = run(path)
    got = statuses(result)
    if sandbox:  # the folder is read-only there: the swap fails, the steps go on
        assert got == {"src": "succeeded", "b": "succeeded"}, got
    else:
        assert got["src"] == "failed" and got["b"] == "skipped", got
    assert sorted(p.name for p in (repo.root / "src").iterdir()) == ["lib.py"]
    assert not (repo.root / "ws-test").exists() and not (repo.root / ".pool-0").exists()


def test_a_worktree_dir_linked_into_a_separate_git_dir_is_refused(
    repo: Guarded, sandbox: bool
) -> None:
    """A repository whose git dir lies outside its working tree (``--separate-git-dir``)."""
    outside = repo.root.parent / "gitdir"
    (repo.root / ".git").rename(outside)
    (repo.root / ".git").write_text(f"gitdir: {outside}\n")
    os.symlink(outside / "refs", repo.root.parent / "wt")
    path = repo.workstream(
        ws({"id": "a", "files": ["a"], "run": "echo a > a"}, sandbox=sandbox, worktree_dir="../wt")
    )
    refs = sorted(p.name for p in (outside / "refs").iterdir())
    repo.expected = repo.snapshot()
    with pytest.raises(ExecutorError, match="git dir"):
        run(path)
    assert sorted(p.name for p in (outside / "refs").iterdir()) == refs
