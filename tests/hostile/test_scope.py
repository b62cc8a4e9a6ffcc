"""The scope is judged on a step's whole result, however the step made it."""

from __future__ import annotations

from tests.executor.conftest import git, run, ws

from .conftest import Guarded


def test_its_own_commit_of_an_out_of_scope_file_fails_it(repo: Guarded, sandbox: bool) -> None:
    evil = "printf x > secret.txt && git add secret.txt && git commit -qm sneak"
    path = repo.workstream(ws({"id": "a", "run": evil, "files": ["a.txt"]}, sandbox=sandbox))
    repo.expected = repo.snapshot()
    result, _ = run(path)
    entry = result.state.steps["a"]
    assert entry.status == "failed" and entry.reason == "scope" and "secret.txt" in entry.message
    assert result.result_branch is None


def test_a_reset_that_deletes_base_files_fails_it(repo: Guarded, sandbox: bool) -> None:
    path = repo.workstream(
        ws({"id": "a", "run": "git reset -q --hard HEAD~2", "files": ["a.txt"]}, sandbox=sandbox)
    )
    repo.expected = repo.snapshot()
    result, _ = run(path)
    entry = result.state.steps["a"]
    assert entry.status == "failed" and entry.reason == "scope"
    assert "src/lib.py" in entry.message or "plan.workstream.json" in entry.message


def test_its_own_in_scope_commits_are_its_work(repo: Guarded, sandbox: bool) -> None:
    work = "printf a > a.txt && git add a.txt && git commit -qm mine && printf b > b.txt"
    path = repo.workstream(
        ws({"id": "a", "run": work, "files": ["a.txt", "b.txt"]}, sandbox=sandbox)
    )
    repo.expected = repo.snapshot()
    result, _ = run(path)
    entry = result.state.steps["a"]
    assert entry.status == "succeeded" and entry.message == "2 files changed"
    assert repo.show(entry.commit or "", "a.txt") == "a"
    assert repo.show(entry.commit or "", "b.txt") == "b"


def test_a_branch_switch_leaves_no_branch_of_the_users(repo: Guarded, sandbox: bool) -> None:
    work = "git checkout -q -b other 2>/dev/null; printf a > a.txt"
    path = repo.workstream(ws({"id": "a", "run": work, "files": ["a.txt"]}, sandbox=sandbox))
    repo.expected = repo.snapshot()
    result, _ = run(path)
    entry = result.state.steps["a"]
    if sandbox:  # the refs are read-only inside: the switch failed, the work is there
        assert entry.status == "succeeded"
        assert repo.show(entry.commit or "", "a.txt") == "a"
    else:  # the tripwire names the new branch
        assert entry.status == "failed" and "refs/heads/other" in entry.message
        git(repo.root, "branch", "-D", "other")
    assert not repo.branch_exists("other")
