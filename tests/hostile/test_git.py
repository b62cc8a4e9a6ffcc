"""Git cannot be turned against the user: no hooks, no config commands, no walking up."""

from __future__ import annotations

from pathlib import Path

from tests.executor.conftest import git, run, statuses, ws

from .conftest import Guarded


def test_the_users_hooks_never_run(repo: Guarded, tmp_path: Path) -> None:
    marker = tmp_path / "hook-ran"
    for hook in ("post-commit", "pre-commit", "post-checkout", "reference-transaction"):
        script = repo.root / ".git" / "hooks" / hook
        script.write_text(f"#!/bin/sh\necho {hook} >> {marker}\n")
        script.chmod(0o755)
    path = repo.workstream(ws({"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]}))
    marker.unlink(missing_ok=True)  # committing the workstream file ran the user's hooks
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert result.status == "succeeded"
    assert not marker.exists()


def test_a_step_that_sets_fsmonitor_in_the_shared_config(
    repo: Guarded, sandbox: bool, tmp_path: Path
) -> None:
    marker = tmp_path / "fsmonitor-ran"
    evil = f"git config core.fsmonitor 'touch {marker}; false' ; true"
    path = repo.workstream(
        ws(
            {"id": "evil", "run": evil, "files": []},
            {"id": "later", "run": "printf b > b.txt", "files": ["b.txt"], "depends_on": ["evil"]},
            sandbox=sandbox,
        )
    )
    repo.expected = repo.snapshot()
    result, _ = run(path)
    assert not marker.exists()
    if sandbox:  # the config is read-only inside: nothing happened
        assert result.status == "succeeded"
    else:  # the tripwire saw it: the step fails and says what changed
        evil_entry = result.state.steps["evil"]
        assert evil_entry.status == "failed" and evil_entry.reason == "tripwire"
        assert "fsmonitor" in evil_entry.message
        git(repo.root, "config", "--unset", "core.fsmonitor")  # the test tidies for the user
        assert statuses(result)["later"] == "skipped"


def test_a_step_that_writes_the_users_tree_through_the_common_dir(
    repo: Guarded, sandbox: bool
) -> None:
    evil = 'printf pwned > "$(git rev-parse --git-common-dir)/../src/lib.py"; true'
    path = repo.workstream(ws({"id": "evil", "run": evil}, sandbox=sandbox))
    repo.expected = repo.snapshot()
    result, _ = run(path)
    if sandbox:
        assert result.status == "succeeded"
        assert (repo.root / "src" / "lib.py").read_text() == "VALUE = 1\n"
    else:
        entry = result.state.steps["evil"]
        assert entry.status == "failed" and entry.reason == "tripwire"
        assert "src/lib.py" in entry.message
        git(repo.root, "checkout", "--", "src/lib.py")


def test_a_step_that_deletes_its_worktrees_git_file_with_worktrees_outside(
    repo: Guarded, tmp_path: Path, sandbox: bool
) -> None:
    path = repo.workstream(
        ws(
            {"id": "a", "run": "rm -rf .git; printf a > a.txt", "files": ["a.txt"]},
            worktree_dir="../trees",
            sandbox=sandbox,
        )
    )
    repo.expected = repo.snapshot()
    head = repo.head()
    result, _ = run(path)
    assert result.status == "succeeded"
    assert repo.head() == head  # no commit on the user's branch
    assert repo.show("workstream/ws-test/step/a", "a.txt") == "a"
    trees = tmp_path / "trees" / "ws-test"
    left = {p.name for p in trees.iterdir()} if trees.exists() else set()
    assert left <= {".workstream-owner", ".pool-0"}  # at most the idle pool, for the next run
    if ".pool-0" in left:  # tidied: a worktree of the repository again, its .git back
        assert (trees / ".pool-0" / ".git").is_file()
        assert str(trees / ".pool-0") in repo.worktrees(pool=True)


def test_a_step_that_replaces_its_git_file_to_point_at_the_users_repo(
    repo: Guarded, sandbox: bool
) -> None:
    evil = f'printf "gitdir: {repo.root}/.git\\n" > .git; printf a > a.txt'
    path = repo.workstream(ws({"id": "a", "run": evil, "files": ["a.txt"]}, sandbox=sandbox))
    repo.expected = repo.snapshot()
    head = repo.head()
    result, _ = run(path)
    assert result.status == "succeeded" and repo.head() == head
    assert repo.files("workstream/ws-test/step/a") >= {"a.txt", "src/lib.py"}
