"""`writable` cannot open the sandbox: a folder git, a shell or ssh reads outside it is refused
by the checks (so the run refuses the file), and a folder that is or holds a folder on the
step's PATH is refused when the step starts; the user's repository stays as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, git, run, statuses, ws
from workstream.executor import WorkstreamInvalid
from workstream.executor.sandbox import find_bwrap
from workstream.model import build

from .conftest import Guarded

needs_bwrap = pytest.mark.skipif(find_bwrap() is None, reason="bubblewrap is not installed")


@pytest.mark.parametrize("entry", ["~/.config", "~/.local", "~/.ssh", "~/.bashrc", "/usr/local"])
def test_a_file_asking_to_write_what_git_or_a_shell_reads_does_not_run(
    repo: Guarded, entry: str, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    path = repo.workstream(
        ws(
            {"id": "a", "run": f"touch {marker}", "files": []},
            writable=[entry],
        )
    )
    with pytest.raises(WorkstreamInvalid) as refused:
        run(path)
    assert [f.code for f in refused.value.findings] == ["WS207"]
    assert not marker.exists()


@needs_bwrap
def test_a_writable_folder_holding_a_path_folder_is_refused_at_start(
    repo: Guarded, tmp_path: Path
) -> None:
    tools = tmp_path / "mytools"
    (tools / "bin").mkdir(parents=True)
    path = repo.workstream(
        ws(
            {"id": "a", "run": "printf x > a.txt", "files": ["a.txt"], "writable": [str(tools)]},
        )
    )
    env = {"PATH": os.pathsep.join([str(tools / "bin"), PYTHON_BIN, "/usr/bin", "/bin"])}
    result, _ = run(path, env=env)
    assert statuses(result) == {"a": "failed"}
    message = result.state.steps["a"].message
    assert f"writable {tools} would let a step write {tools / 'bin'}, a folder on PATH" in message
    assert not list((tools / "bin").iterdir())


def test_an_override_running_another_program_gets_none_of_the_builtins_folders() -> None:
    model = build(
        {
            "id": "ws",
            "tools": {
                "claude": {"command": ["sh", "-c", "echo hi", "{prompt}"]},
                "codex": {"command": ["codex", "exec", "--model", "x", "--", "{prompt}"]},
            },
            "steps": [],
        }
    )
    assert model is not None
    assert model.tools["claude"].writable == () and model.tools["claude"].bookkeeping == ()
    assert model.tools["codex"].writable == ("~/.codex",)


def test_a_kept_worktree_runs_no_config_the_step_wrote(
    repo: Guarded, sandbox: bool, tmp_path: Path
) -> None:
    """With extensions.worktreeConfig (which `git sparse-checkout init` sets), git reads a
    worktree's own config.worktree: a failed step that wrote one must not have it run by the
    user's next `git status` in the kept worktree."""
    git(repo.root, "config", "extensions.worktreeConfig", "true")
    repo.expected = repo.snapshot()
    marker = tmp_path / "fsmonitor-ran"
    evil = (
        "printf '[core]\\n\\tfsmonitor = \"touch " + str(marker) + "; false\"\\n' "
        '> "$(git rev-parse --absolute-git-dir)/config.worktree"; echo hi > x.txt; exit 1'
    )
    path = repo.workstream(ws({"id": "a", "run": evil, "files": ["x.txt"]}, sandbox=sandbox))
    result, _ = run(path)
    entry = result.state.steps["a"]
    assert entry.status == "failed" and entry.worktree
    subprocess.run(["git", "status"], cwd=entry.worktree, capture_output=True, check=False)
    assert not marker.exists(), "the step's config.worktree ran in the user's git"


def test_after_a_sigkill_the_kept_worktree_runs_no_config_the_step_wrote(
    repo: Guarded, sandbox: bool, tmp_path: Path
) -> None:
    """Recovery (the next status, run or clean after a killed runner) resets the interrupted
    step's admin files too: its config.worktree never reaches the user's git."""
    git(repo.root, "config", "extensions.worktreeConfig", "true")
    repo.expected = repo.snapshot()
    marker = tmp_path / "fsmonitor-ran"
    evil = (
        "printf '[core]\\n\\tfsmonitor = \"touch " + str(marker) + "; false\"\\n' "
        '> "$(git rev-parse --absolute-git-dir)/config.worktree"; echo hi > x.txt; '
        "printf w > ready.txt; exec sleep 600"
    )
    path = repo.workstream(
        ws({"id": "a", "run": evil, "files": ["x.txt", "ready.txt"]}, sandbox=sandbox)
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
    worktree = None
    while time.monotonic() < deadline:
        try:
            worktree = json.loads(state_file.read_text())["steps"]["a"]["worktree"]
        except (OSError, ValueError, KeyError):
            worktree = None
        if worktree and (Path(worktree) / "ready.txt").exists():
            break
        time.sleep(0.1)
    assert worktree, "the step never started"
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    status = subprocess.run(
        [sys.executable, "-m", "workstream", "status", str(path)],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in status.stderr
    kept = json.loads(state_file.read_text())["steps"]["a"]["worktree"]
    assert kept and Path(kept).is_dir()
    subprocess.run(["git", "status"], cwd=kept, capture_output=True, check=False)
    assert not marker.exists(), "the step's config.worktree ran in the user's git"
    subprocess.run(
        [sys.executable, "-m", "workstream", "clean", str(path), "--force"],
        cwd=repo.root,
        env=env,
        capture_output=True,
    )
