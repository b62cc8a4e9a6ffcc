"""A step that leaves a huge file or a hundred thousand files: the runner's work stays bounded.

Writing a sparse 100 GB file costs the step nothing; hashing it (``git add`` of the worktree)
took the runner minutes past the step's timeout, deaf to SIGTERM and Ctrl-C. Now a file over
``execution.max_file_size`` fails the step, named with its size, before git reads it; a
snapshot that still runs past the deadline (a large limit) or into a cancellation is killed;
and 100,000 files end in a bounded time with messages that name a few of them. With and
without the sandbox; the user's repository is checked at teardown (``Guarded``).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.executor.conftest import PYTHON_BIN, run, statuses, ws
from workstream.executor import Executor, RunOptions
from workstream.executor.events import Event, StepFinished

from .conftest import Guarded, processes_with

SPARSE = "truncate -s 100G big"
MANY = (  # 100,000 empty files below gen/, in one process (a shell loop takes minutes)
    "python3 -c \"import os; os.mkdir('gen'); "
    "[open(f'gen/{i}', 'w').close() for i in range(100000)]\""
)


def _finished(events: list[Event]) -> dict[str, StepFinished]:
    return {e.step_id: e for e in events if isinstance(e, StepFinished)}


def _no_git_left(repo: Guarded) -> None:
    """No git (or anything else) of the run still reads the worktrees."""
    deadline = time.monotonic() + 5
    while processes_with(str(repo.root)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_with(str(repo.root)) == []


def _branch_files(repo: Guarded, ref: str) -> list[str]:
    code = os.system(f"git -C {repo.root} rev-parse -q --verify {ref} >/dev/null")
    if code != 0:
        return []
    out = os.popen(f"git -C {repo.root} ls-tree -r --name-only {ref}").read()
    return out.split()


@pytest.mark.parametrize("scope", ["big", "other"], ids=["in-scope", "out-of-scope"])
def test_a_sparse_file_over_the_limit_fails_the_step_before_git_reads_it(
    repo: Guarded, sandbox: bool, scope: str
) -> None:
    path = repo.workstream(
        ws(
            {"id": "a", "files": [scope], "timeout": 30, "run": SPARSE},
            {"id": "b", "depends_on": ["a"], "files": ["y"], "run": "echo y > y"},
            sandbox=sandbox,
        )
    )
    began = time.monotonic()
    result, events = run(path)
    took = time.monotonic() - began
    assert took < 20, f"the run took {took:.1f}s"
    assert statuses(result) == {"a": "failed", "b": "skipped"}
    message = _finished(events)["a"].message
    assert "over execution.max_file_size (100.0 MiB)" in message, message
    assert "big (100.0 GiB)" in message, message
    assert "big" not in _branch_files(repo, "refs/heads/workstream/ws-test/step/a")
    assert "big" not in _branch_files(repo, "refs/heads/workstream/ws-test/result")
    _no_git_left(repo)


def test_a_tracked_empty_file_grown_huge_is_not_read(repo: Guarded, sandbox: bool) -> None:
    """An empty file's index entry has no size: git would hash it to see if it changed."""
    (repo.root / "empty").write_text("")
    repo.commit_all("an empty file")
    repo.expected = repo.snapshot()
    path = repo.workstream(
        ws(
            {"id": "a", "files": ["empty"], "timeout": 30, "run": "truncate -s 100G empty"},
            sandbox=sandbox,
        )
    )
    began = time.monotonic()
    result, events = run(path)
    assert time.monotonic() - began < 20, _finished(events)["a"].message
    assert statuses(result) == {"a": "failed"}
    assert "empty (100.0 GiB)" in _finished(events)["a"].message
    _no_git_left(repo)


