"""No work is lost: edits in kept worktrees survive the next run."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.executor.conftest import git, run, ws
from workstream.cli import main

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


def test_clean_keeps_a_worktree_holding_an_ignored_file_made_after_its_step(
    repo: Guarded, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `.env` (ignored) made by hand in a kept worktree: no branch can save it, so clean
    leaves the worktree and says why; --force removes it. Ignored files its step (or setup)
    made do not hold it."""
    (repo.root / ".gitignore").write_text("__pycache__/\n*.pyc\n.env\nbuild/\n")
    git(repo.root, "add", ".gitignore")
    git(repo.root, "commit", "-qm", "ignore .env and build/")
    path = repo.workstream(
        ws({"id": "a", "run": "mkdir -p build; printf x > build/out; exit 1", "files": []})
    )
    first, _ = run(path)
    kept = Path(first.state.steps["a"].worktree or "")
    assert (kept / "build" / "out").is_file()
    later = time.time() + 5
    (kept / ".env").write_text("SECRET=mine\n")
    os.utime(kept / ".env", (later, later))
    assert main(["clean", str(path)]) == 1  # something was left, and why is said
    out = capsys.readouterr()
    assert kept.is_dir() and (kept / ".env").read_text() == "SECRET=mine\n"
    assert ".env" in out.out + out.err and "--force" in out.out + out.err
    # its step's own ignored output alone does not hold it
    (kept / ".env").unlink()
    assert main(["clean", str(path)]) == 0
    assert not kept.exists()


def test_clean_force_removes_it_anyway(repo: Guarded) -> None:
    (repo.root / ".gitignore").write_text(".env\n")
    git(repo.root, "add", ".gitignore")
    git(repo.root, "commit", "-qm", "ignore .env")
    path = repo.workstream(ws({"id": "a", "run": "exit 1", "files": []}))
    first, _ = run(path)
    kept = Path(first.state.steps["a"].worktree or "")
    later = time.time() + 5
    (kept / ".env").write_text("x")
    os.utime(kept / ".env", (later, later))
    assert main(["clean", str(path), "--force"]) == 0
    assert not kept.exists()
