"""``select: "first"`` on real git: every place that names the chosen candidate names the same
one. Two candidates that would both pass run at different speeds (either may be the quick
one); the state file, the run's log lines, the step's log file, ``workstream status``, the
step's result commit (and its step branch) and the editor's lens all name the quick one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executor.conftest import Repo, run, ws
from workstream.executor.events import StepFinished, StepOutput
from workstream.lsp.statuses import lens_text, load_statuses

QUICK = "sleep 0.3; echo quick > out.txt"
SLOW = "sleep 4; echo slow > out.txt"


@pytest.mark.parametrize("quick", [1, 2])
def test_every_record_names_the_same_first_candidate(repo: Repo, quick: int) -> None:
    runs = [QUICK, SLOW] if quick == 1 else [SLOW, QUICK]
    other = 3 - quick
    plan = repo.workstream(
        ws(
            {
                "id": "pick",
                "files": ["out.txt"],
                "candidates": [{"run": r} for r in runs],
                "acceptance_tests": ["test -s out.txt"],
                "select": "first",
            },
            max_workers=2,
        )
    )
    result, events = run(plan)
    assert result.status == "succeeded"
    branch = f"workstream/ws-test/candidate/pick/{quick}"

    # the state file, read back from disk
    state = json.loads((repo.root / ".git/workstream/ws-test/state.json").read_text())
    entry = result.state.steps["pick"]
    chosen = [int(c["n"]) for c in entry.candidates if c["selected"]]
    assert chosen == [quick]
    record = entry.candidates[quick - 1]
    assert record["status"] == "succeeded" and record["branch"] == branch
    assert entry.candidates[other - 1]["status"] == "cancelled"
    assert [c["n"] for c in state["steps"]["pick"]["candidates"] if c["selected"]] == [quick]
    assert state["steps"]["pick"]["commit"] == record["commit"]

    # the run's log lines: the first to pass is the one chosen
    lines = [e.line for e in events if isinstance(e, StepOutput) and e.step_id == "pick"]
    passed = [int(m[1]) for line in lines if (m := re.match(r"candidate (\d+) succeeded", line))]
    assert passed[:1] == [quick], lines
    # each start names the candidate's branch; its worktree is named by its own line (a pool
    # slot while it runs, with reuse), never a folder it is not in
    for n in (1, 2):
        started = [line for line in lines if line.startswith(f"candidate {n} (")]
        assert started and started[0].endswith(f"started on workstream/ws-test/candidate/pick/{n}")
    finished = [e for e in events if isinstance(e, StepFinished) and e.step_id == "pick"]
    assert len(finished) == 1
    assert finished[0].message.startswith(f"candidate {quick} of 2 chosen (the first to pass)")
    assert finished[0].commit == record["commit"]

    # the step's log is the chosen candidate's, and it committed the step's result
    assert entry.log is not None and Path(entry.log).name == f"pick@{quick}.log"
    assert finished[0].log_path == entry.log
    assert f"committed {str(record['commit'])[:12]}" in Path(entry.log).read_text()

    # the result: the chosen candidate's commit, on the step branch and its own branch
    assert entry.commit == record["commit"] == repo.head(branch)
    assert repo.head("workstream/ws-test/step/pick") == entry.commit
    assert repo.show(entry.commit or "", "out.txt") == "quick\n"
    assert repo.show("workstream/ws-test/result", "out.txt") == "quick\n"

    # workstream status, text and JSON
    cli = [sys.executable, "-m", "workstream", "status", str(plan)]
    text = subprocess.run(cli, capture_output=True, text=True, cwd=repo.root).stdout
    chosen_lines = [line for line in text.splitlines() if ", chosen" in line]
    assert len(chosen_lines) == 1 and chosen_lines[0].startswith(f"pick: candidate {quick} ")
    assert f"candidate {quick} of 2 chosen" in text
    out = subprocess.run([*cli, "--format", "json"], capture_output=True, text=True).stdout
    data = json.loads(out)["steps"]["pick"]
    assert [c["n"] for c in data["candidates"] if c["selected"]] == [quick]
    assert data["commit"] == entry.commit

    # the editor's lens, from the state file as the language server reads it
    status = load_statuses(plan.as_uri())["pick"]
    assert lens_text(status, None, None).startswith(f"✓ candidate {quick} of 2 selected · ")
