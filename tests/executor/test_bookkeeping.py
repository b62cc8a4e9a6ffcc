"""A tool's bookkeeping: never a change, never in a commit, never in the user's tree.

The tool is a shell script defined under ``tools`` that behaves as aider does: it writes its
own files beside the step's work (a history at the root, a cache folder, a change to a tracked
settings file) and its conversation to ``{transcript}``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from workstream.cli import main
from workstream.executor import WorkstreamInvalid

from .conftest import Repo, git, run, statuses, ws

# $1: the prompt (after --prompt=), $2: the transcript. Fails when the prompt says "fail".
SCRIPT = (
    'p="${1#--prompt=}"; '
    'echo "$p" > .tool.history; mkdir -p .tool.cache/deep && echo x > .tool.cache/deep/db; '
    'echo changed >> .tool.conf; echo "#### $p" >> "$2"; '
    'echo "$p" > out.txt; case "$p" in *fail*) exit 4;; esac'
)


def tool_ws(*steps: dict[str, object], **tool: object) -> dict[str, object]:
    data = ws(*steps)
    data["tools"] = {
        "tool": {
            "command": ["sh", "-c", SCRIPT, "tool", "--prompt={prompt}", "{transcript}"],
            "bookkeeping": [".tool*"],
            **tool,
        }
    }
    return data


def step(step_id: str, task: str) -> dict[str, object]:
    return {"id": step_id, "tool": "tool", "tasks": [task], "files": ["out.txt"]}


def test_bookkeeping_is_no_change_and_reaches_no_commit(repo: Repo) -> None:
    repo.write(".tool.conf", "tracked settings\n")
    path = repo.workstream(tool_ws(step("a", "write it")))
    result, _ = run(path)
    assert statuses(result) == {"a": "succeeded"}, result.state.steps["a"].message
    commit = result.state.steps["a"].commit or ""
    changed = git(repo.root, "show", "--name-only", "--format=", commit).split()
    assert changed == ["out.txt"]  # not the history, the cache, nor the tracked settings
    assert repo.show(commit, ".tool.conf") == "tracked settings\n"
    transcript = Path(result.state.steps["a"].transcript or "")
    assert transcript.read_text() == "#### write it\n"
    assert transcript.name == "a.transcript.md"
    assert transcript.parent == Path(result.state.steps["a"].log or "").parent


def test_without_bookkeeping_the_same_files_are_out_of_scope(repo: Repo) -> None:
    path = repo.workstream(tool_ws(step("a", "write it"), bookkeeping=[]))
    result, _ = run(path)
    assert statuses(result) == {"a": "failed"}
    message = result.state.steps["a"].message
    assert "outside its scope" in message and ".tool.history" in message


def test_a_failed_steps_saved_work_leaves_its_bookkeeping_out(repo: Repo) -> None:
    path = repo.workstream(tool_ws(step("a", "then fail")))
    result, _ = run(path)
    entry = result.state.steps["a"]
    assert entry.status == "failed" and entry.worktree
    saved = git(repo.root, "rev-parse", "workstream/ws-test/step/a").strip()
    assert git(repo.root, "show", "--name-only", "--format=", saved).split() == ["out.txt"]
    assert Path(entry.transcript or "").read_text() == "#### then fail\n"


def test_clean_saves_a_kept_worktree_without_its_bookkeeping(repo: Repo) -> None:
    path = repo.workstream(tool_ws(step("a", "then fail")))
    result, _ = run(path)
    worktree = Path(result.state.steps["a"].worktree or "")
    (worktree / "mine.txt").write_text("the user's own edit\n")
    (worktree / ".tool.history").write_text("more bookkeeping\n")
    assert main(["clean", str(path)]) == 0
    saved = [b for b in git(repo.root, "branch", "--list", "workstream/ws-test/saved/*").split()]
    assert len(saved) == 1
    files = git(repo.root, "show", "--name-only", "--format=", saved[0]).split()
    assert files == ["mine.txt"]


def test_a_prompt_that_starts_with_a_dash_is_refused_for_a_bare_prompt(repo: Repo) -> None:
    data = ws({"id": "a", "tool": "bare", "tasks": ["--version"], "files": ["out.txt"]})
    marker = repo.root.parent / "ran"
    data["tools"] = {
        "bare": {"command": [sys.executable, "-c", SCRIPT_RAN, str(marker), "{prompt}"]}
    }
    path = repo.workstream(data)
    with pytest.raises(WorkstreamInvalid) as refused:
        run(path)
    assert [f.code for f in refused.value.findings] == ["WS307"]
    assert not os.path.lexists(marker)


SCRIPT_RAN = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text('ran')"
