"""A step that removes its worktree folder or replaces it with a link (to the user's
repository, or anywhere) fails, and nothing the executor does next follows the link.

Without the sandbox a step can do this; the executor then resets the worktree's ``.git``,
snapshots, tidies and removes it. Through a link to the user's repository those would delete
the user's ``.git`` and run ``git clean`` in their tree. The folder is put back empty instead.
"""

from __future__ import annotations

import pytest

from tests.executor.conftest import run, statuses, ws
from workstream.executor.events import StepFinished

from .conftest import Guarded

SWAPS = {
    "link-to-repo": 'W=$PWD; cd /; rm -rf "$W"; ln -s {repo} "$W"',
    "link-to-git": 'W=$PWD; cd /; rm -rf "$W"; ln -s {repo}/.git "$W"',
    "removed": 'W=$PWD; cd /; rm -rf "$W"',
    "file": 'W=$PWD; cd /; rm -rf "$W"; echo x > "$W"',
}


@pytest.mark.parametrize("swap", SWAPS)
@pytest.mark.parametrize("then", ["exit 0", "exit 3"])
def test_a_step_that_replaces_its_worktree_fails_and_the_repository_is_intact(
    repo: Guarded, swap: str, then: str
) -> None:
    command = SWAPS[swap].format(repo=repo.root) + f"; {then}"
    path = repo.workstream(
        ws(
            {"id": "a", "files": ["x"], "run": command},
            {"id": "b", "files": ["y"], "run": "echo y > y"},
            {"id": "c", "depends_on": ["a"], "files": ["z"], "run": "echo z > z"},
            sandbox=False,
        )
    )
    result, events = run(path)
    got = statuses(result)
    assert got["a"] == "failed" and got["b"] == "succeeded" and got["c"] == "skipped", got
    finished = {e.step_id: e for e in events if isinstance(e, StepFinished)}
    if then == "exit 0":  # a failing command fails first; its worktree is still reclaimed
        assert "replaced its worktree" in finished["a"].message or "removed its worktree" in (
            finished["a"].message
        ), finished["a"].message
    assert (repo.root / ".git" / "HEAD").is_file() and (repo.root / "notes.txt").is_file()
    # the run's own state is readable, and the user's repository is checked at teardown
    assert (repo.root / "src" / "lib.py").read_text() == "VALUE = 1\n"
