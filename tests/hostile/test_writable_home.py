"""`writable` below HOME is an allow-list (issue 8, found by an attack): an entry that would
show a hidden credential again, or let a step plant what Python, a shell, an editor or an
agent runs at its next start, is WS207 on its own token in `workstream check`, and `run`
refuses the file; under the sandbox a link that leads there is refused when the step starts,
while a cache of the step's tool is written freely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, run, statuses, ws
from workstream.executor.sandbox import find_bwrap

from .conftest import Guarded

needs_bwrap = pytest.mark.skipif(find_bwrap() is None, reason="bubblewrap is not installed")

ATTACKS = {
    "secret-docker": "~/.docker",
    "secret-gh": "~/.config/gh",
    "secret-keyrings": "~/.local/share",
    "python-site-packages": "~/.local/lib/python3.11/site-packages",
    "python-ipython-startup": "~/.ipython",
    "shell-bash-aliases": "~/.bash_aliases",
    "shell-zshenv": "~/.zshenv",
    "editor-nvim": "~/.config/nvim",
    "editor-vimrc": "~/.vimrc",
    "editor-emacs": "~/.emacs.d",
    "agent-codex-env": "~/.codex/.env",
    "agent-gemini-env": "~/.gemini/.env",
    "agent-claude-rules": "~/.claude/rules",
    "agent-gemini-trusted-folders": "~/.gemini/trustedFolders.json",
    "agent-claude-statusline": "~/.claude/statusline-command.sh",
    "agent-codex-system-skills": "~/.codex/skills/.system",
}


def cli(repo: Guarded, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workstream", *args],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def token_range(text: str, token: str) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) of ``token`` in ``text``, 1-based, end exclusive."""
    at = text.index(token)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, column, line, column + len(token)


@pytest.mark.parametrize("entry", ATTACKS.values(), ids=ATTACKS.keys())
def test_check_finds_it_on_its_token_and_run_refuses(
    repo: Guarded, tmp_path: Path, entry: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    marker = tmp_path / "ran"
    step = {"id": "a", "run": f"touch {marker}", "files": [], "writable": [entry]}
    path = repo.workstream(ws(step))
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"],
    }
    checked = cli(repo, env, "check", "--format", "json", str(path))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    found = [
        (f["code"], f["line"], f["column"], f["end_line"], f["end_column"])
        for f in json.loads(checked.stdout)
    ]
    expected = token_range(path.read_text(), json.dumps(entry))
    assert found == [("WS207", *expected)], checked.stdout
    message = json.loads(checked.stdout)[0]["message"]
    assert "below your home a step may write only" in message or "only its data" in message
    done = cli(repo, env, "run", str(path))
    assert done.returncode != 0 and "WS207" in done.stdout + done.stderr, done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert not marker.exists()
    assert list(home.iterdir()) == []  # nothing made in HOME


@needs_bwrap
@pytest.mark.parametrize(
    ("target", "said"),
    [(".ssh", "your credentials, which the sandbox hides"), (".config", "below your home")],
    ids=["to-a-secret", "to-config"],
)
def test_a_cache_that_links_elsewhere_is_refused_when_the_step_starts(
    repo: Guarded, tmp_path: Path, target: str, said: str
) -> None:
    home = tmp_path / "home"
    (home / target).mkdir(parents=True)
    (home / target / "kept").write_text("as it was\n")
    (home / ".cache").mkdir()
    (home / ".cache" / "tool").symlink_to(home / target)
    script = "echo planted > ~/.cache/tool/kept; echo planted > ~/.cache/tool/new"
    step = {"id": "a", "run": script, "files": [], "writable": ["~/.cache/tool"]}
    path = repo.workstream(ws(step))
    result, _ = run(path, env={"HOME": str(home)})
    assert statuses(result) == {"a": "failed"}
    message = result.state.steps["a"].message or ""
    assert "writable" in message and said in message, message
    assert (home / target / "kept").read_text() == "as it was\n"
    assert not (home / target / "new").exists()


@needs_bwrap
def test_a_cache_of_the_steps_tool_is_written_freely(repo: Guarded, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    script = "mkdir -p ~/.cache/mytool && echo data > ~/.cache/mytool/blob; echo x > a.txt"
    step = {"id": "a", "run": script, "files": ["a.txt"], "writable": ["~/.cache/mytool"]}
    path = repo.workstream(ws(step))
    result, _ = run(path, env={"HOME": str(home)})
    assert statuses(result) == {"a": "succeeded"}, result.state.steps["a"].message
    assert (home / ".cache" / "mytool" / "blob").read_text() == "data\n"