def test_a_smaller_limit_is_kept_and_a_file_below_it_is_committed(repo: Guarded) -> None:
    path = repo.workstream(
        ws(
            {"id": "a", "files": ["small", "large"], "run": "head -c 2000 /dev/zero > large"},
            {"id": "b", "files": ["small"], "run": "head -c 1000 /dev/zero > small"},
            max_file_size="1.5KiB",
        )
    )
    result, events = run(path)
    assert statuses(result) == {"a": "failed", "b": "succeeded"}
    assert "large (2.0 KiB)" in _finished(events)["a"].message
    assert "small" in _branch_files(repo, "refs/heads/workstream/ws-test/step/b")


def test_a_snapshot_past_the_step_deadline_is_killed(repo: Guarded, sandbox: bool) -> None:
    """A limit above the file: git starts hashing 100 GB and is stopped at the deadline."""
    path = repo.workstream(
        ws(
            {"id": "a", "files": ["big"], "timeout": 3, "run": SPARSE},
            sandbox=sandbox,
            max_file_size="200GB",
        )
    )
    began = time.monotonic()
    result, events = run(path)
    took = time.monotonic() - began
    assert took < 20, f"the run took {took:.1f}s"
    assert statuses(result) == {"a": "failed"}
    finished = _finished(events)["a"]
    assert finished.reason == "timeout"
    assert "the snapshot of the step's files took longer than its timeout" in finished.message
    assert "big" not in _branch_files(repo, "refs/heads/workstream/ws-test/step/a")
    _no_git_left(repo)


def test_cancelling_stops_the_snapshot(repo: Guarded, sandbox: bool) -> None:
    """Ctrl-C, SIGTERM and the editor's cancel all cancel the run: git add is killed."""
    path = repo.workstream(
        ws(
            {"id": "a", "files": ["big"], "timeout": 600, "run": SPARSE},
            sandbox=sandbox,
            max_file_size="200GB",
        )
    )
    env = {"PATH": PYTHON_BIN + os.pathsep + os.environ.get("PATH", "")}
    executor = Executor(path, RunOptions(env=env, kill_grace=0.5))
    events: list[Event] = []
    executor.subscribe(events.append)
    thread = threading.Thread(target=executor.run)
    thread.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
        b"add\0--all" in Path(f"/proc/{pid}/cmdline").read_bytes()
        for pid in processes_with(str(repo.root))
        if Path(f"/proc/{pid}").exists()
    ):
        time.sleep(0.05)
    assert time.monotonic() < deadline, "the snapshot never started"
    cancelled = time.monotonic()
    executor.cancel()
    thread.join(30)
    assert not thread.is_alive(), "the run did not stop"
    assert time.monotonic() - cancelled < 10
    assert _finished(events)["a"].status == "cancelled"
    _no_git_left(repo)


@pytest.mark.parametrize("scope", ["gen/**", "other/**"], ids=["in-scope", "out-of-scope"])
def test_a_hundred_thousand_files_end_in_bounded_time_and_short_messages(
    repo: Guarded, sandbox: bool, scope: str
) -> None:
    path = repo.workstream(
        ws({"id": "a", "files": [scope], "timeout": 90, "run": MANY}, sandbox=sandbox)
    )
    began = time.monotonic()
    result, events = run(path)
    took = time.monotonic() - began
    assert took < 240, f"the run took {took:.1f}s"  # minutes of git on a loaded machine
    finished = _finished(events)["a"]
    assert len(finished.message) < 1500, finished.message[:300]
    if scope == "other/**":
        assert statuses(result) == {"a": "failed"}
        assert "changed files outside its scope" in finished.message
        assert "and 99,980 more" in finished.message, finished.message
    else:  # a correct success, or a clear failure if the machine is too slow for its timeout
        assert finished.status == "succeeded" or finished.reason == "timeout", finished.message
        if finished.status == "succeeded":
            assert finished.message.startswith("100000 files changed")
    log = Path(result.state.steps["a"].log or "")
    if log.is_file():
        assert log.stat().st_size < 20_000
    _no_git_left(repo)
