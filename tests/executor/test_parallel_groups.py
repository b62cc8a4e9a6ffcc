"""parallel_group barriers on real runs: no step of a group starts before every step of every
lower group finished (succeeded or not), steps of one group run together, a step without a
group is held by its depends_on alone; measured from the recorded start and end times."""

from __future__ import annotations

import pytest

from workstream.executor import ExecutorError, make_plan
from workstream.executor.target import read_workstream
from workstream.model import build

from .conftest import Repo, run, statuses, ws


def test_groups_are_barriers(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            {"id": "g2-a", "run": "sleep 0.2", "files": [], "parallel_group": 2},
            {"id": "g1-a", "run": "sleep 0.6", "files": [], "parallel_group": 1},
            {"id": "g1-b", "run": "sleep 0.3; exit 1", "files": [], "parallel_group": 1},
            {"id": "g2-b", "run": "sleep 0.2", "files": [], "parallel_group": 2},
            {"id": "g5", "run": "true", "files": [], "parallel_group": 5},
            {"id": "free", "run": "sleep 0.2", "files": []},
            max_workers=4,
        )
    )
    result, _ = run(path)
    got = statuses(result)
    assert got == {
        "g2-a": "succeeded",
        "g1-a": "succeeded",
        "g1-b": "failed",  # a failure still lets the next group start
        "g2-b": "succeeded",
        "g5": "succeeded",
        "free": "succeeded",
    }
    steps = result.state.steps
    start = {s: e.started_at or 0.0 for s, e in steps.items()}
    end = {s: e.finished_at or 0.0 for s, e in steps.items()}
    group1_done = max(end["g1-a"], end["g1-b"])
    assert min(start["g2-a"], start["g2-b"]) >= group1_done
    assert start["g5"] >= max(end["g2-a"], end["g2-b"])
    # the group's steps ran together, and the free step did not wait for any barrier
    assert start["g1-b"] < end["g1-a"] and start["g2-b"] < end["g2-a"]
    assert start["free"] < group1_done


def test_the_plan_shows_the_barriers_as_waves(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            {"id": "late", "run": "true", "files": [], "parallel_group": 2},
            {"id": "early", "run": "true", "files": [], "parallel_group": 1},
            {"id": "after-late", "run": "true", "files": [], "depends_on": ["late"]},
        )
    )
    _, model = read_workstream(path)
    plan = make_plan(model)
    assert plan.waves == (("early",), ("late",), ("after-late",))
    assert plan.critical_path == ("early", "late", "after-late")
    assert plan.edges == (("late", "after-late"),)  # the dependency edges alone
    assert dict(plan.groups) == {"late": 2, "early": 1}


def test_an_order_no_check_foresaw_is_a_clear_error_not_a_traceback() -> None:
    # the checks refuse this file (WS111); the planner, given it anyway, says why it cannot
    model = build(
        {
            "id": "ws",
            "steps": [
                {"id": "a", "run": "true", "parallel_group": 1},
                {"id": "c", "run": "true", "parallel_group": 3},
            ],
            "step_groups": [{"id": "seq", "steps": ["c", "a"], "execute": "sequential"}],
        }
    )
    assert model is not None
    with pytest.raises(ExecutorError, match=r"the steps wait for each other \(.*\): depends_on"):
        make_plan(model)
