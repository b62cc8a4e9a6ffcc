"""No work is lost: edits in kept worktrees survive the next run."""

from __future__ import annotations

from pathlib import Path

from tests.executor.conftest import git, run, ws

from .conftest import Guarded


def test_a_later_run_saves_edits_made_in_a_kept_worktree(repo: Guarded) -> None:
    path = repo.workstream(ws({"id": "a", "run": "printf a > a.txt; exit 1", "files": ["a.txt"]}))
    repo.expected = repo.snapshot()
    first, _ = run(path)
    kept = Path(first.state.steps["a"].worktree or "")
    (kept / "a.txt").write_text("fixed by hand")
    (kept / "b.txt").write_text("new by hand")
    _, events = run(path)
    saved = [
        b for b in git(repo.root, "branch", "--format=%(refname:short)").split() if "/saved/" in b
    ]
    assert len(saved) == 1
    assert repo.show(saved[0], "a.txt") == "fixed by hand"
    assert repo.show(saved[0], "b.txt") == "new by hand"
    started = [e for e in events if type(e).__name__ == "RunStarted"]
    assert any(saved[0] in w for w in started[0].warnings)  # type: ignore[attr-defined]
