"""``workstream run`` in real terminals: a pty of 50, 60, 80 and 120 columns read through a
terminal emulator (pyte), and ``TERM=dumb``.

Every row keeps its step id (whole, or elided in the middle and still told apart from the
others) and its state, at every width, in the live board and in the final table; no cell
wraps onto a line of its own; a terminal that cannot redraw gets plain lines and heartbeats;
a failed acceptance test's last lines are under its row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.executor.conftest import Repo, ws

from .terminal import ICONS, row_of, run_in_pty, shown_as, summary_box, tokens

LONG_1 = "step-01-generate-the-config-matrix"
LONG_2 = "step-02-generate-the-config-matrix"
FAILING_TEST = "for i in $(seq 1 12); do echo line $i; done; echo 'assert 1 == 2'; exit 1"

#: (step id, final status)
STEPS = {
    "a": "succeeded",
    LONG_1: "succeeded",
    LONG_2: "succeeded",
    "slow-step": "succeeded",
    "check-it": "failed",
    "after": "skipped",
}


def plan(repo: Repo, slow: float = 2.5) -> Path:
    return repo.workstream(
        ws(
            {"id": "a", "run": "true", "files": []},
            {"id": LONG_1, "run": "printf 1 > f1", "files": ["f1"]},
            {"id": LONG_2, "run": "printf 2 > f2", "files": ["f2"]},
            {"id": "slow-step", "run": f"echo working; sleep {slow}", "files": []},
            {
                "id": "check-it",
                "run": "printf x > out.txt",
                "files": ["out.txt"],
                "depends_on": ["a"],
                "acceptance_tests": [FAILING_TEST],
            },
            {"id": "after", "run": "true", "depends_on": ["check-it"]},
            max_workers=4,
        )
    )


def assert_summary(screen: list[str], columns: int) -> None:
    """The final table: one row per step with its id and status, nothing wrapped, and the
    failed test's last lines under the failed row."""
    box = summary_box(screen)
    assert len(box[0]) <= columns
    rows = {step: row_of(box, step, [status]) for step, status in STEPS.items()}
    assert len(set(rows.values())) == len(STEPS)
    shown = [next(t for t in tokens(box[i]) if shown_as(step, t)) for step, i in rows.items()]
    assert len(set(shown)) == len(shown), f"two rows read the same: {shown}"
    # Under the failed row (before the next row): the test's last lines, capped.
    failed = rows["check-it"]
    under = box[failed + 1 : rows["after"]]
    assert any("assert 1 == 2" in line for line in under), "\n".join(box)
    assert any("line 12" in line for line in under) and not any(
        re.search(r"\bline 2\b", line) for line in under
    )


CHECKS = ("✓ schema:", "✓ file scopes:", "✓ graph:", "✓ workers:")


@pytest.mark.parametrize("columns", [50, 60, 80, 120])
def test_live_board_and_summary_fit_the_terminal(repo: Repo, columns: int) -> None:
    path = plan(repo)

    def running(lines: list[str]) -> bool:
        return any(line.startswith("▶") and "slow-step" in line for line in lines) and any(
            line.startswith("✗") for line in lines
        )

    session = run_in_pty(["run", str(path)], repo.root, columns, keep=running)
    assert session.code == 1, session.text
    assert session.kept, f"the live board was never seen:\n{session.text}"
    board = [line for line in session.kept[-1] if line and not line.startswith(CHECKS)]
    # The checks passed, each on one line, then the header, then exactly one line per step:
    # nothing wrapped, nothing else.
    checks = [line for line in session.kept[-1] if line.startswith(CHECKS)]
    assert len(checks) == len(CHECKS) and all(len(c) <= columns for c in checks), checks
    assert len(board) == 1 + len(STEPS), "\n".join(board)
    assert all(line[0] in ICONS for line in board[1:]), "\n".join(board)
    live = {**STEPS, "slow-step": "running"}
    for step, status in live.items():
        row_of(board, step, [status])
    assert_summary(session.screen, columns)
    if columns >= 120:  # wide enough for every column, so nothing is elided
        assert LONG_1 in session.text
        assert any("step" in line and "message" in line for line in session.screen[:12])


def test_dumb_terminal_gets_plain_lines_heartbeats_and_a_fitted_table(repo: Repo) -> None:
    path = plan(repo, slow=3)
    session = run_in_pty(
        ["run", str(path)], repo.root, 60, term="dumb", env={"WORKSTREAM_HEARTBEAT_S": "1"}
    )
    assert session.code == 1, session.text
    assert "\x1b[" not in session.text  # no cursor moves, no colours: it cannot redraw
    assert "▶ slow-step started" in session.text
    beat = re.search(r"▶ slow-step still running, \d+s, last output \d+s ago", session.text)
    assert beat, session.text
    assert_summary(session.screen, 60)


def test_plain_progress_to_a_pipe_beats_for_a_quiet_step(repo: Repo) -> None:
    import os
    import subprocess
    import sys

    from tests.executor.conftest import PYTHON_BIN

    path = repo.workstream(ws({"id": "quiet", "run": "sleep 3", "files": []}))
    env = {**os.environ, "PATH": PYTHON_BIN + os.pathsep + os.environ["PATH"]}
    env["WORKSTREAM_HEARTBEAT_S"] = "1"
    out = subprocess.run(
        [sys.executable, "-m", "workstream", "run", str(path), "--progress", "plain"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    beat = r"\] ▶ quiet still running, [12]s, (no output yet|last output [012]s ago)\n"
    assert re.search(beat, out.stdout), out.stdout
    assert "1 step," in out.stdout
    assert "✓ quiet succeeded" in out.stdout and "\x1b[" not in out.stdout


def test_forced_plain_progress_on_a_terminal(repo: Repo) -> None:
    path = repo.workstream(ws({"id": "one", "run": "echo hi", "files": []}))
    session = run_in_pty(["run", str(path), "--progress", "plain"], repo.root, 80)
    assert session.code == 0, session.text
    assert "▶ one started" in session.text and "one | hi" in session.text
    row_of(summary_box(session.screen), "one", ["succeeded"])


def test_more_steps_than_lines_shows_the_running_ones_and_counts_the_rest(repo: Repo) -> None:
    quick = [{"id": f"quick-{n:02d}", "run": "true", "files": []} for n in range(20)]
    path = repo.workstream(
        ws(*quick, {"id": "slow", "run": "sleep 2.5", "files": []}, max_workers=4)
    )

    def slow_running(lines: list[str]) -> bool:
        done = any(line.startswith("… ") and "succeeded" in line for line in lines)
        return done and any(line.startswith("▶") and "slow" in line for line in lines)

    session = run_in_pty(["run", str(path)], repo.root, 50, lines=12, keep=slow_running)
    assert session.code == 0, session.text
    assert session.kept, session.text
    board = [line for line in session.kept[-1] if line]
    assert len(board) <= 12
    row_of(board, "slow", ["running"])
    assert re.fullmatch(r"… \d+ more steps: .*\d+ succeeded.*", board[-1]), board
