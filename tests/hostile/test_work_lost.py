"""No work is lost: edits in kept worktrees survive the next run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, git, run, ws
from workstream.cli import main
from workstream.executor.errors import ExecutorError

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


def test_a_later_run_refuses_to_replace_a_kept_worktree_holding_a_new_ignored_file(
    repo: Guarded,
) -> None:
    """`run` would replace the kept worktree, and no branch can save an ignored `.env`: the
    run refuses before it starts anything, names the file and how to proceed."""
    (repo.root / ".gitignore").write_text(".env\n")
    git(repo.root, "add", ".gitignore")
    git(repo.root, "commit", "-qm", "ignore .env")
    path = repo.workstream(ws({"id": "a", "run": "test -f fixed || exit 1", "files": []}))
    repo.expected = repo.snapshot()
    first, _ = run(path)
    kept = Path(first.state.steps["a"].worktree or "")
    later = time.time() + 5
    (kept / ".env").write_text("SECRET=mine\n")
    os.utime(kept / ".env", (later, later))
    with pytest.raises(ExecutorError, match=r"\.env.*clean --force"):
        run(path)
    assert (kept / ".env").read_text() == "SECRET=mine\n"
    (kept / ".env").unlink()  # moved away: the next run goes on
    second, _ = run(path)
    assert second.state.steps["a"].run_id == second.state.run_id


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


def test_resume_after_a_sigkill_keeps_what_was_added_to_the_kept_worktree(repo: Guarded) -> None:
    """SIGKILL mid-step; someone adds a file to the kept worktree; `run --resume` reruns the
    step (its branch moves on), and the interrupted work with that file stays on a saved/
    branch the run names, never only in a reflog."""
    flag = repo.root / ".git" / "SLOW"
    flag.write_text("1")
    repo.expected = repo.snapshot()
    path = repo.workstream(
        ws(
            {
                "id": "a",
                "run": 'printf y > y.txt; while [ -e "$(git rev-parse --git-common-dir)/SLOW" ]; '
                "do sleep 0.1; done; printf x > x.txt",
                "files": ["x.txt", "y.txt", "mine.txt"],
            },
            sandbox=False,
        )
    )
    env = {**os.environ, "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]}
    runner = subprocess.Popen(
        [sys.executable, "-m", "workstream", "run", str(path)],
        cwd=repo.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state_file = repo.root / ".git" / "workstream" / "ws-test" / "state.json"
    deadline = time.monotonic() + 30
    worktree = ""
    while time.monotonic() < deadline:
        try:
            worktree = json.loads(state_file.read_text())["steps"]["a"]["worktree"] or ""
        except (OSError, ValueError, KeyError):
            worktree = ""
        if worktree and (Path(worktree) / "y.txt").exists():
            break
        time.sleep(0.1)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    flag.unlink()
    repo.expected = repo.snapshot()
    (Path(worktree) / "mine.txt").write_text("added by hand\n")
    result, events = run(path, resume=True)
    assert result.status == "succeeded"
    saved = [
        b for b in git(repo.root, "branch", "--format=%(refname:short)").split() if "/saved/" in b
    ]
    assert any(repo.show(b, "mine.txt") == "added by hand\n" for b in saved), saved
    warnings = [w for e in events if type(e).__name__ == "RunStarted" for w in e.warnings]  # type: ignore[attr-defined]
    assert any("/saved/" in w for w in warnings), warnings
