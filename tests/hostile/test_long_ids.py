"""Ids too long to be file names: ``check`` reports them (WS301), and ``run``, ``clean``
(by file and by ``--id``) and ``status`` refuse them in a line or two and exit 2: no
traceback, no OSError 36, nothing made in the repository (the Guarded snapshot)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import ws

from .conftest import Guarded

LONG = "x" * 300


def workstream(repo: Guarded, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workstream", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def refused(done: subprocess.CompletedProcess[str]) -> str:
    """The refusal's text, once it is known to be a short, clean one."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    assert "internal error" not in done.stderr and "File name too long" not in done.stderr
    lines = done.stderr.splitlines()
    assert 1 <= len(lines) <= 2, lines
    return done.stderr


def plan(repo: Guarded, ws_id: str, step_id: str) -> Path:
    path = repo.write("w.workstream.json", "{}")
    path.write_text(
        json.dumps(ws({"id": step_id, "run": "echo hi > a.txt", "files": ["a.txt"]}, ws_id=ws_id))
    )
    repo.commit_all("a workstream with a long id")
    return path


@pytest.mark.parametrize("which", ["workstream", "step"])
def test_a_long_id_is_refused_by_check_run_clean_and_status(repo: Guarded, which: str) -> None:
    path = plan(
        repo, LONG if which == "workstream" else "ws-test", LONG if which == "step" else "a"
    )
    checked = workstream(repo, "check", str(path))
    assert checked.returncode == 1 and checked.stdout.count("[WS301]") == 1, checked.stdout
    assert "300 characters long, more than 100" in checked.stdout
    text = refused(workstream(repo, "run", str(path)))
    assert "[WS301]" in text and "does not run" in text
    refused(workstream(repo, "run", str(path), "--progress", "plain"))
    if which == "workstream":
        assert "300 characters long" in refused(workstream(repo, "clean", str(path)))
        refused(workstream(repo, "clean", str(path), "--branches", "--force"))
    else:
        done = workstream(repo, "clean", str(path))
        assert done.returncode in (0, 2) and "Traceback" not in done.stderr
    status = workstream(repo, "status", str(path))
    assert "Traceback" not in status.stderr and status.returncode != 0
    state = repo.root / ".git" / "workstream"
    assert not state.exists() or all(len(p.name) <= 100 for p in state.rglob("*"))


def test_clean_id_refuses_a_long_id(repo: Guarded) -> None:
    text = refused(workstream(repo, "clean", f"--id={LONG}", "--branches"))
    assert "is not a workstream id" in text and "300 characters long" in text
