"""Settings that name paths: the executor never deletes or writes what it did not create."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import run, ws
from workstream.executor import ExecutorError

from .conftest import Guarded


def clean(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workstream", "clean", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("where", [".", "src", "/", "./", "docs/..", "..", "../..", "~"])
def test_a_worktree_dir_at_or_above_the_repository_is_refused(repo: Guarded, where: str) -> None:
    path = repo.workstream(ws({"id": "src", "run": "true"}, worktree_dir=where))
    repo.expected = repo.snapshot()
    with pytest.raises(ExecutorError):
        run(path)
    done = clean(path)
    assert "Traceback" not in done.stderr  # a refusal, or nothing of its own to clean
    assert (repo.root / "src" / "lib.py").exists() and (repo.root / ".git").is_dir()


def test_a_worktree_dir_that_would_make_the_worktree_folder_the_repository_is_refused(
    repo: Guarded,
) -> None:
    # ".." + the workstream id "repo" is the repository's own folder
    path = repo.workstream(ws({"id": "src", "run": "true"}, ws_id="repo", worktree_dir=".."))
    repo.expected = repo.snapshot()
    with pytest.raises(ExecutorError):
        run(path)
    assert clean(path).returncode != 0
    assert (repo.root / "src" / "lib.py").exists()


def test_a_worktree_dir_beside_the_repository_only_ever_holds_what_it_made(
    repo: Guarded, tmp_path: Path
) -> None:
    sibling = tmp_path / "trees" / "ws-test"
    path = repo.workstream(ws({"id": "src", "run": "printf x > x.txt"}, worktree_dir="../trees"))
    repo.expected = repo.snapshot()
    result, _ = run(path, keep_worktrees=True)
    assert result.status == "succeeded" and (sibling / "src" / "x.txt").exists()
    assert clean(path).returncode == 0
    assert not sibling.exists() and (repo.root / "src" / "lib.py").exists()


def test_an_existing_folder_at_the_worktree_place_is_never_deleted(
    repo: Guarded, tmp_path: Path
) -> None:
    theirs = tmp_path / "trees" / "ws-test" / "a"
    theirs.mkdir(parents=True)
    (theirs / "precious.txt").write_text("the user's own file")
    path = repo.workstream(ws({"id": "a", "run": "true"}, worktree_dir="../trees"))
    repo.expected = repo.snapshot()
    with pytest.raises(ExecutorError, match="not made by workstream"):
        run(path)
    assert clean(path).returncode == 0
    assert (theirs / "precious.txt").read_text() == "the user's own file"


@pytest.mark.parametrize("reuse", [False, "clean"])
def test_a_foreign_folder_where_a_step_worktree_goes_fails_that_step_only(
    repo: Guarded, tmp_path: Path, reuse: object
) -> None:
    path = repo.workstream(
        ws(
            {"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]},
            {"id": "b", "run": "printf b > b.txt", "files": ["b.txt"]},
            worktree_dir="../trees",
            reuse=reuse,
        )
    )
    repo.expected = repo.snapshot()
    first, _ = run(path)
    assert first.status == "succeeded"
    theirs = tmp_path / "trees" / "ws-test" / "b"
    theirs.mkdir()
    (theirs / "precious.txt").write_text("mine")
    second, _ = run(path)
    assert second.state.steps["a"].status == "succeeded"
    b = second.state.steps["b"]
    if reuse is False:
        assert b.status == "failed" and str(theirs) in b.message and "left alone" in b.message
    else:  # the pool never needs that place: the step runs, the folder is untouched
        assert b.status == "succeeded"
    assert (theirs / "precious.txt").read_text() == "mine"
    done = clean(path)
    assert "not a worktree workstream made" in done.stderr
    assert (theirs / "precious.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "entry", ["../../../../etc/hostname", "/etc/hostname", "~/.bashrc", ".git/config"]
)
def test_copy_never_reads_or_writes_outside(repo: Guarded, entry: str) -> None:
    path = repo.workstream(ws({"id": "a", "run": "true"}, copy=[entry]))
    repo.expected = repo.snapshot()
    try:
        result, _ = run(path)
    except ExecutorError:
        return  # refused before it ran: fine
    assert result.state.steps["a"].status == "failed"
    assert "copy" in result.state.steps["a"].message


def test_copy_refuses_a_symlink_that_leads_out_and_a_tracked_link_in_the_worktree(
    repo: Guarded, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (repo.root / "link").symlink_to(tmp_path)  # a tracked link to a folder outside
    path = repo.workstream(ws({"id": "a", "run": "true"}, copy=["link/secret.txt"]))
    (repo.root / "leak.env").symlink_to(secret)
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert result.state.steps["a"].status == "failed"
    path.write_text(json.dumps(ws({"id": "a", "run": "true"}, copy=["leak.env"])))
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert (
        result.state.steps["a"].status == "failed" and "outside" in result.state.steps["a"].message
    )
    assert secret.read_text() == "outside"


@pytest.mark.parametrize("entry", ["../outside", "/tmp", "~"])
def test_writable_that_covers_the_repository_or_home_is_refused(repo: Guarded, entry: str) -> None:
    target = str(repo.root) if entry == "/tmp" else entry
    path = repo.workstream(ws({"id": "a", "run": "true"}, writable=[target]))
    repo.expected = repo.snapshot()
    with pytest.raises(ExecutorError):
        run(path)
