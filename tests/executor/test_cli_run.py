"""``workstream run`` as a person sees it: warnings first, failures that explain themselves."""

from __future__ import annotations

import json
import os

import pytest

from workstream.cli import main

from .conftest import PYTHON_BIN, Repo, ws


@pytest.fixture(autouse=True)
def _python_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])


def test_run_prints_the_plans_warnings_before_anything_runs(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.workstream(
        ws(
            {"id": "step-a", "run": "echo a > common.py", "files": ["common.py"]},
            {"id": "step-b", "run": "echo b > common.py", "files": ["common.py"]},
            {"id": "step-c", "run": "true", "files": [], "depends_on": ["step-a", "step-a"]},
        )
    )
    assert main(["run", str(path)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    conflict = "warning: step-a and step-b both write common.py: their results may conflict"
    # the checks it passed, what it warns about, then the run, without asking anything
    assert lines[1] == "✓ file scopes: 3 of 3 steps scoped, 1 possible conflict"
    assert lines[4].startswith(conflict)
    assert out.count("both write") == 1  # one line per pair, not one per finding
    assert lines[5].startswith(f"warning: {path}:") and lines[5].endswith("[WS105]")
    assert "run " in lines[6]
    assert "conflict in: common.py" in out


def test_run_of_some_steps_warns_only_about_those(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.workstream(
        ws(
            {"id": "step-a", "run": "echo a > common.py", "files": ["common.py"]},
            {"id": "step-b", "run": "echo b > common.py", "files": ["common.py"]},
        )
    )
    assert main(["run", str(path), "--step", "step-a"]) == 0
    assert "warning" not in capsys.readouterr().out


def test_a_new_workstream_file_is_not_an_uncommitted_change(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.write(
        "plans/new.workstream.json",
        json.dumps(ws({"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]})),
    )
    repo.expected = repo.snapshot()  # the user's own untracked file, in a new folder
    assert main(["run", str(path)]) == 0
    assert "uncommitted" not in capsys.readouterr().out
    repo.write("plans/other.txt", "mine")
    repo.expected = repo.snapshot()
    assert main(["run", str(path)]) == 0
    assert "1 uncommitted change in" in capsys.readouterr().out
