"""The commands: exit codes, one-line errors, status JSON, graph formats, dry runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from workstream.cli import main

from .conftest import PYTHON_BIN, Repo, ws


@pytest.fixture(autouse=True)
def _python_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])


def plan(repo: Repo) -> Path:
    return repo.workstream(
        ws(
            {"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]},
            {"id": "b", "run": "printf b > b.txt", "files": ["b.txt"], "depends_on": ["a"]},
            {"id": "c", "run": "printf c > c.txt", "files": ["c.txt"], "depends_on": ["a"]},
            {"id": "d", "run": "true", "files": [], "depends_on": ["b", "c"]},
            max_workers=2,
        )
    )


def test_run_then_status_json(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = plan(repo)
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "✓ d succeeded" in out and "result: branch workstream/ws-test/result" in out
    assert main(["status", str(path), "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert set(status) == {
        "run_id",
        "workstream_id",
        "status",
        "message",
        "workstream_file",
        "started_at",
        "finished_at",
        "requested",
        "base_commit",
        "result_branch",
        "result_commit",
        "result_note",
        "cluster",
        "remote",
        "steps",
    }
    assert status["status"] == "succeeded" and status["workstream_id"] == "ws-test"
    assert status["base_commit"] == repo.head() and status["requested"] == []
    assert status["result_branch"] == "workstream/ws-test/result"
    assert status["result_commit"] == repo.head("workstream/ws-test/result")
    assert (
        status["result_note"] == "" and "result on workstream/ws-test/result" in status["message"]
    )
    assert list(status["steps"]) == ["a", "b", "c", "d"]
    for entry in status["steps"].values():
        assert set(entry) == {
            "status",
            "duration_ms",
            "commit",
            "branch",
            "log",
            "transcript",
            "message",
            "run_id",
            "reason",
            "saved_commit",
            "worktree",
            "depends_on",
            "freshness",
            "stale",
            "candidates",
        }
        assert entry["candidates"] == []
        assert entry["freshness"] == "this run" and entry["stale"] is None
        assert entry["run_id"] == status["run_id"] and entry["saved_commit"] is None
        assert entry["status"] == "succeeded" and Path(entry["log"]).is_file()
    assert main(["status", str(path)]) == 0
    assert "run " in capsys.readouterr().out


def test_run_exit_code_is_1_when_a_step_fails(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.workstream(ws({"id": "no", "run": "echo boom; exit 4"}))
    assert main(["run", str(path)]) == 1
    out = capsys.readouterr().out
    assert "no | boom" in out and "failed (exit 4)" in out and "no: log " in out
    assert main(["status", str(path), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["steps"]["no"]["status"] == "failed"


def test_bad_input_gives_one_line_and_exit_2(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(repo.root / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err and "Traceback" not in err
    assert main(["run", str(repo.root), "--dry-run"]) == 2
    assert "is a directory" in capsys.readouterr().err
    broken = repo.workstream({"id": "w", "steps": [{"id": "a", "run": "x", "depends_on": ["b"]}]})
    assert main(["run", str(broken)]) == 2
    err = capsys.readouterr().err
    first, last = err.splitlines()[0], err.splitlines()[-1]
    assert first.startswith(f"{broken}:") and first.endswith("[WS102]") and "'b'" in first
    assert "does not run" in last and "Traceback" not in err
    assert main(["run", str(plan(repo)), "--step", "zz"]) == 2
    assert "unknown step 'zz'" in capsys.readouterr().err
    assert main(["run", str(plan(repo)), "--max-workers", "0"]) == 2
    assert main(["status", str(repo.root / "nope.json")]) == 2


def test_dry_run_prints_waves_and_critical_path_and_runs_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = plan(repo)
    assert main(["run", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "wave 1: a\n" in out and "wave 2: b, c\n" in out and "wave 3: d\n" in out
    assert "critical path (3 steps): a → b → d" in out
    assert not repo.branch_exists("workstream/ws-test/step/a")
    assert main(["run", str(path), "--dry-run", "--step", "b"]) == 0
    assert "wave 2: b\n" in capsys.readouterr().out


def test_graph_formats(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = plan(repo)
    assert main(["graph", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["waves"] == [["a"], ["b", "c"], ["d"]]
    assert data["critical_path"] == ["a", "b", "d"]
    assert ["a", "b"] in data["edges"]
    assert main(["graph", str(path), "--format", "mermaid"]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("flowchart LR") and "s0 ==> s1" in mermaid and "s0 --> s2" in mermaid
    assert main(["graph", str(path), "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert '"a" -> "b" [color=red' in dot and '"a" -> "c";' in dot


def test_clean_with_nothing_kept(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = plan(repo)
    assert main(["clean", str(path)]) == 0
    assert "nothing to clean" in capsys.readouterr().out


def test_demo_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "✓ step-04-package succeeded" in out
    assert "examples/math_utils.py" in out and "the scratch repository is removed" in out
    scratch = Path(out.split("scratch repository: ", 1)[1].splitlines()[0])
    assert not scratch.exists()


def test_demo_runs_each_step_on_a_cluster_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WORKSTREAM_WORKER_DIR", str(tmp_path / "worker"))  # the workers inherit it
    assert main(["demo", "--cluster", "local:2"]) == 0
    out = capsys.readouterr().out
    assert "steps run on a local Dask cluster of 2 worker processes" in out
    for step in ("step-01-math-utils", "step-02-string-utils", "step-03-file-utils"):
        assert re.search(rf"{step} \| on worker local-[12] ", out), step
        assert f"✓ {step} succeeded" in out
    assert re.search(r"step-04-package \| on worker local-[12] ", out)
    assert "examples/math_utils.py" in out and "the scratch repository is removed" in out
    scratch = Path(out.split("scratch repository: ", 1)[1].splitlines()[0])
    assert not scratch.exists()
    assert not list((tmp_path / "worker" / "runs").glob("*/*"))


def test_the_demos_closing_hint_works_without_an_activated_venv(tmp_path: Path) -> None:
    """After README's install the venv is not activated: the hint must still run."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "workstream"), "demo", "--keep"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    kept = lines[lines.index(next(x for x in lines if x.startswith("kept: ")))]
    repo = kept.removeprefix("kept: ")
    hint = lines[-1].strip()
    assert hint.endswith(" status demo.workstream.json"), hint
    status = subprocess.run(
        shlex.split(hint), cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 0, status.stdout + status.stderr
