"""Fixtures for executor tests: real git repositories in temporary folders, no mocks.

Every test's repository is checked at teardown: the user's HEAD, current branch, index and
working tree must be exactly as the test last left them, whatever the run did.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workstream.executor import Event, Executor, RunOptions, RunResult

PYTHON_BIN = str(Path(sys.executable).parent)


def git(cwd: Path, *args: str) -> str:
    """Run git and return its stdout (raising on failure)."""
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return out.stdout


class Repo:
    """A scratch repository standing in for the user's."""

    def __init__(self, root: Path) -> None:
        self.root = root
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.name", "Test User")
        git(root, "config", "user.email", "test@example.com")
        (root / "README.md").write_text("# scratch\n")
        (root / ".gitignore").write_text("__pycache__/\n*.pyc\n")
        self.expected = ""
        self.commit_all("initial")

    def commit_all(self, message: str) -> str:
        """Commit everything in the user's tree (as the user would) and remember it."""
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        self.expected = self.snapshot()
        return self.head()

    def head(self, rev: str = "HEAD") -> str:
        return git(self.root, "rev-parse", rev).strip()

    def branch_exists(self, branch: str) -> bool:
        code = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
            cwd=self.root,
            capture_output=True,
        ).returncode
        return code == 0

    def show(self, rev: str, path: str) -> str:
        """A file's content at a revision."""
        return git(self.root, "show", f"{rev}:{path}")

    def files(self, rev: str) -> set[str]:
        return set(git(self.root, "ls-tree", "-r", "--name-only", rev).split())

    def worktrees(self, pool: bool = False) -> list[str]:
        """The repository's worktrees; without ``pool``, not the idle pooled ones a run
        leaves for the next (``.pool-<n>``, removed by ``clean``)."""
        out = git(self.root, "worktree", "list", "--porcelain")
        paths = [line[9:] for line in out.splitlines() if line.startswith("worktree ")]
        return [p for p in paths if pool or not Path(p).name.startswith(".pool-")]

    def snapshot(self) -> str:
        """HEAD, current branch, index entries and every working-tree file, hashed."""
        digest = hashlib.sha256()
        digest.update(git(self.root, "symbolic-ref", "-q", "HEAD").encode())
        digest.update(git(self.root, "rev-parse", "HEAD").encode())
        digest.update(git(self.root, "ls-files", "-s").encode())
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root)
            if rel.parts[0] == ".git" or path.is_dir():
                continue
            digest.update(str(rel).encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def workstream(self, data: dict[str, Any], name: str = "plan.workstream.json") -> Path:
        """Write and commit a workstream file."""
        path = self.write(name, json.dumps(data, indent=2))
        self.commit_all(f"add {name}")
        return path


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    root = tmp_path / "repo"
    root.mkdir()
    scratch = Repo(root)
    yield scratch
    assert scratch.snapshot() == scratch.expected, "the run touched the user's repository"


def ws(*steps: dict[str, Any], ws_id: str = "ws-test", **execution: Any) -> dict[str, Any]:
    """A workstream document (``WORKSTREAM_TEST_REUSE``, JSON, sets ``reuse`` unless given)."""
    mode = os.environ.get("WORKSTREAM_TEST_REUSE")
    if mode:
        execution.setdefault("reuse", json.loads(mode))
    return {"id": ws_id, "execution": execution, "steps": list(steps)}


def run(path: Path, **options: Any) -> tuple[RunResult, list[Event]]:
    """Run a workstream, collecting its events."""
    env = dict(options.pop("env", {}))
    env.setdefault("PATH", PYTHON_BIN + os.pathsep + os.environ.get("PATH", ""))
    options.setdefault("kill_grace", 0.5)
    executor = Executor(path, RunOptions(env=env, **options))
    events: list[Event] = []
    executor.subscribe(events.append)
    return executor.run(), events


def statuses(result: RunResult) -> dict[str, str]:
    return {step: entry.status for step, entry in result.state.steps.items()}


def most_at_once(result: RunResult, among: set[str] | None = None) -> int:
    """The most steps (of ``among``, else all) running at one moment, from recorded times."""
    entries = [e for s, e in result.state.steps.items() if among is None or s in among]
    moments = sorted(
        [(e.started_at or 0.0, 1) for e in entries] + [(e.finished_at or 0.0, -1) for e in entries]
    )
    most = current = 0
    for _, delta in moments:
        current += delta
        most = max(most, current)
    return most
