"""Resource-aware starts on real runs: a step is held back while memory is short or the load
is high, the run says so, and a held step starts when nothing else of the run is running."""

from __future__ import annotations

import pytest

from workstream.executor import StepOutput
from workstream.executor import resources as resources_module
from workstream.sizes import parse_size, shown_size

from .conftest import Repo, most_at_once, run, statuses, ws


@pytest.mark.parametrize(
    "text,size",
    [
        ("1.5GB", 1_500_000_000),
        ("512MiB", 512 * 2**20),
        (" 2 gb ", 2 * 10**9),
        ("100", 100),
        (4096, 4096),
        ("1TiB", 2**40),
    ],
)
def test_sizes(text: object, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "GB", "-1GB", "1.5 parsecs", 0, -3, True, None, "1e9"])
def test_not_sizes(text: object) -> None:
    assert parse_size(text) is None


def test_shown_size() -> None:
    assert shown_size(1_500_000_000) == "1.5 GB" and shown_size(820_000_000) == "820 MB"


def test_short_memory_runs_one_step_at_a_time_and_says_why(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            *({"id": f"s{i}", "run": "sleep 0.4", "files": []} for i in range(3)),
            max_workers=3,
            memory_per_step="1000TB",  # more than any machine has
        )
    )
    result, events = run(path)
    assert set(statuses(result).values()) == {"succeeded"}
    assert most_at_once(result) == 1
    said = [e.line for e in events if isinstance(e, StepOutput)]
    assert any(
        line.startswith("held back: ") and "below memory_per_step (1000.0 TB)" in line
        for line in said
    ), said
    assert any(line.startswith("starting anyway (") for line in said), said


def test_enough_memory_holds_nothing(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            *({"id": f"s{i}", "run": "sleep 0.4", "files": []} for i in range(3)),
            max_workers=3,
            memory_per_step="1MB",
        )
    )
    result, events = run(path)
    assert most_at_once(result) == 3
    assert not any(isinstance(e, StepOutput) and "held back" in e.line for e in events)


def test_a_busy_machine_holds_new_steps(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    # The load probe reads a machine far busier than its CPUs (the run itself is real).
    monkeypatch.setattr(resources_module.os, "getloadavg", lambda: (512.0, 0.0, 0.0))
    path = repo.workstream(
        ws(
            *({"id": f"s{i}", "run": "sleep 0.3", "files": []} for i in range(2)),
            max_workers=2,
            adaptive_scaling=True,
        )
    )
    result, events = run(path)
    assert most_at_once(result) == 1
    assert any(isinstance(e, StepOutput) and "load average 512.0 above" in e.line for e in events)
