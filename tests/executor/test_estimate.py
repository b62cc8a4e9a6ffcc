"""The run's story in time: the saving of a real run, and a plan weighed with earlier
durations (the critical path by time, a simulated schedule with workers and barriers)."""

from __future__ import annotations

import os

import pytest

from workstream.cli import main
from workstream.executor.estimate import durations, estimate, time_saved
from workstream.executor.plan import Plan
from workstream.executor.state import RunState, StepState

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
