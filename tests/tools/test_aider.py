"""The real aider (aider-chat 0.86.2) run by ``workstream run`` against a fake model.

The seed's example (three aider steps at once) on real git repositories: as in ``samples/``,
in the sandbox and without it; with the target folder already committed (aider then finds
the repository, builds its repo map and writes ``.aider.tags.cache.v4/``); in a repository
without ``.gitignore``. Each time: every step succeeds with exactly its file, the result holds
all three, none of aider's own files (``.aider*``) reaches a commit or the user's tree, the
transcript of each step is kept next to its log, HOME gets no analytics opt-in, and the
model was asked. And a task that starts with ``--`` reaches aider as a message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.tools.conftest import (
    aider_env,
    git,
    has_bwrap,
    make_repo,
    seed_steps,
    seed_text,
    workstream_cli,
)
from tests.tools.fake_model import FakeModel, last_user_text

WS_ID = "ws-example-02-parallel-execution"
BASE_FILES = {"README.md": "# scratch\n", ".gitignore": "__pycache__/\n*.pyc\n"}

pytestmark = pytest.mark.slow
needs_bwrap = pytest.mark.skipif(not has_bwrap(), reason="bubblewrap is not installed")


def user_view(repo: Path) -> tuple[str, str]:
    """What the user sees of their repository: HEAD and ``git status --porcelain --ignored``."""
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain", "--ignored")


def status_json(repo: Path, path: Path, env: dict[str, str]) -> dict[str, Any]:
    out = workstream_cli(repo, env, "status", "--format", "json", path.name)
    assert out.returncode == 0, out.stdout + out.stderr
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def tree(repo: Path, rev: str) -> set[str]:
    return set(git(repo, "ls-tree", "-r", "--name-only", rev).splitlines())


def assert_no_aider_files(paths: set[str] | list[str], where: str) -> None:
    found = [p for p in paths if any(part.startswith(".aider") for part in p.split("/"))]
    assert not found, f"aider's own files in {where}: {found}"


def assert_home_clean(home: Path) -> None:
    """HOME: only aider's folders, and no analytics opt-in."""
    extra = {p.name for p in home.iterdir()} - {".aider", ".cache"}
    assert not extra, f"unexpected files in HOME: {sorted(extra)}"
    cache = home / ".cache"
    if cache.exists():
        assert {p.name for p in cache.iterdir()} <= {"huggingface"}, sorted(cache.iterdir())
    analytics = home / ".aider" / "analytics.json"
    if analytics.exists():
        data = json.loads(analytics.read_text())
        assert data.get("asked_opt_in") is not True, data
        assert data.get("permanently_disable") is not False, data


def run_seed(
    tmp_path: Path,
    aider_bin: Path,
    fake: FakeModel,
    home: Path,
    files: dict[str, str],
    *,
    sandbox: bool = True,
    keep: bool = False,
) -> tuple[Path, Path, dict[str, Any]]:
    """Run the seed example in a fresh repository and check everything a run must keep."""
    repo = tmp_path / "repo"
    path = make_repo(repo, files, seed_text(sandbox=sandbox))
    base = git(repo, "rev-parse", "HEAD").strip()
    before = user_view(repo)
    env = aider_env(aider_bin, fake, home)
    args = ["run", *(["--keep-worktrees"] if keep else []), path.name]
    out = workstream_cli(repo, env, *args)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    assert ("the sandbox is off" in log) is not sandbox, log
    assert "without a sandbox" not in log, log
    state = status_json(repo, path, env)
    steps = seed_steps()
    assert state["status"] == "succeeded", log
    assert {k: v["status"] for k, v in state["steps"].items()} == dict.fromkeys(
        steps, "succeeded"
    ), log
    # Each step's commit holds exactly its file; the result holds all three.
    for step, (file, _task) in steps.items():
        branch = f"workstream/{WS_ID}/step/{step}"
        changed = git(repo, "show", "--name-only", "--format=", branch).split()
        assert changed == [file], (step, changed)
        assert_no_aider_files(tree(repo, branch), branch)
        text = git(repo, "show", f"{branch}:{file}")
        assert text.startswith('"""Create ' + file), text
    result = f"workstream/{WS_ID}/result"
    added = git(repo, "diff", "--name-only", base, result).split()
    assert sorted(added) == sorted(f for f, _ in steps.values()), added
    assert_no_aider_files(tree(repo, result), result)
    all_commits = git(repo, "log", "--all", "--name-only", "--format=").split()
    assert_no_aider_files(all_commits, "the commits")
    # The user's repository: as it was, .gitignore included.
    assert user_view(repo) == before
    assert not list(repo.glob(".aider*"))
    if ".gitignore" in files:
        assert (repo / ".gitignore").read_text() == files[".gitignore"]
        assert git(repo, "show", f"{result}:.gitignore") == files[".gitignore"]
    else:
        assert not (repo / ".gitignore").exists()
        assert ".gitignore" not in tree(repo, result)
    # The transcripts, next to the logs, hold the conversation.
    for step, (file, task) in steps.items():
        entry = state["steps"][step]
        transcript, step_log = Path(entry["transcript"]), Path(entry["log"])
        assert transcript == step_log.with_name(f"{step}.transcript.md")
        assert step_log.is_file()
        talk = transcript.read_text()
        assert f"#### {task}" in talk, talk
        assert f"\n{file}\n```python\n" in talk, talk
        for text in (talk, step_log.read_text()):
            assert "Open documentation" not in text, "aider offered to open a browser"
            assert "Allow collection of anonymous analytics" not in text, "aider asked"
    assert_home_clean(home)
    # The model was asked once per step, with each step's task.
    prompts = [last_user_text(body["messages"]) for body in fake.completions()]
    for _file, task in steps.values():
        assert any(p.startswith(task) for p in prompts), [r["path"] for r in fake.requests]
    return repo, path, state


