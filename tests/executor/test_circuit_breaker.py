"""Circuit breakers: after N failures in a row of one tool's steps, its other steps are skipped
("circuit open"), their dependents too; test failures do not count, a success resets the
count, other tools go on. Real runs on real git, one step at a time (file order)."""

from __future__ import annotations

from typing import Any

from .conftest import Repo, run, statuses, ws

TOOLS = {
    # a tool that fails as an unreachable API would (the prompt is an argument, never code)
    "down": {"command": ["sh", "-c", "exit 7", "down", "{prompt}"]},
    "up": {"command": ["sh", "-c", 'printf "%s" "$1" > "$1.txt"', "up", "{prompt}"]},
}


def step(step_id: str, tool: str, **more: Any) -> dict[str, Any]:
    return {"id": step_id, "tool": tool, "tasks": [step_id], "files": [f"{step_id}.txt"], **more}


def test_the_circuit_opens_after_failures_in_a_row(repo: Repo) -> None:
    doc = ws(
        step("d1", "down"),
        step("x1", "up", depends_on=["d1"]),
        step("d2", "down"),
        step("x2", "up", depends_on=["d2"]),
        step("d3", "down"),
        step("x3", "up", depends_on=["d3"]),
        step("u1", "up"),
        max_workers=1,
        circuit_breaker={"failures": 2},
    )
    doc["tools"] = TOOLS
    result, _ = run(repo.workstream(doc))
    assert statuses(result) == {
        "d1": "failed",
        "x1": "skipped",
        "d2": "failed",
        "x2": "skipped",
        "d3": "skipped",
        "x3": "skipped",
        "u1": "succeeded",
    }
    steps = result.state.steps
    assert steps["d3"].message == (
        "not started: circuit open: down failed 2 times in a row (circuit_breaker)"
    )
    assert steps["x3"].message == "not run: 'd3' was skipped"
    assert steps["x1"].message == "not run: 'd1' failed"
    assert result.status == "failed"


def test_a_success_resets_the_count_and_test_failures_do_not_count(repo: Repo) -> None:
    doc = ws(
        step("d1", "down"),
        step("u1", "up"),
        step("d2", "down"),
        step("t1", "up", acceptance_tests=["false"]),
        step("t2", "up", acceptance_tests=["false"]),
        step("u2", "up"),
        max_workers=1,
        circuit_breaker={"failures": 2},
    )
    doc["tools"] = TOOLS
    result, _ = run(repo.workstream(doc))
    assert statuses(result) == {
        "d1": "failed",
        "u1": "succeeded",
        "d2": "failed",
        "t1": "failed",
        "t2": "failed",
        "u2": "succeeded",
    }


def test_a_tools_own_breaker_replaces_the_runs_and_shell_has_none_by_default(
    repo: Repo,
) -> None:
    tools = {**TOOLS, "down": {**TOOLS["down"], "circuit_breaker": {"failures": 1}}}
    doc = ws(
        {"id": "s1", "run": "exit 1", "files": []},
        {"id": "s2", "run": "exit 1", "files": []},
        {"id": "s3", "run": "true", "files": []},
        step("d1", "down"),
        step("d2", "down"),
        max_workers=1,
        circuit_breaker={"failures": 2},
    )
    doc["tools"] = tools
    result, _ = run(repo.workstream(doc))
    got = statuses(result)
    assert got == {
        "s1": "failed",
        "s2": "failed",
        "s3": "succeeded",
        "d1": "failed",
        "d2": "skipped",
    }
    assert result.state.steps["d2"].message == (
        "not started: circuit open: down failed once (circuit_breaker)"
    )


def test_a_retried_step_is_one_failure_of_its_tool(repo: Repo) -> None:
    # d1 fails three times (two retries) and counts once: d2 still starts, and only after it
    # failed too is the circuit open for d3
    doc = ws(
        step("d1", "down", retries=2),
        step("d2", "down"),
        step("d3", "down"),
        max_workers=1,
        circuit_breaker={"failures": 2},
    )
    doc["tools"] = TOOLS
    result, _ = run(repo.workstream(doc))
    assert statuses(result) == {"d1": "failed", "d2": "failed", "d3": "skipped"}
    steps = result.state.steps
    assert steps["d1"].attempts == 3 and steps["d2"].attempts == 1
    assert steps["d3"].message == (
        "not started: circuit open: down failed 2 times in a row (circuit_breaker)"
    )
