"""``workstream status``: base, result or why there is none, saved commits, --step runs and
stale entries, exit codes — text and JSON, on real runs in real repositories."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from workstream.cli import main
from workstream.executor.freshness import freshness, stale_reasons
from workstream.executor.state import RunState, StepState

from .conftest import PYTHON_BIN, Repo, ws


@pytest.fixture(autouse=True)
def _python_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])


def diamond(repo: Repo, a_text: str = "a1", commit: bool = True) -> Path:
    """a → b, c → d, and e alone; ``commit=False`` leaves the file an uncommitted edit."""
    data = ws(
        {"id": "a", "run": f"printf {a_text} > a.txt", "files": ["a.txt"]},
        {"id": "b", "run": "cat a.txt > b.txt", "files": ["b.txt"], "depends_on": ["a"]},
        {"id": "c", "run": "printf c > c.txt", "files": ["c.txt"], "depends_on": ["a"]},
        {"id": "d", "run": "true", "files": [], "depends_on": ["b", "c"]},
        {"id": "e", "run": "printf e > e.txt", "files": ["e.txt"]},
    )
    if commit:
        return repo.workstream(data)
    path = repo.write("plan.workstream.json", json.dumps(data))
    repo.expected = repo.snapshot()  # the user's own edit
    return path


def status(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["status", str(path), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def text_status(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["status", str(path)])
    return code, capsys.readouterr().out


def test_a_step_run_shows_what_ran_and_what_is_stale(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = diamond(repo)
    assert main(["run", str(path)]) == 0
    _, first = status(path, capsys)
    diamond(repo, "a2", commit=False)  # a now makes another result; the base stays
    assert main(["run", str(path), "--step", "a"]) == 0
    code, now = status(path, capsys)
    assert code == 0
    assert now["requested"] == ["a"] and now["result_branch"] is None
    assert now["result_note"].startswith("not updated: a run of some steps (--step)")
    fresh = {step: entry["freshness"] for step, entry in now["steps"].items()}
    assert fresh == {
        "a": "this run",
        "b": "stale",
        "c": "stale",
        "d": "stale",
        "e": "earlier run",
    }
    old = first["run_id"]
    assert now["steps"]["b"]["stale"] == f"stale: built in run {old} on an older result of a"
    assert now["steps"]["d"]["stale"] == f"stale: built in run {old} on b, c, which is stale"
    assert now["steps"]["e"]["stale"] is None and now["steps"]["e"]["run_id"] == old
    assert now["steps"]["b"]["commit"] == first["steps"]["b"]["commit"]
    code, text = text_status(path, capsys)
    assert code == 0
    assert f"run {now['run_id']} ran only a (--step a)" in text
    assert f"from an earlier run ({old}), up to date: e" in text
    assert f"b: stale: built in run {old} on an older result of a" in text
    assert "this run: 1 succeeded" in text
    assert "result: not updated: a run of some steps (--step)" in text
    assert f"base: {repo.head()[:12]}" in text


def test_a_moved_base_makes_independent_earlier_entries_stale(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = diamond(repo)
    assert main(["run", str(path)]) == 0
    _, first = status(path, capsys)
    repo.write("new.txt", "the user's next commit\n")
    new_base = repo.commit_all("user work")
    assert main(["run", str(path), "--step", "e"]) == 0
    _, now = status(path, capsys)
    assert now["base_commit"] == new_base != first["base_commit"]
    assert now["steps"]["e"]["freshness"] == "this run"
    assert now["steps"]["a"]["stale"] == (
        f"stale: built in run {first['run_id']} on base {first['base_commit'][:12]}, "
        f"not on {new_base[:12]}"
    )
    assert {now["steps"][s]["freshness"] for s in "abcd"} == {"stale"}


def test_a_full_run_after_a_step_run_is_fresh_again(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = diamond(repo)
    assert main(["run", str(path)]) == 0
    diamond(repo, "a2")
    assert main(["run", str(path), "--step", "a"]) == 0
    assert main(["run", str(path)]) == 0
    _, now = status(path, capsys)
    assert {e["freshness"] for e in now["steps"].values()} == {"this run"}
    assert now["result_branch"] == "workstream/ws-test/result" and now["result_note"] == ""
    assert repo.show("workstream/ws-test/result", "b.txt") == "a2"


def test_a_failed_step_has_its_saved_commit_and_the_run_no_result(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.workstream(
        ws(
            {"id": "ok", "run": "printf ok > ok.txt", "files": ["ok.txt"]},
            {"id": "bad", "run": "printf half > bad.txt; exit 3", "files": ["bad.txt"]},
        )
    )
    assert main(["run", str(path)]) == 1
    code, now = status(path, capsys)
    assert code == 1 and now["status"] == "failed"
    bad = now["steps"]["bad"]
    assert bad["status"] == "failed" and bad["commit"] is None
    assert bad["saved_commit"] and repo.show(bad["saved_commit"], "bad.txt") == "half"
    assert now["steps"]["ok"]["saved_commit"] is None
    assert now["result_branch"] is None and now["result_commit"] is None
    assert now["result_note"] == (
        "no result: not every step succeeded; workstream/ws-test/result was not touched"
    )
    code, text = text_status(path, capsys)
    assert code == 1 and "result: no result: not every step succeeded" in text


def test_conflicting_results_say_where(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo.workstream(
        ws(
            {"id": "x", "run": "printf x > common.txt", "files": ["common.txt"]},
            {"id": "y", "run": "printf y > common.txt", "files": ["common.txt"]},
        )
    )
    assert main(["run", str(path)]) == 1
    _, now = status(path, capsys)
    assert now["result_note"] == "no result: the steps' results conflict in: common.txt"
    assert {e["status"] for e in now["steps"].values()} == {"succeeded"}


def test_no_run_yet_is_exit_1_and_null(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = diamond(repo)
    assert main(["status", str(path), "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.out.strip() == "null" and "no run yet" in captured.err


def test_a_state_from_before_these_fields_still_reads() -> None:
    old = {
        "run_id": "r1",
        "workstream_id": "w",
        "status": "failed",
        "message": "1 failed",
        "steps": {"a": {"status": "failed", "run_id": "r1", "inputs": ["b0"]}},
    }
    state = RunState.from_json(old)
    assert state.requested == () and state.steps["a"].depends_on == ()
    assert state.status_json()["result_note"] == "no result: the run failed (1 failed)"
    assert freshness(state) == {"a": "this run"}


def test_freshness_survives_a_dependency_cycle_in_a_hand_edited_state() -> None:
    state = RunState("r2", "w", base_commit="b0")
    state.steps = {
        "p": StepState("succeeded", "r1", inputs=("c1",), depends_on=("q",), commit="c2"),
        "q": StepState("succeeded", "r1", inputs=("c2",), depends_on=("p",), commit="c1"),
    }
    assert freshness(state) == {"p": "earlier run", "q": "earlier run"}
    state.steps["q"].commit = "c9"
    assert stale_reasons(state) == {
        "p": "stale: built in run r1 on an older result of q",
        "q": "stale: built in run r1 on p, which is stale",
    }


def test_status_shows_a_failed_commands_last_lines(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.workstream(
        ws(
            {
                "id": "bad",
                "run": "printf x > x.txt",
                "files": ["x.txt"],
                "acceptance_tests": ["echo first-clue; echo second-clue; exit 4"],
            }
        )
    )
    assert main(["run", str(path)]) == 1
    code, text = text_status(path, capsys)
    assert code == 1
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if "bad" in line and "failed" in line)
    below = "\n".join(lines[row + 1 : row + 6])
    assert "first-clue" in below and "second-clue" in below, text