@needs_bwrap
def test_the_seed_example_in_the_sandbox(
    tmp_path: Path, aider_bin: Path, fake_model: FakeModel, home: Path
) -> None:
    run_seed(tmp_path, aider_bin, fake_model, home, BASE_FILES)


def test_the_seed_example_without_the_sandbox(
    tmp_path: Path, aider_bin: Path, fake_model: FakeModel, home: Path
) -> None:
    run_seed(tmp_path, aider_bin, fake_model, home, BASE_FILES, sandbox=False)


@needs_bwrap
def test_a_committed_target_folder_gives_aider_the_repo_and_its_map(
    tmp_path: Path, aider_bin: Path, fake_model: FakeModel, home: Path
) -> None:
    files = {**BASE_FILES, "examples/__init__.py": ""}
    repo, _path, state = run_seed(tmp_path, aider_bin, fake_model, home, files, keep=True)
    for step in state["steps"]:
        log = Path(state["steps"][step]["log"]).read_text()
        assert "Git repo: none" not in log, log
        assert "Repo-map: using" in log, log
        worktree = repo / ".git" / "workstream" / WS_ID / "worktrees" / step
        assert (worktree / ".aider.tags.cache.v4").is_dir(), sorted(worktree.iterdir())
        assert (worktree / ".aider.input.history").is_file()


@needs_bwrap
def test_a_repository_without_gitignore(
    tmp_path: Path, aider_bin: Path, fake_model: FakeModel, home: Path
) -> None:
    files = {"README.md": "# no ignore file\n", "examples/__init__.py": ""}
    run_seed(tmp_path, aider_bin, fake_model, home, files)


def test_a_task_that_starts_with_dashes_is_a_message(
    tmp_path: Path, aider_bin: Path, fake_model: FakeModel, home: Path
) -> None:
    task = "--help is not what I want: create notes/dash.py with hello and goodbye"
    doc = {
        "id": "ws-dash",
        "execution": {"sandbox": has_bwrap()},
        "steps": [{"id": "dash", "tool": "aider", "tasks": [task], "files": ["notes/dash.py"]}],
    }
    repo = tmp_path / "repo"
    path = make_repo(repo, BASE_FILES, json.dumps(doc, indent=2))
    before = user_view(repo)
    env = aider_env(aider_bin, fake_model, home)
    out = workstream_cli(repo, env, "run", path.name)
    assert out.returncode == 0, out.stdout + out.stderr
    assert git(
        repo, "show", "--name-only", "--format=", "workstream/ws-dash/step/dash"
    ).split() == ["notes/dash.py"]
    text = git(repo, "show", "workstream/ws-dash/step/dash:notes/dash.py")
    assert "def hello(" in text and "def goodbye(" in text, text
    prompts = [last_user_text(body["messages"]) for body in fake_model.completions()]
    assert any(p.startswith(task) for p in prompts), prompts
    assert user_view(repo) == before
    assert_home_clean(home)
