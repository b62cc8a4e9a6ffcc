"""The hostile suite: workstream files and steps that try to damage the user's repository.

Every test gets a fresh real repository (:class:`Guarded`) whose whole state is recorded:
HEAD, branch, index, every working-tree file (untracked ones too), the config, the hooks and
every branch but the executor's own. At teardown it must be exactly as recorded, no process a
test started may be left, and nothing may exist outside the places the executor owns.
Tests that depend on confinement run twice: with the sandbox and without it (the tripwire).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.executor.conftest import Repo, git


class Guarded(Repo):
    """A scratch repository whose snapshot also covers config, hooks, info and branches."""

    def snapshot(self) -> str:
        digest = hashlib.sha256(super().snapshot().encode())
        for name in ("config", "HEAD"):  # refs are compared below, whatever their storage
            path = self.root / ".git" / name
            digest.update(name.encode() + (path.read_bytes() if path.exists() else b"-"))
        for folder in ("hooks", "info"):
            for path in sorted((self.root / ".git" / folder).rglob("*")):
                if path.is_file():
                    digest.update(str(path).encode() + path.read_bytes())
        refs = git(self.root, "for-each-ref", "--format=%(refname) %(objectname)")
        own = [line for line in refs.splitlines() if " " in line]
        digest.update(
            "\n".join(r for r in own if not r.startswith("refs/heads/workstream/")).encode()
        )
        return digest.hexdigest()


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Guarded]:
    root = tmp_path / "repo"
    root.mkdir()
    scratch = Guarded(root)
    (root / "src").mkdir()
    (root / "src" / "lib.py").write_text("VALUE = 1\n")
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text("# guide\n")
    scratch.commit_all("a project")
    (root / "notes.txt").write_text("untracked notes of the user\n")  # never committed
    scratch.expected = scratch.snapshot()
    yield scratch
    assert scratch.snapshot() == scratch.expected, "the user's repository was changed"


@pytest.fixture(params=[True, False], ids=["sandbox", "no-sandbox"])
def sandbox(request: pytest.FixtureRequest) -> bool:
    """Run the test with the sandbox on, and again with it off (the tripwire's case)."""
    return bool(request.param)


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ")[1][0]
        except (OSError, IndexError):
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found
