"""The run's story in time: the saving of a real run, and a plan weighed with earlier
durations (the critical path by time, a simulated schedule with workers and barriers)."""

from __future__ import annotations

import os

import pytest

from workstream.cli import main
from workstream.executor import load_state
from workstream.executor.estimate import Units, durations, estimate, time_saved, units_of
from workstream.executor.plan import Plan, make_plan
from workstream.executor.state import RunState, StepState
from workstream.executor.target import read_workstream

from .conftest import PYTHON_BIN, Repo, ws


def plan(workers: int, groups: tuple[tuple[str, int], ...] = ()) -> Plan:
    # a → b, a → c, d alone
    return Plan(
        "w",
        ("a", "b", "c", "d"),
        (("a", "b"), ("a", "c")),
        (("a", "d"), ("b", "c")),
        ("a", "b"),
        workers,
        (),
        groups,
    )


def state(**ms: int) -> RunState:
    out = RunState("r1", "w")
    out.steps = {k: StepState("succeeded", "r1", duration_ms=v) for k, v in ms.items()}
    return out


def test_the_critical_path_by_time_and_the_schedule() -> None:
    measured, runs = durations(state(a=1000, b=500, c=3000, d=2000))
    weighed = estimate(plan(2), measured, runs)
    assert weighed is not None
    assert weighed.critical_path == ("a", "c") and weighed.critical_ms == 4000
    assert weighed.serial_ms == 6500
    # two at once, longest chain first: a and d, then c and b: a ends 1000, c ends 4000
    assert weighed.wall_ms == 4000
    assert estimate(plan(1), measured, runs).wall_ms == 6500  # type: ignore[union-attr]
    assert weighed.lines(2, 4) == [
        "estimate (durations of run r1): about 4.0s with up to 2 at once, about 6.5s one at a time",
        "critical path by time, about 4.0s: a → c",
    ]


def test_unmeasured_steps_count_as_the_median_and_barriers_hold() -> None:
    measured, runs = durations(state(a=1000, c=3000))
    weighed = estimate(plan(4), measured, runs)
    assert weighed is not None and weighed.known == 2
    assert weighed.serial_ms == 1000 + 2000 + 3000 + 2000  # b and d: the median, 2000
    assert weighed.lines(4, 4)[0].startswith("estimate (2 of 4 steps measured; durations")
    # d in a group above a's: d waits for a
    grouped = estimate(plan(4, (("a", 1), ("d", 2))), measured, runs)
    assert grouped is not None and grouped.wall_ms == 4000  # a 1000 then c 3000; d 1000→3000
    assert estimate(plan(2), {}, ()) is None


def test_a_real_run_says_what_parallelism_saved(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])
    path = repo.workstream(
        ws(*({"id": f"s{i}", "run": "sleep 0.5", "files": []} for i in range(3)), max_workers=3)
    )
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[:4] == [
        "✓ schema: valid",
        "✓ file scopes: 3 of 3 steps scoped, no conflicts",
        "✓ graph: 3 steps, 0 dependencies, 1 wave, no cycle",
        "✓ workers: up to 3 at once",
    ]
    story = next(line for line in lines if line.startswith("took "))
    saved = int(story.rsplit(": ", 1)[1].split("%")[0])
    assert "; one step at a time about " in story and saved >= 30, story
    assert main(["run", str(path), "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "  estimate (durations of run " in dry and "with up to 3 at once" in dry
    loaded = time_saved(RunState("x", "w"))
    assert loaded is None


def test_candidates_are_units_of_work_against_the_workers() -> None:
    measured, runs = durations(state(a=3000, b=500, c=3000, d=2000))
    scored = {"a": Units(3, first=False, measured=(1000.0, 2000.0, 3000.0))}
    weighed = estimate(plan(2), measured, runs, scored)
    assert weighed is not None
    # a's candidates take both workers: 1 and 2 at 0, 3 when 1 ends (1000 → 4000); d at 2000
    assert weighed.wall_ms == 7000  # then c 4000 → 7000 (b beside it)
    assert weighed.critical_path == ("a", "c") and weighed.critical_ms == 7000
    assert weighed.serial_ms == 1000 + 2000 + 3000 + 500 + 3000 + 2000
    # with one worker a's three candidates run one after another
    alone = estimate(plan(1), measured, runs, scored)
    assert alone is not None and alone.critical_ms == 6000 + 3000
    # "first": the step ends with its first candidate, the others stop
    first = estimate(plan(2), measured, runs, {"a": Units(3, True, (1000.0, 2000.0, 3000.0))})
    assert first is not None and first.wall_ms == 4000 and first.critical_ms == 4000
    assert first.serial_ms == 1000 + 500 + 3000 + 2000
    # unmeasured candidates count as their step
    assert Units(2, False).costs(800.0) == [800.0, 800.0]


def test_dry_run_lists_candidates_and_weighs_them_with_their_last_run(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", PYTHON_BIN + os.pathsep + os.environ["PATH"])
    pick = {
        "id": "pick",
        "files": ["out.txt"],
        "run": "sleep 0.3; echo $N > out.txt",
        "candidates": [{"env": {"N": "1"}}, {"env": {"N": "2"}}, {"run": "exit 1"}],
        "select": {"score": "cat out.txt", "better": "higher"},
    }
    path = repo.workstream(
        ws(pick, {"id": "after", "depends_on": ["pick"], "run": "true", "files": []}, max_workers=2)
    )
    assert main(["run", str(path), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:7] == [
        "ws-test: 2 steps, 4 units of work with candidates, up to 2 at once",
        "  wave 1: pick",
        "    pick: 3 candidates, each in its own worktree; they share the 2 workers; "
        "`cat out.txt` scores each that passes, in its worktree; the highest score wins "
        "(ties: the lower number)",
        "      1. env N=1 (tool: a command)",
        "      2. env N=2 (tool: a command)",
        "      3. run: exit 1 (tool: a command)",
        "  wave 2: after",
    ]
    assert main(["run", str(path)]) == 0
    capsys.readouterr()
    assert main(["run", str(path), "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "estimate (durations of run " in dry and "critical path by time" in dry
    model = read_workstream(path)[1]
    units = units_of(model, make_plan(model), load_state(path))
    assert units["pick"].count == 3 and not units["pick"].first
    assert all(took is not None and took >= 300 for took in units["pick"].measured[:2])
