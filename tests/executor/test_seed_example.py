"""The seed's example 02, end to end, with a stand-in ``aider`` on PATH.

The stand-in receives the real aider command line (built from the built-in template, with the
prompt as one argv item however it is quoted) and writes the module its message names, so the
whole path — argv building, worktrees, acceptance tests, merge — runs as it would with aider.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from workstream.commands.demo import write_standin_aider
from workstream.executor import StepFinished, StepStarted

from .conftest import PYTHON_BIN, Repo, run

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_seed_example_02_runs_three_aider_steps_in_parallel(repo: Repo, tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "02-parallel-execution.workstream.json", repo.root / "ws.json")
    repo.commit_all("add the seed's example 02")
    bin_dir = tmp_path / "bin"
    write_standin_aider(bin_dir)
    path_var = os.pathsep.join([str(bin_dir), PYTHON_BIN, os.environ["PATH"]])
    began = time.monotonic()
    result, events = run(repo.root / "ws.json", env={"PATH": path_var, "AIDER_DELAY": "1"})
    took = time.monotonic() - began
    assert result.status == "succeeded", {k: v.message for k, v in result.state.steps.items()}
    files = repo.files(result.result_branch or "")
    assert {"examples/math_utils.py", "examples/string_utils.py", "examples/file_utils.py"} <= files
    # the prompt reached the tool as one argv item, quotes and all
    string_utils = repo.show(result.result_branch or "", "examples/string_utils.py")
    assert 'each returns "" for None' in string_utils
    assert "def capitalize_words" in string_utils
    # the three ran at once: all started before any finished, well under 3 x 1 s
    kinds = [type(e).__name__ for e in events if isinstance(e, StepStarted | StepFinished)]
    assert kinds[:3] == ["StepStarted"] * 3
    assert took < 2.8
    log = Path(result.state.steps["step-01-math-utils"].log or "").read_text()
    assert "$ aider --yes-always --no-auto-commits" in log
    assert "'--message=Create examples/math_utils.py" in log
    assert "-- examples/math_utils.py\n" in log  # {files} expanded to the scope, after --
    # aider's bookkeeping (the stand-in writes .aider.input.history as aider does) is no change
    assert not any(name.startswith(".aider") for name in files)
    for step_id, entry in result.state.steps.items():
        assert entry.transcript is not None, step_id
        transcript = Path(entry.transcript)
        assert transcript.parent == Path(entry.log or "").parent
        assert "#### Create examples/" in transcript.read_text()


def test_a_missing_tool_binary_fails_the_step_naming_it(repo: Repo, tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "02-parallel-execution.workstream.json", repo.root / "ws.json")
    repo.commit_all("add the seed's example 02")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result, _ = run(repo.root / "ws.json", env={"PATH": str(empty)})
    for entry in result.state.steps.values():
        assert entry.status == "failed" and entry.reason == "missing_tool", entry.message
        assert "'aider' is not on PATH" in entry.message
