"""Conditional execution settings decide a real run: the same file runs one step at a time or
three at once depending on the environment the run starts in, and refuses to run while a
setting resolves to a wrong value."""

from __future__ import annotations

import pytest

from workstream.executor import WorkstreamInvalid

from .conftest import Repo, most_at_once, run, statuses, ws


def plan(repo: Repo) -> None:
    repo.workstream(
        ws(
            *({"id": f"s{i}", "run": "sleep 0.6", "files": []} for i in range(3)),
            parallel="${env.WS_TEST_SERIAL != '1'}",
            max_workers="${env.WS_TEST_WORKERS:-3}",
            timeout_per_step="${env.WS_TEST_TIMEOUT:-60}",
        )
    )


def test_the_environment_decides_how_many_run_at_once(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(repo)
    path = repo.root / "plan.workstream.json"
    monkeypatch.delenv("WS_TEST_WORKERS", raising=False)
    monkeypatch.delenv("WS_TEST_TIMEOUT", raising=False)
    monkeypatch.setenv("WS_TEST_SERIAL", "1")
    result, _ = run(path)
    assert set(statuses(result).values()) == {"succeeded"}
    assert most_at_once(result) == 1
    monkeypatch.setenv("WS_TEST_SERIAL", "0")
    result, _ = run(path)
    assert set(statuses(result).values()) == {"succeeded"}
    assert most_at_once(result) == 3
    monkeypatch.setenv("WS_TEST_WORKERS", "2")
    result, _ = run(path)
    assert most_at_once(result) == 2


def test_a_timeout_from_the_environment_applies(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(repo)
    monkeypatch.setenv("WS_TEST_TIMEOUT", "0.2")
    result, _ = run(repo.root / "plan.workstream.json")
    assert set(statuses(result).values()) == {"failed"}
    assert {e.reason for e in result.state.steps.values()} == {"timeout"}


def test_a_wrong_value_now_refuses_the_run(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    plan(repo)
    monkeypatch.setenv("WS_TEST_WORKERS", "many")
    with pytest.raises(WorkstreamInvalid) as refused:
        run(repo.root / "plan.workstream.json")
    assert [f.code for f in refused.value.findings] == ["WS210"]
    assert "'many' here, not an integer" in refused.value.findings[0].message
