"""Failures that explain themselves: what a failed test printed last, the setting a timeout
came from, the commit a failed step's changes were saved on, a hint for an empty repository;
and the small things of ``run``'s command line (``--step a b``, a dry run of one step)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, Repo, run, ws
from workstream.cli import main

from .terminal import row_of, summary_box


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])
    monkeypatch.delenv("COLUMNS", raising=False)


def test_a_failed_test_shows_its_last_lines_and_the_saved_commit_under_its_row(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    test = "for i in $(seq 1 30); do echo out $i; done; echo 'E  assert 1 == 2' >&2; exit 1"
    path = repo.workstream(
        ws(
            {"id": "ok", "run": "true", "files": []},
            {
                "id": "bad",
                "run": "printf x > x.txt",
                "files": ["x.txt"],
                "acceptance_tests": [test],
            },
        )
    )
    assert main(["run", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    box = summary_box(lines)
    bad = row_of(box, "bad", ["failed"])
    saved = repo.head("workstream/ws-test/step/bad")
    assert saved[:12] in box[bad]  # the commit column of a failed row: its saved work
    under = box[bad + 1 :]
    assert "the last 10 lines of `for i in" in under[0] or "the last 10 lines" in under[1]
    text = "\n".join(under)
    assert "E  assert 1 == 2" in text and "out 30" in text and "out 22" in text
    assert "out 21" not in text  # capped at 10 lines
    assert "workstream" not in text.split("the last 10 lines")[1]  # only the test's own output


def test_a_failed_row_without_room_for_the_commit_says_where_it_was_saved(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = repo.workstream(ws({"id": "bad", "run": "printf x > x.txt; exit 3", "files": ["x.txt"]}))
    monkeypatch.setenv("COLUMNS", "50")
    assert main(["run", str(path)]) == 1
    box = summary_box(capsys.readouterr().out.splitlines())
    assert all(len(line) <= 50 for line in box)
    saved = repo.head("workstream/ws-test/step/bad")[:12]
    text = "\n".join(box)
    assert f"changes saved as {saved} on workstre…" in text  # cut at the end, not before
    assert "run failed (exit 3)" in text


def test_timeouts_name_the_setting_they_came_from(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            {"id": "own", "run": "sleep 10", "files": [], "timeout": 1},
            {"id": "shared", "run": "sleep 10", "files": []},
            timeout_per_step=1.5,
        )
    )
    result, _ = run(path)
    own, shared = result.state.steps["own"], result.state.steps["shared"]
    assert own.reason == shared.reason == "timeout"
    assert own.message.startswith("timed out after 1s (the step's timeout) during run")
    assert shared.message.startswith("timed out after 1.5s (execution.timeout_per_step)")


def test_an_empty_repository_gets_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    path = tmp_path / "plan.workstream.json"
    path.write_text('{"id": "w", "steps": [{"id": "a", "run": "true"}]}')
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "'HEAD' is not a commit" in err
    assert "make a first commit (git commit --allow-empty -m init)" in err


def diamond(repo: Repo) -> Path:
    return repo.workstream(
        ws(
            {"id": "a", "run": "true", "files": []},
            {"id": "b", "run": "true", "files": [], "depends_on": ["a"]},
            {"id": "c", "run": "true", "files": [], "depends_on": ["a"]},
            {"id": "d", "run": "true", "files": [], "depends_on": ["b", "c"]},
        )
    )


def test_a_dry_run_of_one_step_shows_only_it_and_what_it_needs(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = diamond(repo)
    assert main(["run", str(path), "--dry-run", "--step", "b"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "ws-test: --step b and what it needs (a): 2 of 4 steps, " + (
        "up to 2 at once"
    )
    assert "wave 1: a\n" in out and "wave 2: b\n" in out and ", c" not in out
    assert "critical path (2 steps): a → b" in out
    assert main(["run", str(path), "--dry-run", "--step", "a"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ws-test: --step a: 1 of 4 steps") and "critical path (1 step): a" in out


def test_several_ids_after_one_step_option(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = diamond(repo)
    assert main(["run", str(path), "--dry-run", "--step", "b", "c"]) == 0
    assert "--step b c and what they need (a): 3 of 4 steps" in capsys.readouterr().out
    assert main(["run", "--dry-run", "--step", "b", "c", str(path)]) == 0  # ids, then the path
    assert "wave 2: b, c" in capsys.readouterr().out
    assert main(["run", str(path), "--step", "b", "--step", "c"]) == 0
    out = capsys.readouterr().out
    assert "✓ b succeeded" in out and "✓ c succeeded" in out and "d started" not in out


def test_run_without_a_path_says_so(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--step", "a"]) == 2
    assert "run needs the PATH of a workstream file" in capsys.readouterr().err


def test_colours_and_control_characters_stay_out_of_the_table(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    test = r"printf '\033[31mE\tboom\033[0m\r\n'; exit 1"
    step = {"id": "bad", "run": "true", "files": [], "acceptance_tests": [test]}
    path = repo.workstream(ws(step))
    assert main(["run", str(path)]) == 1
    box = summary_box(capsys.readouterr().out.splitlines())
    assert "│   │   E boom " in "\n".join(box)
    assert not any("\x1b" in line or "\r" in line or "\t" in line for line in box)
