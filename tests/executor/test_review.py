"""The runs view's data and "merge the result into the current branch", on real runs in real
git repositories: the merge lands the result on the user's branch; a dirty tree, a merge in
progress, a detached HEAD or no result is refused and changes nothing."""

from __future__ import annotations

import pytest

from workstream.executor.review import MergeRefused, merge_plan, merge_result, runs_data

from .conftest import Repo, git, run, ws


def two_steps(repo: Repo) -> tuple[str, object]:
    path = repo.workstream(
        ws(
            {"id": "a", "run": "printf a > a.txt", "files": ["a.txt"]},
            {"id": "b", "run": "printf b > b.txt", "files": ["b.txt"], "depends_on": ["a"]},
            ws_id="ws-review",
        )
    )
    return str(path), path


def test_runs_data_before_and_after_a_run(repo: Repo) -> None:
    text, path = two_steps(repo)
    before = runs_data(text)
    assert before["workstreamId"] == "ws-review" and before["run"] is None
    assert [s["id"] for s in before["steps"]] == ["a", "b"]
    assert all(s["status"] is None for s in before["steps"])
    base = repo.head()
    result, _ = run(path)  # type: ignore[arg-type]
    data = runs_data(text)
    steps = {s["id"]: s for s in data["steps"]}
    assert steps["a"]["status"] == "succeeded" and steps["b"]["status"] == "succeeded"
    assert steps["a"]["startCommit"] == base
    assert steps["b"]["startCommit"] == steps["a"]["commit"]
    assert repo.show(steps["b"]["commit"], "b.txt") == "b"
    assert isinstance(steps["a"]["durationMs"], int)
    assert steps["a"]["log"] and steps["a"]["branch"]
    assert data["run"]["baseCommit"] == base
    assert data["run"]["resultCommit"] == result.state.result_commit
    assert data["repoRoot"] == str(repo.root.resolve())


def test_merge_lands_the_result_on_the_users_branch(repo: Repo) -> None:
    text, path = two_steps(repo)
    result, _ = run(path)  # type: ignore[arg-type]
    plan = merge_result(text, dry_run=True)
    assert plan.branch == "main" and not plan.already_merged
    assert {f["path"] for f in plan.files} == {"a.txt", "b.txt"}
    assert plan.commit_count == len(plan.commits) >= 1
    assert repo.snapshot() == repo.expected, "a dry run changes nothing"
    before = repo.head()
    done = merge_result(text)
    assert done.merged_commit == repo.head()
    assert git(repo.root, "rev-parse", "HEAD^1").strip() == before
    assert git(repo.root, "rev-parse", "HEAD^2").strip() == result.state.result_commit
    assert git(repo.root, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert (repo.root / "a.txt").read_text() == "a" and (repo.root / "b.txt").read_text() == "b"
    repo.expected = repo.snapshot()
    again = merge_result(text)
    assert again.already_merged and again.merged_commit is None
    assert repo.head() == done.merged_commit


def test_a_dirty_tree_is_refused_and_nothing_changes(repo: Repo) -> None:
    text, path = two_steps(repo)
    run(path)  # type: ignore[arg-type]
    repo.write("README.md", "# edited by the user\n")
    repo.expected = repo.snapshot()
    head = repo.head()
    for dry_run in (True, False):
        with pytest.raises(MergeRefused, match=r"uncommitted changes \(README.md\)"):
            merge_result(text, dry_run=dry_run)
    assert repo.head() == head and not (repo.root / "a.txt").exists()


def test_a_merge_in_progress_and_a_detached_head_are_refused(repo: Repo) -> None:
    text, path = two_steps(repo)
    run(path)  # type: ignore[arg-type]
    head = repo.head()
    git(repo.root, "checkout", "-q", "--detach")
    with pytest.raises(MergeRefused, match="detached HEAD"):
        merge_result(text)
    assert git(repo.root, "rev-parse", "HEAD").strip() == head
    git(repo.root, "checkout", "-q", "main")
    merge_head = repo.root / ".git" / "MERGE_HEAD"
    merge_head.write_text(head + "\n")
    repo.expected = repo.snapshot()
    with pytest.raises(MergeRefused, match="a merge is in progress"):
        merge_result(text)
    merge_head.unlink()
    assert repo.head() == head


def test_no_result_is_refused(repo: Repo) -> None:
    path = repo.workstream(ws({"id": "x", "run": "exit 3", "files": []}, ws_id="ws-fails"))
    with pytest.raises(MergeRefused, match="no run yet"):
        merge_plan(str(path))
    run(path)
    with pytest.raises(MergeRefused, match="nothing to merge"):
        merge_result(str(path))


def test_a_conflicting_merge_is_aborted(repo: Repo) -> None:
    text, path = two_steps(repo)
    run(path)  # type: ignore[arg-type]
    repo.write("a.txt", "the user's own a\n")
    repo.commit_all("user adds a.txt")
    head = repo.head()
    with pytest.raises(MergeRefused, match=r"conflicts in a\.txt"):
        merge_result(text)
    assert repo.head() == head and not (repo.root / ".git" / "MERGE_HEAD").exists()
    assert (repo.root / "a.txt").read_text() == "the user's own a\n"
