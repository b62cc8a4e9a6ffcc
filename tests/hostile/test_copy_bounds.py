"""``execution.copy`` is bounded work: a deep ignored tree and an entry of many ``**`` copy
the right files in well under a second's work per level (it took 376 s, deaf to the step
timeout and to SIGTERM); a cancelled run stops its copy promptly; past the file cap the step
fails saying so. Each on a fresh real repository left exactly as it was (Guarded)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from tests.executor.conftest import run, ws
from workstream.executor import Executor, RunOptions, copying, load_state
from workstream.executor.copying import copy_into
from workstream.executor.errors import ExecutorError

from .conftest import Guarded

MANY = "d/" + "**/" * 14 + "*"


def deep_tree(root: Path, depth: int = 9, width: int = 3) -> set[str]:
    """An ignored tree ``d/`` ``depth`` levels deep, ``width`` folders and one file a level;
    returns the files."""
    files: set[str] = set()
    level = [root / "d"]
    for n in range(depth):
        nxt = []
        for folder in level[:9]:  # keep it a few hundred files
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"f{n}.txt").write_text(str(n))
            files.add(str((folder / f"f{n}.txt").relative_to(root)))
            nxt += [folder / f"s{i}" for i in range(width)]
        level = nxt
    return files


def test_a_deep_tree_and_many_globstars_copy_quickly_and_exactly(repo: Guarded) -> None:
    (repo.root / ".gitignore").write_text("__pycache__/\n*.pyc\nd/\n")
    repo.commit_all("ignore d/")
    files = deep_tree(repo.root)
    check = " && ".join(f"test -f {f}" for f in sorted(files)[:50])
    path = repo.workstream(
        ws(
            {"id": "a", "run": check, "files": []},
            copy=[MANY, "d/**/**/f0.txt"],
            timeout_per_step=5,
        )
    )
    began = time.monotonic()
    result, _ = run(path)
    took = time.monotonic() - began
    assert result.state.steps["a"].status == "succeeded", result.state.steps["a"].message
    assert took < 20, took


def test_matching_is_globs_meaning(tmp_path: Path) -> None:
    root, dest = tmp_path / "src", tmp_path / "dest"
    dest.mkdir()
    files = deep_tree(root, depth=4, width=2)
    (root / ".env").write_text("K=V")
    (root / "d" / "s0" / "x.env").write_text("x")
    said: list[str] = []
    got = copy_into(root, tmp_path / "git", dest, [MANY], said.append)
    assert got == files | {"d/s0/x.env"}
    assert {str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()} == got
    dest2 = tmp_path / "dest2"
    dest2.mkdir()
    got = copy_into(root, tmp_path / "git", dest2, [".env", "d/**/*.env", "nope/**"], said.append)
    assert got == {".env", "d/s0/x.env"} and said == [f"copy: nope/** not found in {root}, skipped"]


def test_a_cancel_during_copy_stops_it_promptly(tmp_path: Path) -> None:
    root, dest = tmp_path / "src", tmp_path / "dest"
    dest.mkdir()
    deep_tree(root, depth=7, width=3)
    cancel = threading.Event()
    cancel.set()
    began = time.monotonic()
    with pytest.raises(ExecutorError, match="the run was cancelled"):
        copy_into(root, tmp_path / "git", dest, [MANY], lambda _: None, cancel=cancel)
    assert time.monotonic() - began < 2
    with pytest.raises(ExecutorError, match="timed out"):
        copy_into(root, tmp_path / "git", dest, [MANY], lambda _: None, deadline=0.0)


def test_past_the_cap_the_step_fails_saying_so(
    repo: Guarded, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo.root / ".gitignore").write_text("__pycache__/\n*.pyc\nd/\n")
    repo.commit_all("ignore d/")
    deep_tree(repo.root, depth=4)
    monkeypatch.setattr(copying, "MAX_FILES", 10)
    path = repo.workstream(ws({"id": "a", "run": "true", "files": []}, copy=["d"]))
    result, _ = run(path)
    entry = result.state.steps["a"]
    assert entry.status == "failed" and "more than 10 files to copy" in entry.message


def test_cancelling_a_run_stops_its_copy_promptly(
    repo: Guarded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C and SIGTERM cancel the run: a copy that would take a minute ends at once."""
    (repo.root / ".gitignore").write_text("__pycache__/\n*.pyc\nd/\n")
    repo.commit_all("ignore d/")
    deep_tree(repo.root, depth=6)
    real = shutil.copyfile
    copying_now = threading.Event()

    def slow(source: str, target: str) -> str:
        copying_now.set()
        time.sleep(0.2)  # a slow disk: about a minute for this tree
        return real(source, target)

    monkeypatch.setattr(shutil, "copyfile", slow)
    path = repo.workstream(ws({"id": "a", "run": "true", "files": []}, copy=[MANY]))
    executor = Executor(path, RunOptions(kill_grace=0.5, env={"PATH": os.environ["PATH"]}))
    outcome: list[object] = []
    runner = threading.Thread(target=lambda: outcome.append(executor.run()))
    runner.start()
    assert copying_now.wait(30)
    began = time.monotonic()
    executor.cancel()
    runner.join(20)
    assert not runner.is_alive() and time.monotonic() - began < 3
    state = load_state(path)
    assert state is not None and state.status == "cancelled"
    assert state.steps["a"].status in ("cancelled", "failed"), state.steps["a"].message
