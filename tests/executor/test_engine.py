"""The engine on real repositories: merges along edges, failures, scopes, conflicts, resume."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from workstream.executor import (
    ExecutorError,
    StepFinished,
    StepStarted,
    load_state,
)

from .conftest import Repo, git, run, statuses, ws


def write(step_id: str, path: str, text: str, **extra: object) -> dict[str, object]:
    """A shell step that writes one file."""
    return {
        "id": step_id,
        "run": f"mkdir -p $(dirname {path}) && printf '{text}' > {path}",
        "files": [path],
        **extra,
    }


def diamond(repo: Repo, **execution: object) -> Path:
    return repo.workstream(
        ws(
            write("a", "a.txt", "a"),
            write("b", "b.txt", "b", depends_on=["a"]),
            write("c", "c.txt", "c", depends_on=["a"]),
            write(
                "d",
                "d.txt",
                "d",
                depends_on=["b", "c"],
                acceptance_tests=["test -f a.txt", "test -f b.txt", "test -f c.txt"],
            ),
            max_workers=2,
            **execution,
        )
    )


def test_diamond_merges_both_branches_into_the_last_step(repo: Repo) -> None:
    result, events = run(diamond(repo))
    assert result.status == "succeeded"
    assert statuses(result) == dict.fromkeys("abcd", "succeeded")
    d = result.state.steps["d"]
    assert repo.files(d.commit or "") >= {"a.txt", "b.txt", "c.txt", "d.txt"}
    # d started from the merge of b and c: its start point has both as parents
    parents = git(repo.root, "rev-list", "--parents", "-n1", d.start_commit or "").split()[1:]
    assert set(parents) == {result.state.steps["b"].commit, result.state.steps["c"].commit}
    assert result.result_branch == "workstream/ws-test/result"
    assert repo.head(result.result_branch) == d.commit
    assert repo.show(result.result_branch, "b.txt") == "b"
    # b and c ran side by side: both started before either finished
    order = [
        (type(e).__name__, e.step_id) for e in events if isinstance(e, StepStarted | StepFinished)
    ]
    assert order.index(("StepStarted", "c")) < order.index(("StepFinished", "b"))
    assert order.index(("StepStarted", "b")) < order.index(("StepFinished", "c"))
    assert repo.worktrees() == [str(repo.root)]  # succeeded worktrees are removed
    assert load_state(repo.root / "plan.workstream.json").status_json()["status"] == "succeeded"


def test_a_failure_skips_its_dependents_while_an_independent_branch_succeeds(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            {"id": "broken", "run": "printf partial > broken.txt; exit 3", "files": ["broken.txt"]},
            write("after-broken", "x.txt", "x", depends_on=["broken"]),
            write("later", "y.txt", "y", depends_on=["after-broken"]),
            write("independent", "z.txt", "z"),
            write("after-independent", "w.txt", "w", depends_on=["independent"]),
            max_workers=2,
        )
    )
    result, _ = run(path)
    assert result.status == "failed"
    assert statuses(result) == {
        "broken": "failed",
        "after-broken": "skipped",
        "later": "skipped",
        "independent": "succeeded",
        "after-independent": "succeeded",
    }
    broken = result.state.steps["broken"]
    assert "exit 3" in broken.message and broken.reason == "exit"
    assert "'broken' failed" in result.state.steps["later"].message
    assert result.result_branch is None and not repo.branch_exists("workstream/ws-test/result")
    # the failed worktree is kept, clean, its partial work saved on the step branch
    kept = Path(broken.worktree or "")
    assert kept.is_dir() and git(kept, "status", "--porcelain") == ""
    assert repo.show("workstream/ws-test/step/broken", "broken.txt") == "partial"
    assert repo.show("workstream/ws-test/step/after-independent", "z.txt") == "z"


def test_fail_fast_stops_launching_after_the_first_failure(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            {"id": "first", "run": "exit 1", "files": []},
            write("second", "s.txt", "s"),
            max_workers=1,
            fail_fast=True,
        )
    )
    result, _ = run(path)
    assert statuses(result) == {"first": "failed", "second": "skipped"}
    assert "fail_fast" in result.state.steps["second"].message


def test_changes_outside_the_scope_fail_the_step_and_name_the_files(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            {
                "id": "sloppy",
                "run": "printf 1 > allowed.txt; printf 2 > stray.txt; rm README.md",
                "files": ["allowed.txt"],
            },
            {"id": "test-only", "run": "printf x > notes.txt", "files": []},
        )
    )
    result, _ = run(path)
    sloppy = result.state.steps["sloppy"]
    assert sloppy.status == "failed" and sloppy.reason == "scope"
    assert "README.md" in sloppy.message and "stray.txt" in sloppy.message
    assert "allowed.txt," not in sloppy.message.split("(scope")[0]
    assert result.state.steps["test-only"].reason == "scope"
    assert "notes.txt" in result.state.steps["test-only"].message


def test_a_merge_conflict_between_two_dependencies_fails_the_step_naming_the_files(
    repo: Repo,
) -> None:
    path = repo.workstream(
        ws(
            {"id": "left", "run": "printf left > shared.txt"},
            {"id": "right", "run": "printf right > shared.txt"},
            {"id": "join", "run": "true", "depends_on": ["left", "right"]},
        )
    )
    result, _ = run(path)
    join = result.state.steps["join"]
    assert statuses(result) == {"left": "succeeded", "right": "succeeded", "join": "failed"}
    assert join.reason == "merge_conflict"
    assert "shared.txt" in join.message and "'left'" in join.message and "'right'" in join.message
    assert join.worktree is None  # nothing ran, nothing to inspect


def test_resume_skips_steps_whose_definition_and_start_point_are_unchanged(repo: Repo) -> None:
    path = diamond(repo)
    first, _ = run(path)
    data = path.read_text().replace("printf 'd' > d.txt", "printf 'D' > d.txt")
    path.write_text(data)
    repo.commit_all("change d")  # a new HEAD, but the base stays the same tree... and commit
    git(repo.root, "branch", "-f", "pinned", first.state.base_commit or "")
    text = path.read_text().replace('"execution": {', '"execution": {"base": "pinned", ')
    path.write_text(text)
    repo.commit_all("pin the base")
    second, events = run(path, resume=True)
    started = {e.step_id for e in events if isinstance(e, StepStarted)}
    assert started == {"d"}
    assert second.status == "succeeded"
    for step in "abc":
        assert second.state.steps[step].commit == first.state.steps[step].commit
        assert "up to date" in second.state.steps[step].message
    assert repo.show(second.result_branch or "", "d.txt") == "D"
    # a new base makes every step stale again
    text = path.read_text().replace('"base": "pinned", ', "")
    path.write_text(text)
    repo.commit_all("unpin")
    third, events = run(path, resume=True)
    assert {e.step_id for e in events if isinstance(e, StepStarted)} == set("abcd")
    assert third.status == "succeeded"


def test_step_option_runs_the_step_and_only_the_dependencies_it_needs(repo: Repo) -> None:
    path = diamond(repo)
    first, events = run(path, steps=("b",))
    assert {e.step_id for e in events if isinstance(e, StepStarted)} == {"a", "b"}
    assert first.status == "succeeded" and first.result_branch is None
    assert set(first.state.steps) == {"a", "b"}
    second, events = run(path, steps=("d",))
    assert {e.step_id for e in events if isinstance(e, StepStarted)} == {"c", "d"}
    assert second.state.steps["a"].commit == first.state.steps["a"].commit
    assert second.status == "succeeded"


def test_retries_rerun_a_failed_step_from_a_fresh_worktree(repo: Repo, tmp_path: Path) -> None:
    (tmp_path / "count").mkdir()
    counter = tmp_path / "count" / "attempts"
    path = repo.workstream(
        ws(
            {
                "id": "flaky",
                "writable": [str(tmp_path / "count")],  # the sandbox lets it keep a count there
                # the first attempt leaves a stray file and fails; the second must not see it
                "run": f"echo x >> {counter}; test -f stray.txt && exit 9; "
                f"[ $(wc -l < {counter}) -ge 2 ] || {{ touch stray.txt; exit 1; }}; "
                "printf ok > ok.txt",
                "files": ["ok.txt", "stray.txt"],
                "retries": 1,
            }
        )
    )
    result, events = run(path)
    flaky = result.state.steps["flaky"]
    assert flaky.status == "succeeded" and flaky.attempts == 2
    assert [e.attempt for e in events if isinstance(e, StepStarted)] == [1, 2]
    assert repo.files(flaky.commit or "") >= {"ok.txt"} and "stray.txt" not in repo.files(
        flaky.commit or ""
    )


def test_setup_copy_and_ports_prepare_each_worktree(repo: Repo) -> None:
    step = "test -f .env && test -f made-by-setup && printf $WORKSTREAM_PORT > {0}.port; sleep 0.3"
    path = repo.workstream(
        ws(
            {"id": "one", "run": step.format("one"), "files": ["one.port"]},
            {"id": "two", "run": step.format("two"), "files": ["two.port"]},
            setup="touch made-by-setup",
            copy=[".env"],
            max_workers=2,
        )
    )
    repo.write(".env", "SECRET=1\n")  # untracked, not ignored: copied, never committed
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert result.status == "succeeded", result.state.steps
    one, two = (result.state.steps[s] for s in ("one", "two"))
    port_one = repo.show(one.commit or "", "one.port")
    port_two = repo.show(two.commit or "", "two.port")
    assert port_one.isdigit() and port_two.isdigit() and port_one != port_two
    for entry in (one, two):
        assert ".env" not in repo.files(entry.commit or "")
        assert "made-by-setup" not in repo.files(entry.commit or "")


def test_the_step_environment_names_the_run(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            {
                "id": "env",
                "run": 'printf "$WORKSTREAM_ID $WORKSTREAM_STEP $WORKSTREAM_RUN $FOO" > env.txt',
                "env": {"FOO": "bar"},
                "files": ["env.txt"],
            }
        )
    )
    result, _ = run(path)
    assert (
        repo.show(result.state.steps["env"].commit or "", "env.txt")
        == f"ws-test env {result.run_id} bar"
    )


def test_uncommitted_changes_are_warned_about_and_left_alone(repo: Repo) -> None:
    path = diamond(repo)
    repo.write("README.md", "# edited but not committed\n")
    repo.expected = repo.snapshot()
    result, events = run(path)
    assert result.status == "succeeded"
    warnings = events[0].warnings  # type: ignore[union-attr]
    assert warnings and "uncommitted" in warnings[0]
    assert repo.show(result.result_branch or "", "README.md") == "# scratch\n"


def test_rate_limit_delay_spaces_step_starts(repo: Repo) -> None:
    path = repo.workstream(
        ws(
            write("one", "1.txt", "1"),
            write("two", "2.txt", "2"),
            write("three", "3.txt", "3"),
            max_workers=3,
            rate_limit_delay=0.4,
        )
    )
    starts: list[float] = []
    from workstream.executor import Executor, RunOptions

    executor = Executor(path, RunOptions())
    executor.subscribe(
        lambda e: starts.append(time.monotonic()) if isinstance(e, StepStarted) else None
    )
    assert executor.run().status == "succeeded"
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(gaps) == 2 and min(gaps) >= 0.3 and sum(gaps) >= 0.75  # event-time jitter


def test_a_result_branch_the_user_has_checked_out_is_never_moved(repo: Repo) -> None:
    path = diamond(repo)
    first, _ = run(path)
    git(repo.root, "checkout", "-q", "workstream/ws-test/result")
    repo.expected = repo.snapshot()
    second, _ = run(path)  # a new result (another run, another merge commit)
    assert second.status == "succeeded"
    assert repo.head("workstream/ws-test/result") == first.result_commit
    assert "checked out in" in second.state.message and "not moved" in second.state.message
    assert second.state.result_commit and second.result_branch is None


def test_bad_input_is_one_clear_error(repo: Repo, tmp_path: Path) -> None:
    with pytest.raises(ExecutorError, match="no such file"):
        run(repo.root / "missing.workstream.json")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "w.workstream.json").write_text('{"id": "x", "steps": [{"id": "a", "run": "true"}]}')
    with pytest.raises(ExecutorError, match="not inside a git repository"):
        run(outside / "w.workstream.json")
    path = repo.workstream(ws({"id": "a", "run": "true", "depends_on": ["nope"]}))
    with pytest.raises(ExecutorError, match="error"):
        run(path)
    path = repo.workstream(ws({"id": "a", "run": "true"}))
    with pytest.raises(ExecutorError, match="unknown step 'zzz'"):
        run(path, steps=("zzz",))
    path = repo.workstream(ws({"id": "a", "run": "true"}, base="no-such-branch"))
    with pytest.raises(ExecutorError, match="not a commit"):
        run(path)


def test_parallel_false_runs_one_step_at_a_time(repo: Repo) -> None:
    path = repo.workstream(
        ws(write("one", "1.txt", "1"), write("two", "2.txt", "2"), parallel=False, max_workers=4)
    )
    result, events = run(path)
    order = [type(e).__name__ for e in events if isinstance(e, StepStarted | StepFinished)]
    assert result.status == "succeeded"
    assert order == ["StepStarted", "StepFinished", "StepStarted", "StepFinished"]


def test_old_run_logs_are_pruned_but_logs_in_the_state_are_kept(tmp_path: Path) -> None:
    from workstream.executor.logs import prune_logs
    from workstream.executor.state import RunState, StepState

    for i in range(30):
        (tmp_path / f"run-{i:02d}").mkdir()
    named = RunState("r", "w", steps={"s": StepState(log=str(tmp_path / "run-03" / "s.log"))})
    prune_logs(tmp_path, 20, [named, None])
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["run-03", *(f"run-{i:02d}" for i in range(10, 30))]
